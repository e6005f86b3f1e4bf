//! `/api/v1/admin/saved-replies…`: saved (canned) replies. Admins (or the admin token)
//! create, replace and delete them; anyone signed in lists and searches them and sends one
//! to an escalation's customer (`POST /api/v1/admin/escalations/{id}/saved-reply`). Every
//! change and send goes through `frontline_shared::saved_replies` (audited; a send is one
//! Reply of the agent-action use case).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_shared::agent_action::Outcome;
use frontline_shared::saved_replies::{
    self, manage, send, SavedReply, SavedReplyError, SavedReplyInput, SavedReplyInputError,
};
use frontline_shared::site_id::SiteId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::admin::refused;
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::guard::admin::{Admin, Staff};
use crate::state::AppState;

/// Most replies one search answers.
pub const SEARCH_LIMIT: usize = 20;

/// A saved reply as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedReplyBody {
    pub id: String,
    pub name: String,
    /// The site it is for; absent: every site.
    pub site: Option<String>,
    /// The template (Markdown + handlebars: `{{customer.name}}`, `{{site}}`, `{{page_url}}`).
    pub body: String,
    /// Unix milliseconds.
    pub updated_at_ms: i64,
    pub updated_by: String,
}

impl From<&SavedReply> for SavedReplyBody {
    fn from(r: &SavedReply) -> Self {
        SavedReplyBody {
            id: r.id.clone(),
            name: r.name.clone(),
            site: r.site_id.as_ref().map(SiteId::to_string),
            body: r.body.clone(),
            updated_at_ms: r.updated_at_ms,
            updated_by: r.updated_by.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SavedReplyRequest {
    /// 1–80 characters, unique per site (any case).
    pub name: String,
    /// A configured site id; absent or empty: every site.
    #[serde(default)]
    pub site: Option<String>,
    /// 1–4000 characters of Markdown + handlebars.
    pub body: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SavedReplyQuery {
    /// Only the replies usable on this site (its own and the global ones).
    pub site: Option<String>,
    /// Only names containing this (any case), those starting with it first; at most 20.
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SendSavedReplyRequest {
    pub saved_reply_id: String,
    /// The agent's display name: required with the admin token; with an account's
    /// session the account's name is used and this is ignored.
    #[serde(default)]
    pub agent: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SentSavedReplyBody {
    /// The text the customer was sent (rendered Markdown).
    pub text: String,
}

/// The request's input, its site checked against the configuration.
pub fn parse_input(
    state: &AppState,
    name: &str,
    site: Option<&str>,
    body: &str,
) -> Result<SavedReplyInput, ApiError> {
    let input = SavedReplyInput::parse(name, site, body).map_err(SavedReplyError::from)?;
    if let Some(site) = &input.site_id {
        if state.sites.get(site.as_str()).is_none() {
            let unknown =
                SavedReplyInputError::Site(format!("no site {:?} is configured", site.as_str()));
            return Err(SavedReplyError::from(unknown).into());
        }
    }
    Ok(input)
}

/// The replies `query` selects.
pub async fn load(state: &AppState, query: &SavedReplyQuery) -> Result<Vec<SavedReply>, ApiError> {
    let site = match query.site.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            SiteId::parse(raw)
                .map_err(|e| ApiError::bad_request("invalid_site", format!("`site`: {e}")))?,
        ),
    };
    let replies = state.store.saved_replies(site.as_ref()).await?;
    Ok(match query.q.as_deref() {
        Some(q) => saved_replies::search(&replies, q, SEARCH_LIMIT)
            .into_iter()
            .cloned()
            .collect(),
        None => replies,
    })
}

#[utoipa::path(get, path = "/api/v1/admin/saved-replies", tag = "admin", operation_id = "list_saved_replies",
    params(SavedReplyQuery), security(("admin_token" = [])),
    responses((status = 200, description = "saved replies by name", body = [SavedReplyBody]), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    ApiQuery(query): ApiQuery<SavedReplyQuery>,
) -> Result<Json<Vec<SavedReplyBody>>, ApiError> {
    let replies = load(&state, &query).await?;
    Ok(Json(replies.iter().map(SavedReplyBody::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/admin/saved-replies", tag = "admin", operation_id = "create_saved_reply",
    request_body = SavedReplyRequest, security(("admin_token" = [])),
    responses((status = 201, body = SavedReplyBody), (status = 409, description = "the site has a reply of this name", body = ErrorBody),
        (status = 422, description = "a field is not valid (the message names it)", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(request): ApiJson<SavedReplyRequest>,
) -> Result<(StatusCode, Json<SavedReplyBody>), ApiError> {
    let input = parse_input(
        &state,
        &request.name,
        request.site.as_deref(),
        &request.body,
    )?;
    let created = manage::create(&state.store, &admin.actor, &input).await?;
    Ok((StatusCode::CREATED, Json((&created).into())))
}

#[utoipa::path(put, path = "/api/v1/admin/saved-replies/{id}", tag = "admin", operation_id = "replace_saved_reply",
    params(("id" = String, Path, description = "saved reply id")), request_body = SavedReplyRequest, security(("admin_token" = [])),
    responses((status = 200, body = SavedReplyBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SavedReplyRequest>,
) -> Result<Json<SavedReplyBody>, ApiError> {
    let input = parse_input(
        &state,
        &request.name,
        request.site.as_deref(),
        &request.body,
    )?;
    let changed = manage::change(&state.store, &admin.actor, &id, &input).await?;
    Ok(Json((&changed).into()))
}

#[utoipa::path(delete, path = "/api/v1/admin/saved-replies/{id}", tag = "admin", operation_id = "delete_saved_reply",
    params(("id" = String, Path, description = "saved reply id")), security(("admin_token" = [])),
    responses((status = 204, description = "deleted (replies already sent stay)"), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    manage::delete(&state.store, &admin.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/saved-reply", tag = "admin", operation_id = "send_saved_reply",
    params(("id" = String, Path, description = "escalation id")), request_body = SendSavedReplyRequest, security(("admin_token" = [])),
    responses((status = 201, description = "rendered for the customer and sent as a reply", body = SentSavedReplyBody),
        (status = 404, description = "no such escalation or saved reply", body = ErrorBody),
        (status = 422, description = "the reply is for another site, or does not render", body = ErrorBody)))]
pub async fn send_to_customer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SendSavedReplyRequest>,
) -> Result<(StatusCode, Json<SentSavedReplyBody>), ApiError> {
    let actor = super::admin::actor(staff, request.agent)?;
    let (outcome, text) =
        send::send(&state.store, &request.saved_reply_id, &id, &actor, None).await?;
    match outcome {
        Outcome::Applied(_) | Outcome::AlreadyApplied(_) => {
            Ok((StatusCode::CREATED, Json(SentSavedReplyBody { text })))
        }
        Outcome::Refused(refusal) => Err(refused(refusal)),
    }
}
