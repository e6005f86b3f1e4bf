//! Loopback stand-ins for the help-center APIs `frontline-import` reads, each built from
//! the provider's published API documentation (cited in each module). Every stand-in
//! checks credentials, pages its lists two items at a time, answers one chosen request
//! with `429` + `Retry-After: 1` the first time it is asked, and serves one malformed item.
//!
//! # Layout
//! - this module: the shared [`Guard`] (credentials, the one `429`, a request log);
//! - [`zendesk`], [`intercom`], [`helpscout`], [`freshdesk`]: one router each.

pub mod freshdesk;
pub mod helpscout;
pub mod intercom;
pub mod zendesk;

use crate::standin::{serve, ServerGuard};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the stand-in answered.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query, as requested.
    pub target: String,
    pub at: Instant,
    pub status: u16,
}

/// What every stand-in checks and records.
#[derive(Debug)]
pub struct Guard {
    /// The exact `Authorization` header the API expects.
    authorization: String,
    /// The path and query answered once with `429`.
    limited_once: String,
    limited: AtomicBool,
    log: Mutex<Vec<Seen>>,
}

impl Guard {
    pub fn new(authorization: String, limited_once: &str) -> Arc<Guard> {
        Arc::new(Guard {
            authorization,
            limited_once: limited_once.to_string(),
            limited: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        })
    }

    pub fn log(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }

    /// How long the client waited between the `429` and its retry of the same request
    /// (panics unless there was exactly one `429`, followed by a `200`).
    pub fn wait_after_429(&self) -> Duration {
        let log = self.log();
        let limited: Vec<&Seen> = log
            .iter()
            .filter(|s| s.target == self.limited_once)
            .collect();
        match limited.as_slice() {
            [first, second] if first.status == 429 && second.status == 200 => {
                second.at.duration_since(first.at)
            }
            other => panic!(
                "expected one 429 then one 200 for {}: {other:?}\nall: {log:?}",
                self.limited_once
            ),
        }
    }
}

/// `Basic base64(user:password)`.
pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

async fn guard(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(guard.authorization.as_str());
    let response = if !authorized {
        (StatusCode::UNAUTHORIZED, "bad credentials").into_response()
    } else if target == guard.limited_once && !guard.limited.swap(true, Ordering::SeqCst) {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "rate limited",
        )
            .into_response()
    } else {
        next.run(request).await
    };
    guard.log.lock().expect("log").push(Seen {
        target,
        at: Instant::now(),
        status: response.status().as_u16(),
    });
    response
}

/// A running stand-in: its base URL, its guard and its data.
#[derive(Debug)]
pub struct Standin<D> {
    pub url: String,
    pub guard: Arc<Guard>,
    pub data: Arc<Mutex<D>>,
    _server: ServerGuard,
}

/// Serves `router` (its state already applied) behind `guard`.
pub async fn start<D>(router: Router, guard: Arc<Guard>, data: Arc<Mutex<D>>) -> Standin<D> {
    let router = router.layer(axum::middleware::from_fn_with_state(
        guard.clone(),
        self::guard,
    ));
    let (url, server) = serve(router).await;
    Standin {
        url,
        guard,
        data,
        _server: server,
    }
}

/// The page `page` (1-based) of `items`, two per page, and whether more follow.
pub fn page_of<T: Clone>(items: &[T], page: usize) -> (Vec<T>, bool) {
    const PER_PAGE: usize = 2;
    let start = (page.max(1) - 1) * PER_PAGE;
    let slice = items.iter().skip(start).take(PER_PAGE).cloned().collect();
    (slice, items.len() > start + PER_PAGE)
}

/// `http://<Host header>`: the stand-in's own base, for next-page links.
pub fn own_base(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}
