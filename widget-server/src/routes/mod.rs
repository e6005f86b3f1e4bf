//! The HTTP surface: `app(state)` builds the whole router.
//!
//! | route | module |
//! |---|---|
//! | `POST /api/v1/sites/{site}/ask` | [`ask`] |
//! | `GET /api/v1/sites/{site}/suggest` | [`suggest`] |
//! | `GET /api/v1/sites/{site}/config`, `…/answers/{kind}/{id}` | [`site`] |
//! | `POST /api/v1/sites/{site}/feedback` | [`feedback`] |
//! | `POST /api/v1/sites/{site}/handoff` | [`handoff`] |
//! | `GET /api/v1/conversations/{id}`, `POST …/messages` | [`conversation`] |
//! | `GET /api/v1/conversations/{id}/events` (SSE) | [`events`] |
//! | `/api/v1/admin/escalations…` | [`admin`] |
//! | `GET /api/v1/admin/stats` | [`stats`] |
//! | `/admin…` (HTML dashboard) | [`crate::dashboard`] |
//! | `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/widget.js`, `/favicon.svg`, `/` | [`ops`], [`assets`] |
//!
//! Request ids and the span per request are added by the listener
//! (`frontline_serve::request_trace`), for the bot's routes too.

pub mod admin;
pub mod ask;
pub mod assets;
pub mod conversation;
pub mod events;
pub mod feedback;
pub mod handoff;
pub mod ops;
pub mod site;
pub mod stats;
pub mod suggest;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

use crate::error::ApiError;
use crate::guard;
use crate::metrics;
use crate::sites::Site;
use crate::state::AppState;

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let public_api = Router::new()
        .route("/api/v1/sites/{site}/ask", post(ask::ask))
        .route("/api/v1/sites/{site}/suggest", get(suggest::suggest))
        .route("/api/v1/sites/{site}/config", get(site::config))
        .route(
            "/api/v1/sites/{site}/answers/{kind}/{id}",
            get(site::answer),
        )
        .route("/api/v1/sites/{site}/feedback", post(feedback::feedback))
        .route("/api/v1/sites/{site}/handoff", post(handoff::handoff))
        .route("/api/v1/conversations/{id}", get(conversation::show))
        .route(
            "/api/v1/conversations/{id}/messages",
            post(conversation::post_message),
        )
        .route("/api/v1/conversations/{id}/events", get(events::stream))
        .layer(guard::GuardLayer::new(state.clone(), guard::public_api));
    Router::new()
        .merge(public_api)
        .merge(admin::routes(state.clone()))
        .merge(crate::dashboard::routes(state.clone()))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route("/widget.js", get(assets::widget_js))
        .route("/favicon.svg", get(assets::favicon))
        .route("/", get(assets::storefront))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.limits.body_bytes))
        .layer(state.origins.cors_layer())
        .layer(metrics::TrackLayer::new(Arc::clone(&state.metrics)))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::BadRequest {
        code: "method_not_allowed",
        message: "this route does not accept that method".into(),
    }
}

impl AppState {
    /// The configured site `id`, or a 404.
    pub fn site(&self, id: &str) -> Result<Arc<Site>, ApiError> {
        self.sites
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::unknown_site(id))
    }
}
