//! Network safety: webhook destinations on loopback, private, link-local (and other
//! non-public) addresses are refused unless the endpoint has `allow_private = true`.
//!
//! The check runs where the connection is made: [`GuardedResolver`] is the HTTP client's
//! DNS resolver and drops every non-public address it resolves, so a name that resolves
//! to a public address when configured and to `127.0.0.1` later (DNS rebinding) is still
//! refused; the addresses connected to are exactly the ones checked. URLs with a literal
//! IP never reach a resolver, so [`check_literal`] refuses those before the request.
//! The client also uses no proxy and follows no redirect, which would bypass both.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A destination the guard refused.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to non-public addresses ({addresses}); set allow_private = true to permit it")]
pub struct PrivateDestination {
    pub host: String,
    pub addresses: String,
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // 100.64.0.0/10: carrier-grade NAT, shared address space (RFC 6598).
        || (a == 100 && (64..128).contains(&b))
        // 192.0.0.0/24 (IETF protocol assignments) and 198.18.0.0/15 (benchmarking).
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // 64:ff9b::/96 NAT64 and ::/96 IPv4-compatible could reach private IPv4 space.
        || (first == 0x64 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6].iter().all(|s| *s == 0))
}

/// Refuses a URL host that is a literal non-public IP (names are left to the resolver).
pub fn check_literal(host: &str, allow_private: bool) -> Result<(), PrivateDestination> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) if !allow_private && !is_public(ip) => Err(PrivateDestination {
            host: host.to_string(),
            addresses: ip.to_string(),
        }),
        _ => Ok(()),
    }
}

/// The system resolver, keeping only the addresses the endpoint may connect to.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = resolved
                .into_iter()
                .partition(|addr| allow_private || is_public(addr.ip()));
            if allowed.is_empty() {
                let addresses: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(PrivateDestination {
                    host,
                    addresses: addresses.join(", "),
                })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_refused_and_public_ones_pass() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = refused.parse().expect("ip");
            assert!(!is_public(ip), "{refused} must be refused");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            let ip: IpAddr = public.parse().expect("ip");
            assert!(is_public(ip), "{public} must pass");
        }
        assert!(check_literal("[::1]", false).is_err());
        assert!(check_literal("127.0.0.1", true).is_ok());
        assert!(check_literal("hooks.example.com", false).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_loopback_answers() {
        let guarded = GuardedResolver {
            allow_private: false,
        };
        let name: Name = "localhost".parse().expect("name");
        let refused = guarded.resolve(name).await;
        assert!(refused.is_err(), "localhost resolves to loopback only");
        let open = GuardedResolver {
            allow_private: true,
        };
        let name: Name = "localhost".parse().expect("name");
        let addrs: Vec<SocketAddr> = open.resolve(name).await.expect("allowed").collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
