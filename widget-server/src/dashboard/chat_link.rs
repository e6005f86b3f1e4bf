//! The queue page's "Link Discord" button: a one-time code the agent types as
//! `/frontline link CODE` in Discord ([`frontline_shared::chat_identity`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use frontline_shared::chat_identity::{link_code, LINK_CODE_VALID_FOR};
use serde_json::json;

use super::pages::render;
use super::session::Agent;
use crate::error::ApiError;
use crate::state::AppState;

/// `POST /admin/chat-link`: shows a new code (earlier unused ones stop working).
pub async fn create(State(state): State<AppState>, agent: Agent) -> Response {
    match link_code(&state.store, &agent.actor()).await {
        Ok(Some(code)) => {
            let minutes = LINK_CODE_VALID_FOR.as_secs() / 60;
            render(
                &state,
                "chat_link",
                &json!({ "title": "Link Discord", "nav": { "queue": true }, "code": code, "minutes": minutes, "agent": agent.name }),
            )
        }
        Ok(None) => ApiError::Conflict {
            code: "no_account",
            message: "linking is for signed-in accounts; a token sign-in has none".into(),
        }
        .into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
