//! `/api/v1/admin/webhooks…`: the outbound webhooks' endpoints, their delivery log and
//! redelivery (behind the admin token, as the rest of the admin API).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use frontline_shared::store::webhooks::WebhookAttempt;
use frontline_shared::webhooks::payload::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::guard::admin::Admin;
use crate::state::AppState;

/// Attempts the delivery log shows at most.
pub const MAX_ATTEMPTS: i64 = 200;

/// One configured endpoint and its health.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    /// Stable id: the first 12 hex digits of the SHA-256 of `url`.
    pub id: String,
    pub url: String,
    /// Event types sent; empty means all.
    pub events: Vec<String>,
    /// True once an event's last try failed, until a delivery succeeds.
    pub failing: bool,
    pub failing_since: Option<String>,
    pub last_error: Option<String>,
    /// Events queued and not yet delivered or given up.
    pub pending: i64,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// The outbox row; `POST …/deliveries/{outbox_id}/redeliver` queues it again.
    pub outbox_id: i64,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub attempted_at: String,
    /// The receiver's HTTP status; null when no response came.
    pub status_code: Option<i64>,
    /// Why it failed; null when delivered.
    pub error: Option<String>,
    pub duration_ms: i64,
    /// This failure was the event's last try.
    pub gave_up: bool,
}

impl From<WebhookAttempt> for AttemptView {
    fn from(a: WebhookAttempt) -> Self {
        AttemptView {
            outbox_id: a.outbox_id,
            event_id: a.event_id,
            event_type: a.event_type,
            attempted_at: rfc3339(a.attempted_at_ms),
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
            gave_up: a.gave_up,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Most attempts returned, newest first (1–200, default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Redelivered {
    /// The event queued again (receivers see the same `id`).
    pub event_id: String,
}

/// Every configured endpoint with its health (for the dashboard and the API).
pub async fn endpoints(state: &AppState) -> Result<Vec<EndpointView>, ApiError> {
    let mut views = Vec::new();
    for endpoint in state.store.webhooks().endpoints.iter() {
        let health = state.store.webhook_endpoint_health(&endpoint.id).await?;
        views.push(EndpointView {
            id: endpoint.id.clone(),
            url: endpoint.url.clone(),
            events: endpoint
                .events
                .iter()
                .map(|e| e.as_str().to_string())
                .collect(),
            failing: health.failing_since_ms.is_some(),
            failing_since: health.failing_since_ms.map(rfc3339),
            last_error: health.last_error,
            pending: health.pending,
        });
    }
    Ok(views)
}

/// The endpoint's id if it is configured, else `404 unknown_endpoint`.
fn configured(state: &AppState, id: &str) -> Result<(), ApiError> {
    if state.store.webhooks().endpoints.iter().any(|e| e.id == id) {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "unknown_endpoint",
            format!("no webhook endpoint {id:?} is configured"),
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "admin", operation_id = "list_webhooks", security(("admin_token" = [])),
    responses((status = 200, description = "configured endpoints with their health", body = [EndpointView])))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<EndpointView>>, ApiError> {
    Ok(Json(endpoints(&state).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/webhooks/{endpoint}/deliveries", tag = "admin", operation_id = "webhook_deliveries",
    params(("endpoint" = String, Path, description = "endpoint id"), LogQuery), security(("admin_token" = [])),
    responses((status = 200, description = "the newest attempts first", body = [AttemptView]),
        (status = 400, description = "`limit` out of range", body = ErrorBody),
        (status = 404, description = "no such endpoint", body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(endpoint): ApiPath<String>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Json<Vec<AttemptView>>, ApiError> {
    configured(&state, &endpoint)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_ATTEMPTS).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("`limit` must be 1 to {MAX_ATTEMPTS}"),
        ));
    }
    let attempts = state.store.webhook_attempts(&endpoint, limit).await?;
    Ok(Json(attempts.into_iter().map(AttemptView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/admin/webhooks/{endpoint}/deliveries/{outbox_id}/redeliver", tag = "admin", operation_id = "redeliver_webhook",
    params(("endpoint" = String, Path, description = "endpoint id"), ("outbox_id" = i64, Path, description = "the attempt's `outbox_id`")),
    security(("admin_token" = [])),
    responses((status = 202, description = "queued again, with the same event id", body = Redelivered),
        (status = 404, description = "no such endpoint or delivery", body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    _: Admin,
    ApiPath((endpoint, outbox_id)): ApiPath<(String, i64)>,
) -> Result<(StatusCode, Json<Redelivered>), ApiError> {
    configured(&state, &endpoint)?;
    match state.store.redeliver_webhook(&endpoint, outbox_id).await? {
        Some(event_id) => Ok((StatusCode::ACCEPTED, Json(Redelivered { event_id }))),
        None => Err(ApiError::not_found(
            "unknown_delivery",
            format!("endpoint {endpoint:?} has no delivery {outbox_id}"),
        )),
    }
}

/// The outbound event's schema, as the OpenAPI component `WebhookEvent` (the body POSTed
/// to `[[webhooks]]` endpoints, built by `frontline_shared::webhooks::payload`).
pub fn event_schema() -> Option<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>> {
    let nullable_text = json!({"type": ["string", "null"]});
    let time = json!({"type": "string", "format": "date-time"});
    let schema = json!({
        "type": "object",
        "description": "POSTed to each `[[webhooks]]` endpoint with `Frontline-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`. At least once: deduplicate by `id`.",
        "required": ["id", "type", "created_at", "data"],
        "properties": {
            "id": {"type": "string", "description": "`evt_…`, the same on every retry and redelivery"},
            "type": {"type": "string", "enum": frontline_shared::webhooks::EventType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "description": "`escalation.created`: handed off. `escalation.claimed`: an agent owns it (`data.agent`). `escalation.released`: back in the queue (released or reopened). `escalation.resolved`: resolved. `conversation.message`: the customer or an agent wrote after handoff (`data.message`). `csat.received`: the customer rated it (`data.csat`)."},
            "created_at": time,
            "data": {
                "type": "object",
                "required": ["escalation", "customer", "agent", "site"],
                "properties": {
                    "escalation": {"type": "object", "properties": {
                        "id": {"type": "string"}, "conversation_id": {"type": "string"},
                        "status": {"type": "string", "enum": ["queued", "claimed", "resolved"]},
                        "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "intent": nullable_text, "question": nullable_text, "message": nullable_text,
                        "page_url": nullable_text, "outside_hours": {"type": "boolean"},
                        "created_at": time, "claimed_at": {"type": ["string", "null"], "format": "date-time"},
                        "resolved_at": {"type": ["string", "null"], "format": "date-time"}}},
                    "customer": {"type": "object", "properties": {
                        "name": nullable_text, "email": {"type": "string"}, "locale": nullable_text,
                        "fields": {"type": "object", "description": "what the storefront passed to the widget"}}},
                    "agent": {"type": ["object", "null"], "description": "null while queued",
                        "properties": {"name": {"type": "string"}}},
                    "site": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
                    "message": {"type": "object", "description": "`conversation.message` only", "properties": {
                        "id": {"type": "integer"}, "author": {"type": "string", "enum": ["customer", "agent"]},
                        "author_name": nullable_text, "body": {"type": "string"}, "at": time}},
                    "csat": {"type": "object", "description": "`csat.received` only", "properties": {
                        "rating": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": nullable_text, "at": time}}
                }
            }
        }
    });
    serde_json::from_value(schema).ok()
}
