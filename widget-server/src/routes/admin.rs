//! `/api/v1/admin/…`: the agent queue over HTTP (the web fallback for teams without chat),
//! behind the admin token (a bearer token, or the dashboard's session cookie from this
//! server's own pages). Claim, release, resolve and reply go through the core's
//! [`agent_action::apply`], as the bot's buttons and the dashboard do, with its refusal texts.
//! These escalation routes are open to both roles ([`Staff`]); the others under
//! `/api/v1/admin` need the `admin` role ([`crate::guard::admin::Admin`]).

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_shared::agent_action::{self, AgentAction, Outcome, Refusal, Reply};
use frontline_shared::audit::Actor;
use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::site_id::SiteId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::guard::admin::Staff;
use crate::guard::{origins, GuardLayer};
use crate::input::Text;
use crate::state::AppState;

/// The admin API's routes. A browser page on another origin is refused (403) before
/// any handler runs, as on the dashboard: otherwise the session cookie would let a
/// foreign page act with the signed-in agent's rights.
/// Each route is registered with its documentation (`routes!`, see [`super::app`]).
pub fn routes(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        // Files: the one admin route with a body larger than `[server.limits] body_bytes`.
        .routes(routes!(reply_with_files))
        .layer(DefaultBodyLimit::max(state.attachments.max_request_bytes()))
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(claim))
        .routes(routes!(release))
        .routes(routes!(resolve))
        .routes(routes!(reply))
        .routes(routes!(assign))
        .routes(routes!(reassign))
        .routes(routes!(take_over))
        .routes(routes!(super::away::set))
        .routes(routes!(super::stats::stats))
        .routes(routes!(super::planning::forecast))
        .routes(routes!(super::customers::export))
        .routes(routes!(super::customers::erase))
        .routes(routes!(super::webhooks::list))
        .routes(routes!(super::webhooks::deliveries))
        .routes(routes!(super::webhooks::redeliver))
        .routes(routes!(super::agents::list, super::agents::create))
        .routes(routes!(super::agents::change))
        .routes(routes!(super::agents::invitation))
        .routes(routes!(super::agents::password))
        .routes(routes!(super::audit::list))
        .routes(routes!(
            super::saved_replies::list,
            super::saved_replies::create
        ))
        .routes(routes!(
            super::saved_replies::replace,
            super::saved_replies::delete
        ))
        .routes(routes!(super::saved_replies::send_to_customer))
        .routes(routes!(super::agent_figures::figures))
        .routes(routes!(super::tokens::list, super::tokens::create))
        .routes(routes!(super::tokens::revoke))
        .layer(GuardLayer::new(state, origins::verify))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `queued`, `claimed`, `resolved` or `open` (queued + claimed, the default).
    pub status: Option<String>,
    pub site: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AgentRequest {
    /// The agent's display name: required with the admin token; with an account's
    /// session the account's name is used and this is ignored.
    #[serde(default)]
    pub agent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyRequest {
    /// As in `AgentRequest`.
    #[serde(default)]
    pub agent: Option<String>,
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// As in `AgentRequest`: who assigns.
    #[serde(default)]
    pub agent: Option<String>,
    /// The account it goes to (an id from `GET /api/v1/admin/agents`).
    pub agent_id: String,
}

/// Who acts: the signed-in account, or the name the request gives (token callers).
pub(crate) fn actor(staff: Staff, agent: Option<String>) -> Result<Actor, ApiError> {
    if staff.has_account() {
        return Ok(staff.actor);
    }
    let name = crate::input::name(agent)?.ok_or_else(|| ApiError::Unprocessable {
        code: "invalid_agent",
        message: "`agent` must not be empty".into(),
    })?;
    Ok(Actor {
        name,
        ..staff.actor
    })
}

#[utoipa::path(get, path = "/api/v1/admin/escalations", tag = "admin", params(ListQuery),
    security(("admin_token" = [])),
    responses((status = 200, description = "escalations, oldest first", body = [Object]), (status = 400, description = "`status` or `site` is not valid", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Escalation>>, ApiError> {
    let site = match query.site.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            SiteId::parse(raw)
                .map_err(|e| ApiError::bad_request("invalid_site", format!("`site`: {e}")))?,
        ),
    };
    let statuses = match query.status.as_deref().unwrap_or("open") {
        "open" => vec![EscalationStatus::Queued, EscalationStatus::Claimed],
        other => vec![EscalationStatus::parse(other).ok_or_else(|| {
            ApiError::bad_request("invalid_status", format!("unknown status {other:?}"))
        })?],
    };
    Ok(Json(
        state
            .store
            .escalations_with_status(&statuses, site.as_ref(), 500)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/escalations/{id}", tag = "admin", operation_id = "show_escalation",
    params(("id" = String, Path, description = "escalation id")), security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    _: Staff,
    Path(id): Path<String>,
) -> Result<Json<Escalation>, ApiError> {
    state
        .store
        .escalation(&id)
        .await?
        .map(Json)
        .ok_or_else(|| refused(Refusal::NotFound))
}

/// Applies `action` by `agent` through the core: the escalation as it is now, or the
/// core's refusal text (see [`refused`]).
async fn act(
    state: &AppState,
    id: &str,
    actor: &Actor,
    action: AgentAction,
) -> Result<Escalation, ApiError> {
    match agent_action::apply(&state.store, &action, id, actor).await? {
        Outcome::Applied(escalation) | Outcome::AlreadyApplied(escalation) => Ok(*escalation),
        Outcome::Refused(refusal) => Err(refused(refusal)),
    }
}

/// A refused action over HTTP: `404 unknown_escalation`, `403 admin_required` (an
/// assignment by an agent), `422 invalid_agent_id` (an assignment to no enabled account),
/// or `409 transition_refused` with the refusal's text (e.g. `already claimed by Ana`).
pub(crate) fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotFound => ApiError::not_found("unknown_escalation", refusal.to_string()),
        Refusal::AdminsOnly | Refusal::UnlinkedAdminsOnly { .. } => ApiError::Forbidden {
            code: "admin_required",
            message: refusal.to_string(),
        },
        Refusal::UnknownAgent => ApiError::Unprocessable {
            code: "invalid_agent_id",
            message: format!("`agent_id`: {refusal}"),
        },
        _ => ApiError::Conflict {
            code: "transition_refused",
            message: refusal.to_string(),
        },
    }
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/claim", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object, description = "you own it"), (status = 409, body = ErrorBody, description = "someone else does")))]
pub async fn claim(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let actor = actor(staff, request.agent)?;
    act(&state, &id, &actor, AgentAction::Claim).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/release", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let actor = actor(staff, request.agent)?;
    act(&state, &id, &actor, AgentAction::Release)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/resolve", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let actor = actor(staff, request.agent)?;
    act(&state, &id, &actor, AgentAction::Resolve)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/reply", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = ReplyRequest, security(("admin_token" = [])),
    responses((status = 201, description = "delivered to the customer's stream"), (status = 404, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReplyRequest>,
) -> Result<StatusCode, ApiError> {
    let actor = actor(staff, request.agent)?;
    let text = Text::parse("text", &request.text, &state.limits)?;
    let reply = AgentAction::Reply(Reply {
        files: Vec::new(),
        text: text.into_string(),
        chat_event: None,
        saved_reply: None,
    });
    act(&state, &id, &actor, reply).await?;
    Ok(StatusCode::CREATED)
}

/// The form of `POST …/attachments` (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AgentFilesForm {
    /// The files (repeat the part): PNG, JPEG, GIF, WebP, PDF or plain text, judged by
    /// their content, at most `[attachments] max_files` of `max_bytes` each.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
    /// What the agent writes with them (optional).
    text: Option<String>,
    /// As in `AgentRequest`.
    agent: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/attachments", tag = "admin",
    params(("id" = String, Path, description = "escalation id")),
    request_body(content = AgentFilesForm, content_type = "multipart/form-data"),
    security(("admin_token" = [])),
    responses((status = 201, body = AgentFilesResponse, description = "stored with the reply and delivered to the customer's stream (images inline, other files as links); the chat threads name them. The stored files, in the order sent, with their ids and fresh links"),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "`file_too_large`"),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody, description = "`no_file`, `too_many_files`, `file_type_not_allowed`, `damaged_file`, `unknown_field`, `invalid_agent`")))]
pub async fn reply_with_files(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<AgentFilesResponse>), ApiError> {
    let form = super::attachments::FileForm::read(&state, multipart, &["text", "agent"]).await?;
    if form.files.is_empty() {
        return Err(super::attachments::no_file());
    }
    let actor = actor(staff, form.field("agent").map(str::to_string))?;
    let text = match form.field("text") {
        Some(raw) => Text::parse("text", raw, &state.limits)?.into_string(),
        None => String::new(),
    };
    let ids: Vec<String> = form.files.iter().map(|f| f.id.clone()).collect();
    let reply = AgentAction::Reply(Reply {
        files: form.files,
        text,
        chat_event: None,
        saved_reply: None,
    });
    let escalation = act(&state, &id, &actor, reply).await?;
    let mut stored = state
        .store
        .conversation_attachments(&escalation.conversation_id)
        .await?;
    stored.retain(|meta| ids.contains(&meta.id));
    stored.sort_by_key(|meta| ids.iter().position(|id| *id == meta.id));
    let attachments = stored
        .into_iter()
        .map(|meta| super::attachments::AttachmentBody::signed(&state, meta))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(AgentFilesResponse { attachments }),
    ))
}

/// What `POST …/escalations/{id}/attachments` stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentFilesResponse {
    /// The reply's files in the order sent: ids, names, types, sizes and links signed now.
    pub attachments: Vec<super::attachments::AttachmentBody>,
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/assign", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AssignRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object, description = "the queued escalation is claimed by the agent now"),
        (status = 403, body = ErrorBody, description = "the admin role is needed"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "refused, e.g. `already claimed by Ana` when a claim won the race (reassign it instead)"),
        (status = 422, body = ErrorBody, description = "`agent_id` names no enabled account")))]
pub async fn assign(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let actor = actor(staff, request.agent)?;
    let agent_id = request.agent_id.trim().to_string();
    act(&state, &id, &actor, AgentAction::Assign { agent_id })
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/reassign", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AssignRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object, description = "the claimed escalation is the agent's now"),
        (status = 403, body = ErrorBody, description = "the admin role is needed"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "refused, e.g. `this escalation is not claimed` (assign it instead)"),
        (status = 422, body = ErrorBody, description = "`agent_id` names no enabled account")))]
pub async fn reassign(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let actor = actor(staff, request.agent)?;
    let agent_id = request.agent_id.trim().to_string();
    act(&state, &id, &actor, AgentAction::Reassign { agent_id })
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/take_over", tag = "admin",
    params(("id" = String, Path, description = "escalation id")), request_body = AgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = Object, description = "you own it now"),
        (status = 403, body = ErrorBody, description = "the admin role is needed"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "refused, e.g. `this escalation is not claimed`")))]
pub async fn take_over(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AgentRequest>,
) -> Result<Json<Escalation>, ApiError> {
    let actor = actor(staff, request.agent)?;
    act(&state, &id, &actor, AgentAction::TakeOver)
        .await
        .map(Json)
}
