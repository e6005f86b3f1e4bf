//! Saved replies in the dashboard: the Saved replies page (admins) lists, creates, edits
//! and deletes them; the escalation page's "Send a saved reply" box (anyone signed in)
//! offers the names usable on the escalation's site as a `<datalist>`, so the browser
//! narrows them as the agent types, and sends the one picked. Everything goes through
//! `frontline_shared::saved_replies`, as the admin API does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::agent_action::{Outcome, Refusal};
use frontline_shared::saved_replies::{self, manage, send, SavedReplyError};
use serde::Deserialize;
use serde_json::json;

use super::pages::render;
use super::session::{AdminAgent, Agent};
use crate::error::ApiError;
use crate::routes::admin::refused;
use crate::routes::saved_replies::{parse_input, SavedReplyBody};
use crate::state::AppState;

/// The Saved replies page, with `notice` after a change, or `error` and its status.
async fn replies_page(
    state: &AppState,
    notice: Option<&str>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let replies = match state.store.saved_replies(None).await {
        Ok(replies) => replies,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let replies: Vec<SavedReplyBody> = replies.iter().map(SavedReplyBody::from).collect();
    let sites: Vec<String> = state
        .sites
        .iter()
        .map(|s| s.settings.id.to_string())
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut page = render(
        state,
        "saved_replies",
        &json!({ "title": "Saved replies", "nav": { "saved_replies": true }, "replies": replies,
                 "sites": sites, "notice": notice, "error": error.map(|(_, m)| m) }),
    );
    *page.status_mut() = status;
    page
}

/// What came of a change, as the page shows it.
async fn after(state: &AppState, result: Result<(), SavedReplyError>, done: &str) -> Response {
    match result {
        Ok(()) => replies_page(state, Some(done), None).await,
        Err(error) => match ApiError::from(error) {
            ApiError::Unprocessable { message, .. } => {
                replies_page(
                    state,
                    None,
                    Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
                )
                .await
            }
            ApiError::Conflict { message, .. } => {
                replies_page(state, None, Some((StatusCode::CONFLICT, message))).await
            }
            other => other.into_response(),
        },
    }
}

pub async fn page(State(state): State<AppState>, _admin: AdminAgent) -> Response {
    replies_page(&state, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct SavedReplyForm {
    name: String,
    #[serde(default)]
    site: String,
    body: String,
}

pub async fn create(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Form(form): Form<SavedReplyForm>,
) -> Response {
    let input = match parse_input(&state, &form.name, Some(&form.site), &form.body) {
        Ok(input) => input,
        Err(ApiError::Unprocessable { message, .. }) => {
            return replies_page(
                &state,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
            )
            .await
        }
        Err(other) => return other.into_response(),
    };
    let result = manage::create(&state.store, &admin.actor(), &input).await;
    after(&state, result.map(|_| ()), "Saved reply created.").await
}

pub async fn change(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Path(id): Path<String>,
    Form(form): Form<SavedReplyForm>,
) -> Response {
    let input = match parse_input(&state, &form.name, Some(&form.site), &form.body) {
        Ok(input) => input,
        Err(ApiError::Unprocessable { message, .. }) => {
            return replies_page(
                &state,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
            )
            .await
        }
        Err(other) => return other.into_response(),
    };
    let result = manage::change(&state.store, &admin.actor(), &id, &input).await;
    after(&state, result.map(|_| ()), "Saved reply changed.").await
}

pub async fn delete(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Path(id): Path<String>,
) -> Response {
    let result = manage::delete(&state.store, &admin.actor(), &id).await;
    after(&state, result, "Saved reply deleted.").await
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    /// The saved reply's name, as picked from the list (any case).
    name: String,
}

/// Sends the saved reply named in the form to the escalation's customer.
pub async fn send_to_customer(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Form(form): Form<SendForm>,
) -> Response {
    let escalation = match state.store.escalation(&id).await {
        Ok(Some(e)) => e,
        Ok(None) => return refused(Refusal::NotFound).into_response(),
        Err(error) => return ApiError::from(error).into_response(),
    };
    let replies = match state.store.saved_replies(Some(&escalation.site_id)).await {
        Ok(replies) => replies,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let Some(saved) = saved_replies::named(&replies, &form.name, &escalation.site_id) else {
        let message = format!(
            "`name`: no saved reply {:?} for this site",
            form.name.trim()
        );
        return ApiError::Unprocessable {
            code: "unknown_saved_reply",
            message,
        }
        .into_response();
    };
    let result = send::send(&state.store, &saved.id, &id, &agent.actor(), None).await;
    let done = match result {
        Ok((Outcome::Applied(_) | Outcome::AlreadyApplied(_), _)) => "done",
        Ok((Outcome::Refused(Refusal::NotFound), _)) => {
            return refused(Refusal::NotFound).into_response()
        }
        Ok((Outcome::Refused(_), _)) => "refused",
        Err(error) => return ApiError::from(error).into_response(),
    };
    Redirect::to(&format!("/admin/escalations/{id}?{done}=reply")).into_response()
}
