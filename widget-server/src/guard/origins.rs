//! Which browser origins may call which routes (CORS and the origin check).
//!
//! Site routes accept the site's configured storefront origins; conversation routes
//! (which carry a token) accept any configured origin; this server's own origin is
//! always allowed. The CORS layer answers preflights; [`verify`] refuses actual requests
//! from other origins with 403, so a form post from a foreign page cannot act either.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::rate_limit::site_of;
use crate::error::ApiError;
use crate::sites::Sites;
use crate::state::AppState;

/// The allowed origins per site, plus this server's own.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    own: String,
    per_site: HashMap<String, HashSet<String>>,
    any_site: HashSet<String>,
}

impl Origins {
    pub fn new(public_url: &str, sites: &Sites) -> Self {
        let own = origin_of(public_url);
        let per_site: HashMap<String, HashSet<String>> = sites
            .iter()
            .map(|s| {
                (
                    s.settings.id.clone(),
                    s.settings.origins.iter().cloned().collect(),
                )
            })
            .collect();
        let any_site = sites.all_origins().into_iter().collect();
        Origins {
            own,
            per_site,
            any_site,
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
                    origin
                        .to_str()
                        .is_ok_and(|o| origins.allows(o, parts.uri.path()))
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

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
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
    if origin
        .to_str()
        .is_ok_and(|o| state.origins.allows(o, request.uri().path()))
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: "origin_not_allowed",
            message: "this origin may not call this site's API".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_strips_paths() {
        assert_eq!(origin_of("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://help.example.com/x/y"),
            "https://help.example.com"
        );
    }
}
