//! `/api/v1/admin/…`: the agent queue over HTTP (the web fallback for teams without chat),
//! behind the admin token (a bearer token, or the dashboard's session cookie from this
//! server's own pages). Claims use the same single-winner store transition as the bot.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::store::escalations::{ReplyOrigin, Transition};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::guard::admin::Admin;
use crate::guard::{origins, GuardLayer};
use crate::input::Text;
use crate::state::AppState;

/// The admin API's routes. A browser page on another origin is refused (403) before
/// any handler runs, as on the dashboard: otherwise the session cookie would let a
/// foreign page act with the signed-in agent's rights.
/// Each route is registered with its documentation (`routes!`, see [`super::app`]).
pub fn routes(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(claim))
        .routes(routes!(release))
        .routes(routes!(resolve))
        .routes(routes!(reply))
        .routes(routes!(super::stats::stats))
        .layer(GuardLayer::new(state, origins::verify))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `queued`, `claimed`, `resolved` or `open` (queued + claimed, the default).
    pub status: Option<String>,
    pub site: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgentRequest {
    /// The agent's display name.
    pub agent: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyRequest {
    pub agent: String,
    pub text: String,
}

fn agent_name(raw: &str) -> Result<String, ApiError> {
    crate::input::name(Some(raw.to_string()))?.ok_or_else(|| ApiError::Unprocessable {
        code: "invalid_agent",
        message: "`agent` must not be empty".into(),
    })
}

#[utoipa::path(get, path = "/api/v1/admin/escalations", tag = "admin", params(ListQuery),
    security(("admin_token" = [])),
    responses((status = 200, description = "escalations, oldest first", body = [Object]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Escalation>>, ApiError> {
    let statuses = match query.status.as_deref().unwrap_or("open") {
        "open" => vec![EscalationStatus::Queued, EscalationStatus::Claimed],
        other => vec![EscalationStatus::parse(other).ok_or_else(|| {
            ApiError::bad_request("invalid_status", format!("unknown status {other:?}"))
        })?],
    };
    Ok(Json(
        state
            .store
            .escalations_with_status(&statuses, query.site.as_deref(), 500)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/escalations/{id}", tag = "admin", operation_id = "show_escalation",
    params(("id" = String, Path, description = "escalation id")), security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<Escalation>, ApiError> {
    state
        .store
        .escalation(&id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("unknown_escalation", "no such escalation"))
}

/// Maps a store transition to the answer: 200 for the winner, 409 saying who holds it.
fn transition_response(transition: Transition) -> Result<Json<Escalation>, ApiError> {
    match transition {
        Transition::Applied(escalation) => Ok(Json(escalation)),
        Transition::Refused(escalation) => Err(ApiError::Conflict {
            code: "transition_refused",
            message: match (&escalation.status, &escalation.claimed_by) {
                (EscalationStatus::Claimed, Some(agent)) => format!("already claimed by {agent}"),
                (status, _) => format!("the escalation is {}", status.as_str()),
            },
        }),
        Transition::NotFound => Err(ApiError::not_found(
            "unknown_escalation",
            "no such escalation",
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/claim", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object, description = "you own it"), (status = 409, body = ErrorBody, description = "someone else does")))]
pub async fn claim(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let agent = agent_name(&request.agent)?;
    transition_response(state.store.claim(&id, &agent).await?)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/release", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let agent = agent_name(&request.agent)?;
    transition_response(state.store.release(&id, &agent).await?)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/resolve", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let agent = agent_name(&request.agent)?;
    transition_response(state.store.resolve(&id, &agent).await?)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/reply", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = ReplyRequest, security(("admin_token" = [])),
    responses((status = 201, description = "delivered to the customer's stream"), (status = 404, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReplyRequest>,
) -> Result<StatusCode, ApiError> {
    let agent = agent_name(&request.agent)?;
    let text = Text::parse("text", &request.text, &state.limits)?;
    if state.store.escalation(&id).await?.is_none() {
        return Err(ApiError::not_found(
            "unknown_escalation",
            "no such escalation",
        ));
    }
    state
        .store
        .append_agent_message(&id, &agent, text.as_str(), ReplyOrigin::Web)
        .await?;
    Ok(StatusCode::CREATED)
}
