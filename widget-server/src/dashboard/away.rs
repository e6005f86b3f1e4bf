//! The queue page's away toggle, through the same use case as `PUT /api/v1/admin/away`.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::accounts::away::set_away;
use serde::Deserialize;

use super::session::Agent;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct AwayForm {
    away: bool,
}

/// `POST /admin/away` (`away=true|false`), then back to the queue.
pub async fn set(
    State(state): State<AppState>,
    agent: Agent,
    Form(form): Form<AwayForm>,
) -> Response {
    match set_away(&state.store, &agent.actor(), form.away).await {
        Ok(Some(_)) => Redirect::to("/admin/queue").into_response(),
        Ok(None) => ApiError::Conflict {
            code: "no_account",
            message: "away is set by a signed-in account; a token sign-in has none".into(),
        }
        .into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
