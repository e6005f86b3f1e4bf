//! The connection caps: at most `max_connections` open at once, `max_connections_per_ip`
//! from one client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use frontline_shared::config::IpNet;

/// Counts open connections; [`Gate::admit`] hands out one [`Admission`] per connection.
#[derive(Debug, Clone)]
pub struct Gate {
    counts: Arc<Mutex<Counts>>,
    max_total: usize,
    /// `0`: no per-IP cap.
    max_per_ip: usize,
    /// Trusted proxies (`[server] trusted_proxies`): every client behind one shares its
    /// address, so the per-IP cap does not apply to them (the total cap still does).
    proxies: Arc<[IpNet]>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The listener holds `max_connections` already.
    Full,
    /// This address holds `max_connections_per_ip` already.
    TooManyFromIp,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct Admission {
    counts: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

impl Gate {
    pub fn new(max_total: usize, max_per_ip: usize) -> Self {
        Gate {
            counts: Arc::default(),
            max_total,
            max_per_ip,
            proxies: Arc::from(Vec::new()),
        }
    }

    /// The same caps, with no per-IP cap for connections from `proxies`.
    pub fn exempting(mut self, proxies: &[IpNet]) -> Self {
        self.proxies = Arc::from(proxies.to_vec());
        self
    }

    /// A place for a connection from `ip`, unless a cap is reached.
    pub fn admit(&self, ip: IpAddr) -> Result<Admission, Refusal> {
        let ip = ip.to_canonical();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.total >= self.max_total {
            return Err(Refusal::Full);
        }
        let from_ip = counts.per_ip.entry(ip).or_insert(0);
        let capped = self.max_per_ip > 0 && !self.proxies.iter().any(|net| net.contains(ip));
        if capped && *from_ip >= self.max_per_ip {
            return Err(Refusal::TooManyFromIp);
        }
        *from_ip += 1;
        counts.total += 1;
        Ok(Admission {
            counts: Arc::clone(&self.counts),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(from_ip) = counts.per_ip.get_mut(&self.ip) {
            *from_ip = from_ip.saturating_sub(1);
            if *from_ip == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn caps_per_ip_and_in_total_and_frees_places_on_drop() {
        let gate = Gate::new(3, 2);
        let a1 = gate.admit(ip("10.0.0.1")).expect("first");
        let _a2 = gate.admit(ip("10.0.0.1")).expect("second");
        assert_eq!(
            gate.admit(ip("10.0.0.1")).err(),
            Some(Refusal::TooManyFromIp)
        );
        assert_eq!(
            gate.admit(ip("::ffff:10.0.0.1")).err(),
            Some(Refusal::TooManyFromIp),
            "an IPv4-mapped address is the same client"
        );
        let _b = gate.admit(ip("10.0.0.2")).expect("another client");
        assert_eq!(gate.admit(ip("10.0.0.3")).err(), Some(Refusal::Full));
        drop(a1);
        assert_eq!(gate.open(), 2);
        let _a3 = gate.admit(ip("10.0.0.1")).expect("a place was freed");
    }

    #[test]
    fn trusted_proxies_have_no_per_ip_cap_but_count_in_the_total() {
        let proxy = IpNet::try_from("10.0.0.0/8".to_string()).expect("net");
        let gate = Gate::new(3, 1).exempting(&[proxy]);
        let lb: IpAddr = [10, 1, 2, 3].into();
        let other: IpAddr = [192, 0, 2, 1].into();
        let _a = gate.admit(lb).expect("first from the proxy");
        let _b = gate
            .admit(lb)
            .expect("a second from the proxy is not capped");
        let _c = gate.admit(other).expect("first from a client");
        assert_eq!(gate.admit(lb).err(), Some(Refusal::Full));
    }

    #[test]
    fn zero_turns_the_per_ip_cap_off_and_forgets_idle_addresses() {
        let gate = Gate::new(10, 0);
        let all: Vec<_> = (0..10)
            .map(|_| gate.admit(ip("10.0.0.1")).expect("no per-IP cap"))
            .collect();
        drop(all);
        assert_eq!(gate.open(), 0);
        let counts = gate.counts.lock().expect("lock");
        assert!(counts.per_ip.is_empty());
    }
}
