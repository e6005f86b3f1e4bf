//! Who is calling: the peer address, or behind a trusted proxy the address it forwards.
//!
//! `X-Forwarded-For` is read only when the connecting peer is one of
//! `[server] trusted_proxies`; each proxy appends the address it saw, so the header is
//! walked from the right and the first address that is not itself a trusted proxy is the
//! client. Anything left of it was written by the client and is ignored. Rate limits and
//! the admin sign-in throttle key on this address.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use frontline_shared::config::{canonical_ip, IpNet};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use crate::state::AppState;

/// The client address for a request with this peer and these headers.
pub fn resolve(trusted: &[IpNet], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = canonical_ip(peer);
    if !is_trusted(client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage: nothing left of it can be believed; the last good hop is the client.
            return client;
        };
        client = canonical_ip(ip);
        if !is_trusted(client) {
            return client;
        }
    }
    client
}

/// `1.2.3.4`, `2001:db8::1`, `1.2.3.4:5678` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client address of a request (loopback when the server was not started with
/// connection info, as in router unit tests).
pub fn of(state: &AppState, extensions: &Extensions, headers: &HeaderMap) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    resolve(&state.trusted_proxies, peer, headers)
}

/// Extractor for handlers: the caller's address as [`of`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(of(state, &parts.extensions, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).expect("value"));
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_cannot_claim_another_address() {
        let trusted = [IpNet::parse("10.0.0.0/8").expect("net")];
        assert_eq!(
            resolve(&trusted, ip("203.0.113.9"), &xff(&["1.1.1.1"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve(&[], ip("10.0.0.1"), &xff(&["1.1.1.1"])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = [
            IpNet::parse("10.0.0.0/8").expect("net"),
            IpNet::parse("192.168.1.7").expect("net"),
        ];
        let peer = ip("10.0.0.1");
        // The client spoofs a first entry; the proxies append what they saw.
        assert_eq!(
            resolve(
                &trusted,
                peer,
                &xff(&["6.6.6.6, 198.51.100.4", "192.168.1.7"])
            ),
            ip("198.51.100.4")
        );
        assert_eq!(resolve(&trusted, peer, &xff(&[])), peer);
        assert_eq!(
            resolve(&trusted, peer, &xff(&["198.51.100.4:4711"])),
            ip("198.51.100.4")
        );
        assert_eq!(
            resolve(&trusted, peer, &xff(&["198.51.100.4, nonsense"])),
            peer,
            "garbage stops the walk at the last trusted hop"
        );
        assert_eq!(
            resolve(&trusted, peer, &xff(&["10.9.9.9"])),
            ip("10.9.9.9"),
            "only proxies: the furthest one"
        );
    }
}
