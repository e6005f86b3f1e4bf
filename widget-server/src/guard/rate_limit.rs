//! Rate limits with governor: one token bucket per client IP and one per site.
//!
//! Limits are per replica (each replica keeps its own buckets). A refused request gets
//! `429` with `Retry-After` in whole seconds. Site buckets exist only for configured
//! sites (made at start-up): a path naming an unknown site is limited by IP alone and
//! answered 404, so made-up site ids cannot grow the limiter's memory.

use axum::extract::{ConnectInfo, Request};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use frontline_shared::config::RateLimits;

use crate::error::ApiError;
use crate::state::AppState;

/// The buckets.
#[derive(Debug)]
pub struct RateLimiters {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_site: HashMap<String, DefaultDirectRateLimiter>,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl RateLimiters {
    /// Buckets for `limits`, with one site bucket for each of `sites`.
    pub fn new<'a>(limits: &RateLimits, sites: impl IntoIterator<Item = &'a str>) -> Self {
        let per_ip = Quota::per_minute(nonzero(limits.per_ip_per_minute))
            .allow_burst(nonzero(limits.per_ip_burst));
        let per_site = Quota::per_second(nonzero(limits.per_site_per_second))
            .allow_burst(nonzero(limits.per_site_burst));
        RateLimiters {
            per_ip: RateLimiter::keyed(per_ip),
            per_site: sites
                .into_iter()
                .map(|site| (site.to_string(), RateLimiter::direct(per_site)))
                .collect(),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one token for `ip` and, if given, `site`; the error says how long to wait.
    pub fn check(&self, ip: IpAddr, site: Option<&str>) -> Result<(), ApiError> {
        let refuse = |wait: Duration| ApiError::RateLimited {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        };
        self.per_ip
            .check_key(&ip)
            .map_err(|not_until| refuse(not_until.wait_time_from(self.clock.now())))?;
        if let Some(bucket) = site.and_then(|site| self.per_site.get(site)) {
            bucket
                .check()
                .map_err(|not_until| refuse(not_until.wait_time_from(self.clock.now())))?;
        }
        Ok(())
    }

    /// Forgets idle client IPs (called periodically so memory stays bounded).
    pub fn retain_recent(&self) {
        self.per_ip.retain_recent();
    }
}

/// The site id of a `/api/v1/sites/{site}/…` path.
pub fn site_of(path: &str) -> Option<&str> {
    path.strip_prefix("/api/v1/sites/")?
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

/// Takes a token for the caller's IP and the request's site: `RateLimited` (429) when
/// either is over its limit.
pub fn verify(state: &AppState, request: &Request) -> Result<(), ApiError> {
    let ip = client_ip(request.extensions());
    state.rate_limits.check(ip, site_of(request.uri().path()))
}

/// The client's address, as the listener saw it (loopback when none was recorded, as in
/// router tests).
pub fn client_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_is_served_then_refused_with_a_wait() {
        let limits = RateLimits {
            per_ip_per_minute: 60,
            per_ip_burst: 3,
            per_site_per_second: 1000,
            per_site_burst: 1000,
        };
        let limiters = RateLimiters::new(&limits, ["demo"]);
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            assert!(limiters.check(ip, Some("demo")).is_ok());
        }
        match limiters.check(ip, Some("demo")) {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=2).contains(&retry_after_secs))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(
            limiters
                .check(IpAddr::from([10, 0, 0, 2]), Some("demo"))
                .is_ok(),
            "other clients unaffected"
        );
    }

    #[test]
    fn a_site_bucket_is_shared_by_every_client_and_only_known_sites_have_one() {
        let limits = RateLimits {
            per_ip_per_minute: 1000,
            per_ip_burst: 1000,
            per_site_per_second: 1,
            per_site_burst: 2,
        };
        let limiters = RateLimiters::new(&limits, ["demo"]);
        let client = |n: u8| IpAddr::from([10, 0, 0, n]);
        assert!(limiters.check(client(1), Some("demo")).is_ok());
        assert!(limiters.check(client(2), Some("demo")).is_ok());
        assert!(
            matches!(
                limiters.check(client(3), Some("demo")),
                Err(ApiError::RateLimited { .. })
            ),
            "the third request to the site is refused, whoever sends it"
        );
        for _ in 0..5 {
            assert!(
                limiters.check(client(4), Some("no-such-site")).is_ok(),
                "an unknown site has no bucket (it gets a 404 later)"
            );
        }
    }

    #[test]
    fn finds_the_site_in_a_path() {
        assert_eq!(site_of("/api/v1/sites/demo/ask"), Some("demo"));
        assert_eq!(site_of("/api/v1/conversations/c/events"), None);
    }
}
