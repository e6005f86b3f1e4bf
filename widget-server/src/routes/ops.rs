//! Health, readiness, metrics and the OpenAPI document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use utoipa::openapi::OpenApi;

use crate::error::ApiError;
use crate::guard::admin;
use crate::guard::client_ip::ClientIp;
use crate::state::AppState;

/// Liveness: the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the store answers too.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "store unavailable" })),
            )
        }
    }
}

/// Prometheus metrics. With `FRONTLINE_METRICS_TOKEN` set, only for
/// `Authorization: Bearer <token>` (wrong tokens count against the caller's address like
/// wrong admin tokens); without it, open to anyone who can reach the port.
pub async fn metrics(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(expected) = &state.metrics_token {
        let right = match admin::bearer(&headers) {
            Some(given) => admin::check_token(&state, ip, given, expected.expose())?,
            None => false,
        };
        if !right {
            return Err(ApiError::Forbidden {
                code: "metrics_token_required",
                message: "`/metrics` needs `Authorization: Bearer <FRONTLINE_METRICS_TOKEN>`"
                    .into(),
            });
        }
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    ))
}

/// The OpenAPI document, built once with the router from the routes it serves.
pub async fn openapi(document: Arc<OpenApi>) -> Json<OpenApi> {
    Json(OpenApi::clone(&document))
}
