//! The built widget and the demo storefront page.
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

/// The demo storefront, embedding the widget for the first configured site.
pub async fn storefront(State(state): State<AppState>) -> impl IntoResponse {
    let site = state
        .sites
        .get("demo")
        .or_else(|| state.sites.iter().next())
        .map(|s| s.settings.id.clone())
        .unwrap_or_else(|| "demo".into());
    Html(STOREFRONT.replace("data-site=\"demo\"", &format!("data-site=\"{site}\"")))
}
