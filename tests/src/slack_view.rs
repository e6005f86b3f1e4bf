//! The Slack stand-in's window for tests in another process (the browser journey,
//! `tests/e2e/specs/journey.test.mjs`, runs it as the `slack-standin` binary).
//!
//! - `GET /standin/messages`: every message the bot posted, in posting order, as the
//!   channel shows it now (after `chat.update`): `channel`, `ts`, `thread_ts`, `text`,
//!   `visible_text` (the fallback text and every block's text), `buttons` (action ids),
//!   `blocks`, `metadata`, `updates`.
//! - `POST /standin/members` with `{"id", "name", "display_name", "real_name"}`: a
//!   workspace member `users.info` then describes
//!   (<https://api.slack.com/methods/users.info>).
//!
//! These paths are the stand-in's own; Slack's Web API stays under `/api/{method}`.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::slack_standin::{Posted, SlackState};

/// The view's routes, on the stand-in's state.
pub(crate) fn routes() -> Router<Arc<Mutex<SlackState>>> {
    Router::new()
        .route("/standin/messages", get(messages))
        .route("/standin/members", post(add_member))
}

fn posted_json(message: &Posted) -> Value {
    json!({
        "channel": message.channel,
        "ts": message.ts,
        "thread_ts": message.thread_ts,
        "text": message.text,
        "visible_text": message.visible_text(),
        "buttons": message.buttons(),
        "blocks": message.blocks,
        "metadata": message.metadata,
        "updates": message.updates,
    })
}

async fn messages(State(state): State<Arc<Mutex<SlackState>>>) -> Json<Value> {
    let state = state.lock().unwrap_or_else(|p| p.into_inner());
    Json(Value::Array(
        state.messages.iter().map(posted_json).collect(),
    ))
}

/// A member as `POST /standin/members` takes it; unset names are "" as in Slack.
#[derive(Debug, Deserialize)]
struct NewMember {
    id: String,
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    real_name: String,
}

async fn add_member(
    State(state): State<Arc<Mutex<SlackState>>>,
    Json(member): Json<NewMember>,
) -> StatusCode {
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    state.add_member(
        &member.id,
        &member.name,
        &member.display_name,
        &member.real_name,
    );
    StatusCode::NO_CONTENT
}
