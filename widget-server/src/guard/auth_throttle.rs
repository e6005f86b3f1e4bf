//! Brute-force throttle for admin credentials and passwords: per client IP and per
//! account, only failures count.
//!
//! Every wrong admin token (sign-in form, `Authorization: Bearer`, the metrics token) and
//! every failed password sign-in takes one token from the caller's bucket (`[server.rate_limits]
//! auth_failure_burst`, refilled at `auth_failures_per_minute`); a failed password
//! sign-in also takes one from the bucket of the e-mail it named, so guessing one
//! account's password from many addresses is throttled too. When a failure finds a
//! bucket empty its key is locked out until a token is back: every attempt in that time
//! is answered `429` with `Retry-After` *before* its credential is looked at, so guessing
//! on gains nothing. A right credential never takes from the buckets, and other addresses
//! and accounts have their own, so one client's guessing never slows another's sign-in.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use frontline_shared::config::RateLimits;

use crate::error::ApiError;

/// The failure buckets of client addresses and of accounts.
#[derive(Debug)]
pub struct AuthThrottle {
    addresses: Buckets<IpAddr>,
    /// Keyed by the lower-case e-mail a sign-in named (known account or not).
    accounts: Buckets<String>,
}

/// Failure buckets per key and the keys locked out now.
#[derive(Debug)]
struct Buckets<K: Hash + Eq + Clone> {
    failures: DefaultKeyedRateLimiter<K>,
    locked_until: Mutex<HashMap<K, Instant>>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

fn refuse(wait: Duration) -> ApiError {
    ApiError::RateLimited {
        retry_after_secs: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
    }
}

impl<K: Hash + Eq + Clone + std::fmt::Debug> Buckets<K> {
    fn new(quota: Quota) -> Self {
        Buckets {
            failures: RateLimiter::keyed(quota),
            locked_until: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, HashMap<K, Instant>> {
        self.locked_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn admit(&self, key: &K) -> Result<(), ApiError> {
        let mut locked = self.locked();
        match locked.get(key) {
            Some(until) => {
                let now = Instant::now();
                if *until > now {
                    Err(refuse(*until - now))
                } else {
                    locked.remove(key);
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    fn failed(&self, key: K) -> Result<(), ApiError> {
        match self.failures.check_key(&key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                tracing::warn!(
                    ?key,
                    wait_secs = wait.as_secs(),
                    "credential guessing throttled"
                );
                self.locked().insert(key, Instant::now() + wait);
                Err(refuse(wait))
            }
        }
    }

    fn retain_recent(&self) {
        self.failures.retain_recent();
        let now = Instant::now();
        self.locked().retain(|_, until| *until > now);
    }
}

impl AuthThrottle {
    pub fn new(limits: &RateLimits) -> Self {
        let quota = Quota::per_minute(nonzero(limits.auth_failures_per_minute))
            .allow_burst(nonzero(limits.auth_failure_burst));
        AuthThrottle {
            addresses: Buckets::new(quota),
            accounts: Buckets::new(quota),
        }
    }

    /// Whether `ip` may present a credential now: `RateLimited` while it is locked out.
    pub fn admit(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.addresses.admit(&throttled_address(ip))
    }

    /// Counts a wrong credential from `ip`: `RateLimited` when that spent its last
    /// allowance (the address is then locked out until one is back).
    pub fn failed(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.addresses.failed(throttled_address(ip))
    }

    /// Whether a password for `email` may be tried now.
    pub fn admit_account(&self, email: &str) -> Result<(), ApiError> {
        self.accounts.admit(&email.to_lowercase())
    }

    /// Counts a failed sign-in naming `email`, as [`AuthThrottle::failed`].
    pub fn failed_account(&self, email: &str) -> Result<(), ApiError> {
        self.accounts.failed(email.to_lowercase())
    }

    /// Forgets keys that are neither locked out nor recently failing.
    pub fn retain_recent(&self) {
        self.addresses.retain_recent();
        self.accounts.retain_recent();
    }
}

/// The address a failure is counted against: an IPv4 address itself, an IPv6 address's
/// /64 network (one subscriber usually holds a whole /64, so rotating through it must not
/// buy fresh guesses).
fn throttled_address(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, burst: u32) -> RateLimits {
        RateLimits {
            auth_failures_per_minute: per_minute,
            auth_failure_burst: burst,
            ..RateLimits::default()
        }
    }

    #[test]
    fn an_ipv6_guesser_cannot_rotate_through_its_64() {
        let throttle = AuthThrottle::new(&limits(1, 2));
        let base: u128 = 0x2001_0db8_0001_0002_0000_0000_0000_0000;
        let address = |host: u128| IpAddr::V6(std::net::Ipv6Addr::from(base | host));
        assert!(throttle.failed(address(1)).is_ok());
        assert!(throttle.failed(address(2)).is_ok());
        assert!(throttle.failed(address(3)).is_err(), "same /64, spent");
        assert!(throttle.admit(address(99)).is_err(), "the whole /64 waits");
        let next_network = IpAddr::V6(std::net::Ipv6Addr::from(base + (1u128 << 64)));
        assert!(throttle.admit(next_network).is_ok());
    }

    #[test]
    fn failures_past_the_burst_lock_the_address_out_and_only_it() {
        let throttle = AuthThrottle::new(&limits(1, 3));
        let guesser = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            assert!(throttle.admit(guesser).is_ok());
            assert!(throttle.failed(guesser).is_ok());
        }
        match throttle.failed(guesser) {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(matches!(
            throttle.admit(guesser),
            Err(ApiError::RateLimited { .. })
        ));
        let other = IpAddr::from([10, 0, 0, 2]);
        assert!(
            throttle.admit(other).is_ok(),
            "another address is not locked out"
        );
        throttle.retain_recent();
        assert!(
            throttle.admit(guesser).is_err(),
            "still locked after a sweep"
        );
    }

    #[test]
    fn an_account_is_locked_whatever_the_letter_case_and_only_it() {
        let throttle = AuthThrottle::new(&limits(1, 2));
        assert!(throttle.failed_account("fay@example.com").is_ok());
        assert!(throttle.failed_account("Fay@Example.com").is_ok());
        assert!(matches!(
            throttle.failed_account("FAY@example.com"),
            Err(ApiError::RateLimited { .. })
        ));
        assert!(throttle.admit_account("fay@example.com").is_err());
        assert!(throttle.admit_account("gus@example.com").is_ok());
        assert!(
            throttle.admit(IpAddr::from([10, 0, 0, 9])).is_ok(),
            "addresses have their own buckets"
        );
    }
}
