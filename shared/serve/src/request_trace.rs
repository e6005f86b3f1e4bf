//! One `tracing` span per request, carrying a request id that the response echoes in
//! `x-request-id`.
//!
//! A request that brings a sane id (1–64 characters of `A-Z a-z 0-9 - _ . :`, as a load
//! balancer or another service would send) keeps it, so its log lines can be joined with
//! the caller's; any other value is replaced, and a request without one gets a fresh
//! random id. The span is at `info`, so every log line a handler writes (say
//! `handoff stored escalation=…`) carries `request_id` at the default log level; the
//! path is logged without its query (a query can hold what a customer typed).

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{MakeSpan, TraceLayer};

/// The header that carries the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest incoming request id that is kept.
pub const MAX_ID_CHARS: usize = 64;

/// `router` with request ids and a span per request (outermost, around every layer).
pub fn traced(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .map_request(forget_unsound_id)
            .layer(SetRequestIdLayer::x_request_id(RandomId))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(TraceLayer::new_for_http().make_span_with(RequestSpan)),
    )
}

/// Whether an incoming id is kept as it is.
pub fn is_sound(id: &[u8]) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops an incoming id that is not [`is_sound`], so a fresh one replaces it.
fn forget_unsound_id(mut request: Request<Body>) -> Request<Body> {
    let unsound = request
        .headers()
        .get_all(REQUEST_ID_HEADER)
        .iter()
        .enumerate()
        .any(|(n, id)| n > 0 || !is_sound(id.as_bytes()));
    if unsound {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}

/// 32 random hexadecimal digits.
#[derive(Debug, Clone, Copy)]
struct RandomId;

impl MakeRequestId for RandomId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = format!("{:032x}", rand::random::<u128>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// `request{request_id=… method=… path=…}`.
#[derive(Debug, Clone, Copy)]
struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> tracing::Span {
        let id = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|id| id.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id = id,
            method = %request.method(),
            path = request.uri().path(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::is_sound;

    #[test]
    fn ids_from_proxies_are_kept_and_anything_else_is_not() {
        for kept in ["abc", "0f8e-11aa", "req_1.2:3", &"a".repeat(64)] {
            assert!(is_sound(kept.as_bytes()), "{kept:?}");
        }
        for replaced in ["", " abc", "a b", "a\"b", "é", "<script>", &"a".repeat(65)] {
            assert!(!is_sound(replaced.as_bytes()), "{replaced:?}");
        }
    }
}
