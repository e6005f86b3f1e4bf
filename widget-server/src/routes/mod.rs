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
//! | `POST /api/v1/conversations/{id}/attachments`, `GET /api/v1/attachments/{id}` | [`attachments`] |
//! | `POST /api/v1/conversations/{id}/csat` | [`csat`] |
//! | `/api/v1/admin/escalations…` | [`admin`] |
//! | `GET /api/v1/admin/stats` | [`stats`] |
//! | `GET /api/v1/admin/forecast` | [`planning`] |
//! | `GET /api/v1/admin/customers/{email}/export`, `DELETE /api/v1/admin/customers/{email}` | [`customers`] |
//! | `/api/v1/admin/webhooks…` (endpoints, delivery log, redelivery) | [`webhooks`] |
//! | `/api/v1/admin/agents…` (accounts, invitations, passwords) | [`agents`] |
//! | `GET /api/v1/admin/audit` (JSON or CSV) | [`audit`] |
//! | `/api/v1/admin/tokens…` (personal API tokens) | [`tokens`] |
//! | `POST /api/v1/inbound/email` (mail servers) | [`inbound`] |
//! | `/admin…` (HTML dashboard) | [`crate::dashboard`] |
//! | `GET`/`POST /csat/{token}` (the resolved mail's rating links) | [`csat_page`] |
//! | `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/widget.js`, `/favicon.svg`, `/` | [`ops`], [`assets`] |
//!
//! Request ids and the span per request are added by the listener
//! (`frontline_serve::request_trace`), for the bot's routes too.

pub mod admin;
pub mod agent_figures;
pub mod agents;
pub mod ask;
pub mod assets;
pub mod attachments;
pub mod audit;
pub mod away;
pub mod conversation;
pub mod csat;
pub mod csat_page;
pub mod customers;
pub mod events;
pub mod feedback;
pub mod handoff;
pub mod inbound;
pub mod ops;
pub mod planning;
pub mod saved_replies;
pub mod site;
pub mod stats;
pub mod suggest;
pub mod tokens;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::guard;
use crate::metrics;
use crate::openapi::ApiDoc;
use crate::sites::Site;
use crate::state::AppState;

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let (api, document) = api(state.clone()).split_for_parts();
    let document = Arc::new(document);
    Router::new()
        .merge(api)
        .merge(crate::dashboard::routes(state.clone()))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route(
            "/openapi.json",
            get(move || ops::openapi(Arc::clone(&document))),
        )
        .route(
            "/csat/{token}",
            get(csat_page::show).post(csat_page::record),
        )
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

/// `/api/v1/…` and its OpenAPI document. Each handler is registered with `routes!`,
/// which serves it on the path and methods of its `#[utoipa::path]` and documents it
/// in the same step; add a route here the same way, never with a bare `.route`.
fn api(state: AppState) -> OpenApiRouter<AppState> {
    let public_api = OpenApiRouter::default()
        .routes(routes!(ask::ask))
        .routes(routes!(suggest::suggest))
        .routes(routes!(site::config))
        .routes(routes!(site::answer))
        .routes(routes!(feedback::feedback))
        .routes(routes!(handoff::handoff))
        .routes(routes!(conversation::show))
        .routes(routes!(conversation::post_message))
        .routes(routes!(csat::rate))
        .routes(routes!(events::stream))
        .layer(guard::GuardLayer::new(state.clone(), guard::public_api));
    // Files: the one public route with a body larger than `[server.limits] body_bytes`.
    let attachments_api = OpenApiRouter::default()
        .routes(routes!(attachments::upload))
        .layer(DefaultBodyLimit::max(state.attachments.max_request_bytes()))
        .routes(routes!(attachments::download))
        .layer(guard::GuardLayer::new(state.clone(), guard::public_api));
    // Mail servers, not browsers: their own bearer token and body limit, no CORS.
    let max_mail = state.inbound_mail.as_ref().map_or(0, |i| i.max_bytes);
    let inbound_api = OpenApiRouter::default()
        .routes(routes!(inbound::receive))
        .layer(DefaultBodyLimit::max(max_mail.max(state.limits.body_bytes)));
    OpenApiRouter::with_openapi(ApiDoc::document())
        .merge(public_api)
        .merge(attachments_api)
        .merge(inbound_api)
        .merge(admin::routes(state))
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
