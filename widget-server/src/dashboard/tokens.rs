//! `/admin/tokens`: an account's personal API tokens (any role). Lists them, creates one
//! (shown on this page once, never again) and revokes one, through
//! `frontline_shared::accounts::tokens` as the API does. A token sign-in (no account)
//! sees why it cannot have any.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::accounts::tokens::{self, ApiToken, TokenError};
use serde::Deserialize;
use serde_json::json;

use super::pages::render;
use super::session::Agent;
use crate::error::ApiError;
use crate::state::AppState;

fn when(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

fn row(token: &ApiToken) -> serde_json::Value {
    json!({
        "id": token.id,
        "name": token.name,
        "created": when(Some(token.created_at_ms)),
        "last_used": when(token.last_used_at_ms),
        "revoked": token.revoked_at_ms.is_some(),
    })
}

/// The page, with the token just `created` (its only showing) or an `error`.
async fn tokens_page(
    state: &AppState,
    agent: &Agent,
    created: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let list = if agent.agent_id.is_some() {
        match tokens::list(&state.store, &agent.actor()).await {
            Ok(list) => list,
            Err(error) => return token_error(error).into_response(),
        }
    } else {
        Vec::new()
    };
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut page = render(
        state,
        "tokens",
        &json!({ "title": "API tokens", "nav": { "tokens": true }, "agent": agent.name,
                 "account": agent.agent_id.is_some(),
                 "tokens": list.iter().map(row).collect::<Vec<_>>(),
                 "created": created, "error": error.map(|(_, m)| m) }),
    );
    *page.status_mut() = status;
    page
}

/// A token use case's failure as the API answers it.
pub fn token_error(error: TokenError) -> ApiError {
    match error {
        TokenError::Name => ApiError::Unprocessable {
            code: "invalid_name",
            message: error.to_string(),
        },
        TokenError::NoAccount => ApiError::Forbidden {
            code: "account_required",
            message: error.to_string(),
        },
        TokenError::NotFound => ApiError::NotFound {
            code: "token_not_found",
            message: error.to_string(),
        },
        TokenError::Store(e) => e.into(),
    }
}

pub async fn page(State(state): State<AppState>, agent: Agent) -> Response {
    tokens_page(&state, &agent, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    agent: Agent,
    Form(form): Form<NewTokenForm>,
) -> Response {
    match tokens::create(&state.store, &agent.actor(), &form.name).await {
        Ok(created) => tokens_page(&state, &agent, Some(created.secret), None).await,
        Err(TokenError::Store(error)) => ApiError::from(error).into_response(),
        Err(error) => {
            let status = match error {
                TokenError::NoAccount => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            tokens_page(&state, &agent, None, Some((status, error.to_string()))).await
        }
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Response {
    match tokens::revoke(&state.store, &agent.actor(), agent.role, &id).await {
        Ok(_) => Redirect::to("/admin/tokens").into_response(),
        Err(TokenError::Store(error)) => ApiError::from(error).into_response(),
        Err(error) => {
            tokens_page(
                &state,
                &agent,
                None,
                Some((StatusCode::NOT_FOUND, error.to_string())),
            )
            .await
        }
    }
}
