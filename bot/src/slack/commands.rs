//! `POST /slack/commands`: the `/frontline` slash command.
//!
//! `/frontline digest` enqueues today's digest so far for the channel it is typed in and
//! answers at once with an ephemeral acknowledgement (Slack wants an answer within 3 s;
//! the digest itself goes through the outbox). Anything else gets the usage line. The
//! request is signed like every Slack callback; the trigger id makes a repeat apply once.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::config::ChatPlatform;
use frontline_shared::templates::escape_slack;
use serde::Deserialize;

use crate::digest::{DigestScheduler, ACKNOWLEDGED, USAGE};
use crate::error::CallbackError;
use crate::http::AppState;

/// The form fields of a slash command we read.
#[derive(Debug, Deserialize)]
struct Command {
    command: String,
    #[serde(default)]
    text: String,
    channel_id: String,
    trigger_id: String,
}

pub async fn endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CallbackError> {
    state
        .verified_slack("slack_commands", &headers, &body)
        .await?;
    let command: Command = serde_urlencoded::from_bytes(&body)
        .map_err(|e| CallbackError::BadRequest(format!("unreadable command: {e}")))?;
    let text = answer(
        &state.digests,
        &command.command,
        &command.text,
        &command.channel_id,
        &command.trigger_id,
    )
    .await?;
    let answer = serde_json::json!({ "response_type": "ephemeral", "text": text });
    Ok(Json(answer).into_response())
}

/// What the bot answers, privately, to `{command} {text}` typed in `channel_id` (over HTTP
/// or Socket Mode): `digest` asks for today's digest in that channel, once per
/// `trigger_id`; anything else gets the usage line.
pub async fn answer(
    digests: &DigestScheduler,
    command: &str,
    text: &str,
    channel_id: &str,
    trigger_id: &str,
) -> Result<String, CallbackError> {
    if text.trim().eq_ignore_ascii_case("digest") {
        digests
            .request_now(ChatPlatform::Slack, channel_id, trigger_id)
            .await?;
        Ok(ACKNOWLEDGED.to_string())
    } else {
        let typed = format!("{command} {}", text.trim());
        Ok(format!("{USAGE} (got `{}`)", escape_slack(typed.trim())))
    }
}
