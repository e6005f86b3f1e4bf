//! The Webhooks page: each configured endpoint with its health (failing endpoints first
//! and marked), its newest delivery attempts and a redelivery button per attempt. The
//! figures are those of `GET /api/v1/admin/webhooks…` ([`crate::routes::webhooks`]).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::pages::render;
use super::session::AdminAgent;
use crate::error::ApiError;
use crate::routes::webhooks::{endpoints, AttemptView};
use crate::state::AppState;

/// Attempts shown per endpoint.
const SHOWN: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    notice: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    _admin: AdminAgent,
    Query(query): Query<PageQuery>,
) -> Response {
    let mut views = match endpoints(&state).await {
        Ok(views) => views,
        Err(error) => return error.into_response(),
    };
    views.sort_by_key(|v| !v.failing);
    let mut rows = Vec::with_capacity(views.len());
    for view in views {
        let attempts = match state.store.webhook_attempts(&view.id, SHOWN).await {
            Ok(attempts) => attempts,
            Err(error) => return ApiError::from(error).into_response(),
        };
        let attempts: Vec<AttemptView> = attempts.into_iter().map(AttemptView::from).collect();
        rows.push(json!({ "endpoint": view, "attempts": attempts }));
    }
    let notice = query
        .notice
        .filter(|n| n == "redelivered")
        .map(|_| "Queued again; the delivery log shows it once it is tried.");
    render(
        &state,
        "webhooks",
        &json!({ "title": "Webhooks", "nav": { "webhooks": true }, "endpoints": rows, "notice": notice }),
    )
}

/// The redelivery button: queue the event again, then back to the page.
pub async fn redeliver(
    State(state): State<AppState>,
    _admin: AdminAgent,
    Path((endpoint, outbox_id)): Path<(String, i64)>,
) -> Response {
    if !state
        .store
        .webhooks()
        .endpoints
        .iter()
        .any(|e| e.id == endpoint)
    {
        return ApiError::not_found("unknown_endpoint", "no such webhook endpoint").into_response();
    }
    match state.store.redeliver_webhook(&endpoint, outbox_id).await {
        Ok(Some(_)) => Redirect::to("/admin/webhooks?notice=redelivered").into_response(),
        Ok(None) => ApiError::not_found("unknown_delivery", "no such delivery").into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
