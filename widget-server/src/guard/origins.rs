//! Which browser origins may call which routes (CORS and the origin check).
//!
//! Site routes accept the site's configured storefront origins; conversation routes
//! (which carry a token) accept any configured origin; this server's own origin is
//! always allowed, under whatever host name it was reached by (a page it served, such as
//! the demo storefront at `http://localhost:8080/` while `public_url` says 127.0.0.1).
//! The CORS layer answers preflights; [`verify`] refuses actual requests from other
//! origins with 403, so a form post from a foreign page cannot act either. Refusals are
//! logged at WARN with the site and the origin, at most once a minute for each pair.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use frontline_shared::site_id::SiteId;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::rate_limit::site_of;
use crate::error::ApiError;
use crate::sites::Sites;
use crate::state::AppState;

/// The allowed origins per site, plus this server's own.
#[derive(Debug, Default)]
pub struct Origins {
    own: String,
    per_site: HashMap<String, HashSet<String>>,
    any_site: HashSet<String>,
    /// When each refused (site, origin) pair was last logged.
    refusals: RefusalLog,
}

impl Origins {
    pub fn new(public_url: &str, sites: &Sites) -> Self {
        let own = origin_of(public_url);
        let per_site: HashMap<String, HashSet<String>> = sites
            .iter()
            .map(|s| {
                (
                    s.settings.id.to_string(),
                    s.settings.origins.iter().cloned().collect(),
                )
            })
            .collect();
        let any_site = sites.all_origins().into_iter().collect();
        Origins {
            own,
            per_site,
            any_site,
            refusals: RefusalLog::default(),
        }
    }

    /// Whether a browser on `origin` may call `path`.
    pub fn allows(&self, origin: &str, path: &str) -> bool {
        if origin == self.own {
            return true;
        }
        if path.starts_with("/api/v1/admin") || path.starts_with("/admin") {
            return false;
        }
        if !path.starts_with("/api/v1/sites/") {
            return self.any_site.contains(origin);
        }
        // A site route naming no valid site id serves nothing (404): no origin needed.
        site_of(path).is_some_and(|site| {
            self.per_site
                .get(site.as_str())
                .is_some_and(|o| o.contains(origin))
        })
    }

    /// The CORS layer for the public API.
    pub fn cors_layer(self: &std::sync::Arc<Self>) -> CorsLayer {
        let origins = std::sync::Arc::clone(self);
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(
                move |origin: &HeaderValue, parts| {
                    let path = parts.uri.path();
                    origin.to_str().is_ok_and(|o| origins.allows(o, path))
                        // Any page may read why a simple request of its own was refused: on
                        // these routes [`verify`] answers every other origin with 403
                        // `origin_not_allowed` before a handler runs, so that refusal is all
                        // it can read, and the widget can name the fix in the console.
                        // Preflights stay refused: nothing non-simple is ever sent.
                        || (parts.method != Method::OPTIONS && guarded_by_origin(path))
                },
            ))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::HeaderName::from_static("last-event-id"),
            ])
            .max_age(Duration::from_secs(600))
    }
}

/// The public API's routes, which all sit behind [`verify`] (see `routes::app`).
fn guarded_by_origin(path: &str) -> bool {
    path.starts_with("/api/v1/sites/") || path.starts_with("/api/v1/conversations/")
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// Whether `origin` names the host the request was sent to (its `Host` header): the
/// page calling is one this server served, a same-origin request. A browser sets both
/// headers itself, so a page elsewhere cannot pass; a page on a host name rebound to us
/// by DNS could, but it carries none of our cookies and no admin token, and anything it
/// may then call, a script outside a browser can call anyway.
fn same_host(origin: &str, request: &Request) -> bool {
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| !host.is_empty() && host.eq_ignore_ascii_case(authority))
}

/// The origin check: `Forbidden` unless the request's `Origin` (if any) may
/// call its route. Preflights pass: the CORS layer answers them.
pub fn verify(state: &AppState, request: &Request) -> Result<(), ApiError> {
    if request.method() == Method::OPTIONS {
        return Ok(());
    }
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let path = request.uri().path();
    let origin = String::from_utf8_lossy(origin.as_bytes());
    if state.origins.allows(&origin, path) || same_host(&origin, request) {
        return Ok(());
    }
    let site = site_of(path);
    let site = site.as_ref().map(SiteId::as_str).unwrap_or("-");
    let origin: String = origin.chars().take(200).collect();
    if state
        .origins
        .refusals
        .first_in_a_while(site, &origin, Instant::now())
    {
        tracing::warn!(
            %site,
            %origin,
            %path,
            "refused a browser request from an origin this site does not allow (403 origin_not_allowed); \
             if it is the shop's own page, add the origin to the site's `origins` (www. and the bare domain are different origins)"
        );
    }
    Err(ApiError::Forbidden {
        code: "origin_not_allowed",
        message: "this origin may not call this site's API".into(),
    })
}

/// Remembers when each refused (site, origin) pair was last logged, so a page retrying in
/// a loop yields one line a minute, not one per request. Holds at most [`Self::MAX`] pairs:
/// a flood of made-up origins cannot grow it, it only goes quiet.
#[derive(Debug, Default)]
struct RefusalLog(Mutex<HashMap<(String, String), Instant>>);

impl RefusalLog {
    const EVERY: Duration = Duration::from_secs(60);
    const MAX: usize = 1024;

    /// True when this pair was not logged within the last minute (and notes it as logged).
    fn first_in_a_while(&self, site: &str, origin: &str, now: Instant) -> bool {
        let Ok(mut seen) = self.0.lock() else {
            return false;
        };
        let key = (site.to_string(), origin.to_string());
        if let Some(last) = seen.get(&key) {
            if now.saturating_duration_since(*last) < Self::EVERY {
                return false;
            }
        } else if seen.len() >= Self::MAX {
            seen.retain(|_, last| now.saturating_duration_since(*last) < Self::EVERY);
            if seen.len() >= Self::MAX {
                return false;
            }
        }
        seen.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_origin_is_logged_once_a_minute_per_site() {
        let log = RefusalLog::default();
        let start = Instant::now();
        assert!(log.first_in_a_while("demo", "http://localhost:8080", start));
        assert!(!log.first_in_a_while(
            "demo",
            "http://localhost:8080",
            start + Duration::from_secs(59)
        ));
        assert!(log.first_in_a_while("other", "http://localhost:8080", start));
        assert!(log.first_in_a_while("demo", "https://www.shop.example", start));
        assert!(log.first_in_a_while(
            "demo",
            "http://localhost:8080",
            start + Duration::from_secs(60)
        ));
    }

    #[test]
    fn the_refusal_log_stays_bounded() {
        let log = RefusalLog::default();
        let start = Instant::now();
        for i in 0..RefusalLog::MAX {
            assert!(log.first_in_a_while("demo", &format!("https://{i}.example"), start));
        }
        assert!(!log.first_in_a_while("demo", "https://one-more.example", start));
        let later = start + Duration::from_secs(61);
        assert!(log.first_in_a_while("demo", "https://one-more.example", later));
        assert_eq!(log.0.lock().map(|m| m.len()).unwrap_or(0), 1);
    }

    #[test]
    fn same_host_compares_the_origin_with_the_host_header() {
        let request = |host: &str| {
            axum::http::Request::builder()
                .uri("/api/v1/sites/demo/ask")
                .header(header::HOST, host)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        assert!(same_host(
            "http://localhost:8080",
            &request("localhost:8080")
        ));
        assert!(same_host(
            "https://Help.Example.com",
            &request("help.example.com")
        ));
        assert!(!same_host(
            "http://localhost:8080",
            &request("127.0.0.1:8080")
        ));
        assert!(!same_host(
            "https://evil.example",
            &request("help.example.com")
        ));
        assert!(!same_host(
            "http://localhost:8081",
            &request("localhost:8080")
        ));
    }

    #[test]
    fn origin_of_strips_paths() {
        assert_eq!(origin_of("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://help.example.com/x/y"),
            "https://help.example.com"
        );
    }
}
