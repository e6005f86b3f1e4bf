//! The built widget, the demo storefront page and its favicon.
//!
//! `widget-js/dist/widget.js` is committed and compiled into the binary, so running the
//! server never needs Node.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

use crate::state::AppState;

const WIDGET_JS: &str = include_str!("../../../widget-js/dist/widget.js");
const STOREFRONT: &str = include_str!("../../demo/storefront.html");

pub async fn widget_js() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        WIDGET_JS,
    )
}

/// A speech bubble on a rounded square, for the storefront and the dashboard's tabs.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f3d36"/><path d="M8 8h16a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-9l-6 5v-5H8a3 3 0 0 1-3-3v-9a3 3 0 0 1 3-3z" fill="#c8692c"/></svg>"##;

pub async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}

/// The demo storefront, embedding the widget for the first configured site.
pub async fn storefront(State(state): State<AppState>) -> impl IntoResponse {
    let site = state
        .sites
        .get("demo")
        .or_else(|| state.sites.iter().next())
        .map(|s| s.settings.id.to_string())
        .unwrap_or_else(|| "demo".into());
    Html(STOREFRONT.replace("data-site=\"demo\"", &format!("data-site=\"{site}\"")))
}
