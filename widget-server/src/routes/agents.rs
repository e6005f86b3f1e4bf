//! `/api/v1/admin/agents…`: agent accounts (admin role or the admin token). Create one
//! (with a password, or with an invitation link to send the invitee), change its name,
//! role or disabled flag, issue a new link (password reset), or set its password. Every
//! change goes through `frontline_shared::accounts::manage` and is in the audit log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_shared::accounts::manage::{self, Created};
use frontline_shared::accounts::{
    parse_display_name, AccountInputError, AgentAccount, NewAgent, Role,
};
use frontline_shared::store::agents::AgentChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::admin::Admin;
use crate::state::AppState;

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentBody {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `agent` or `admin`.
    pub role: String,
    /// A password is set (the invitation was accepted).
    pub active: bool,
    pub disabled: bool,
    /// The agent set themselves away (`PUT /api/v1/admin/away`).
    pub away: bool,
}

impl From<AgentAccount> for AgentBody {
    fn from(a: AgentAccount) -> Self {
        AgentBody {
            id: a.id,
            email: a.email,
            display_name: a.display_name,
            role: a.role.as_str().to_string(),
            active: a.active,
            disabled: a.disabled,
            away: a.away,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateAgentRequest {
    pub email: String,
    pub display_name: String,
    /// `agent` or `admin`.
    pub role: String,
    /// Optional: without it the answer carries an invitation link.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAgentBody {
    pub agent: AgentBody,
    /// Where the invitee sets their password (works once, for 7 days); absent when a
    /// password was given.
    pub invitation_url: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeAgentRequest {
    #[serde(default)]
    pub display_name: Option<String>,
    /// `agent` or `admin`.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationBody {
    /// Where the agent sets a new password (works once, for 7 days).
    pub invitation_url: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordRequest {
    /// 10 to 256 characters.
    pub password: String,
}

/// The link an invitation token opens.
pub fn invitation_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/admin/invitations/{token}",
        state.public_url.trim_end_matches('/')
    )
}

#[utoipa::path(get, path = "/api/v1/admin/agents", tag = "admin", operation_id = "list_agents",
    security(("admin_token" = [])),
    responses((status = 200, description = "every account, by e-mail", body = [AgentBody]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<AgentBody>>, ApiError> {
    let agents = state.store.agents().await?;
    Ok(Json(agents.into_iter().map(AgentBody::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/admin/agents", tag = "admin", operation_id = "create_agent",
    request_body = CreateAgentRequest, security(("admin_token" = [])),
    responses((status = 201, body = CreatedAgentBody), (status = 409, description = "the e-mail has an account", body = ErrorBody),
        (status = 422, description = "a field is not valid (the message names it)", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<CreateAgentRequest>,
) -> Result<(StatusCode, Json<CreatedAgentBody>), ApiError> {
    let new = NewAgent::parse(&request.email, &request.display_name, &request.role)
        .map_err(manage::AccountError::from)?;
    let Created {
        account,
        invitation,
    } = manage::create(&state.store, &admin.actor, &new, request.password).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedAgentBody {
            agent: account.into(),
            invitation_url: invitation.map(|token| invitation_url(&state, &token)),
        }),
    ))
}

#[utoipa::path(patch, path = "/api/v1/admin/agents/{id}", tag = "admin", operation_id = "change_agent",
    params(("id" = String, Path, description = "agent id")), request_body = ChangeAgentRequest, security(("admin_token" = [])),
    responses((status = 200, body = AgentBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ChangeAgentRequest>,
) -> Result<Json<AgentBody>, ApiError> {
    let change = AgentChange {
        display_name: request
            .display_name
            .as_deref()
            .map(parse_display_name)
            .transpose()
            .map_err(manage::AccountError::from)?,
        role: request
            .role
            .as_deref()
            .map(|r| Role::parse(r).ok_or(AccountInputError::Role))
            .transpose()
            .map_err(manage::AccountError::from)?,
        disabled: request.disabled,
    };
    let account = manage::change(&state.store, &admin.actor, &id, &change).await?;
    Ok(Json(account.into()))
}

#[utoipa::path(post, path = "/api/v1/admin/agents/{id}/invitation", tag = "admin", operation_id = "invite_agent",
    params(("id" = String, Path, description = "agent id")), security(("admin_token" = [])),
    responses((status = 201, description = "a new link; earlier ones stop working", body = InvitationBody), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn invitation(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<InvitationBody>), ApiError> {
    let token = manage::invite(&state.store, &admin.actor, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationBody {
            invitation_url: invitation_url(&state, &token),
        }),
    ))
}

#[utoipa::path(put, path = "/api/v1/admin/agents/{id}/password", tag = "admin", operation_id = "set_agent_password",
    params(("id" = String, Path, description = "agent id")), request_body = PasswordRequest, security(("admin_token" = [])),
    responses((status = 204, description = "set; the agent's sessions ended"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    manage::set_password(&state.store, &admin.actor, &id, request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
