//! `[server] trusted_proxies`: addresses and networks whose `X-Forwarded-For` is believed.

use std::net::IpAddr;

/// An IP network, written `10.0.0.0/8`, `fd00::/8`, or a bare address (one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct IpNet {
    network: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `addr` or `addr/prefix`; host bits must be zero, so a typo such as
    /// `10.0.0.1/8` is refused rather than silently widened.
    pub fn parse(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR network"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        let net = IpNet { network, prefix };
        if net.masked(network) != Some(bits(network)) {
            return Err(format!(
                "{text:?} has host bits set; write the network address"
            ));
        }
        Ok(net)
    }

    /// Whether `ip` is inside this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.masked(ip) == Some(bits(self.network))
    }

    /// `ip` with the host bits cleared, when it is of this network's family.
    fn masked(&self, ip: IpAddr) -> Option<u128> {
        let width = match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) => 32,
            (IpAddr::V6(_), IpAddr::V6(_)) => 128,
            _ => return None,
        };
        let host_bits = width - u32::from(self.prefix);
        let mask = if host_bits >= 128 {
            0
        } else {
            u128::MAX << host_bits
        };
        Some(bits(ip) & mask)
    }
}

impl TryFrom<String> for IpNet {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        IpNet::parse(&text)
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) as plain IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn networks_and_hosts() {
        let net = IpNet::parse("10.0.0.0/8").expect("valid");
        assert!(net.contains(ip("10.1.2.3")));
        assert!(net.contains(ip("::ffff:10.1.2.3")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(!net.contains(ip("::1")));
        let host = IpNet::parse("127.0.0.1").expect("valid");
        assert!(host.contains(ip("127.0.0.1")));
        assert!(!host.contains(ip("127.0.0.2")));
        let v6 = IpNet::parse("fd00::/8").expect("valid");
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        assert!(IpNet::parse("0.0.0.0/0")
            .expect("valid")
            .contains(ip("1.2.3.4")));
        assert!(IpNet::parse("::/0")
            .expect("valid")
            .contains(ip("2001:db8::1")));
    }

    #[test]
    fn typos_are_refused() {
        for bad in ["10.0.0.1/8", "10.0.0.0/33", "example.com", "10.0.0.0/x", ""] {
            assert!(IpNet::parse(bad).is_err(), "{bad}");
        }
    }
}
