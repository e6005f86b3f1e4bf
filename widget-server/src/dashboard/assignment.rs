//! The escalation page's Assign form: an admin gives the escalation to an account,
//! through the core's [`AgentAction::Assign`] (queued) or [`AgentAction::Reassign`]
//! (claimed), like the admin API and the chat selects. The page posts to the one that
//! matches what it showed, so a claim made meanwhile refuses an assignment.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use frontline_shared::agent_action::AgentAction;
use serde::Deserialize;

use super::pages::apply_and_show;
use super::session::Agent;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    agent_id: String,
}

/// `POST /admin/escalations/{id}/assign`: an agent (not an admin) is refused by the core
/// (403).
pub async fn assign(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let action = AgentAction::Assign {
        agent_id: form.agent_id.trim().to_string(),
    };
    apply_and_show(&state, &agent, &id, action).await
}

/// `POST /admin/escalations/{id}/reassign`.
pub async fn reassign(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let action = AgentAction::Reassign {
        agent_id: form.agent_id.trim().to_string(),
    };
    apply_and_show(&state, &agent, &id, action).await
}
