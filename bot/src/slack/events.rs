//! `POST /slack/events`: the Events API.
//!
//! - `url_verification`: answered with its `challenge` (after the signature check).
//! - `event_callback` with a `message` in an alert's thread (`thread_ts` = the alert's
//!   `ts`, same channel) from a person: relayed to the customer as an agent message,
//!   deduplicated by `event_id`, so Slack's retries (`X-Slack-Retry-Num`) apply once.
//!   One that shares files (subtype `file_share`) is queued for the delivery worker, which
//!   fetches the files with the bot token and relays them with the text
//!   ([`crate::delivery::chat_files`]). Bot messages (ours included), edits, deletions and
//!   other subtypes are ignored.
//!
//! Slack expects an answer within 3 s; relaying is one store write (plus, for a reply
//! racing a just-posted alert, a short wait for the alert's record).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::agent_action::ChatEvent;
use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::outbox::SharedFileLink;
use frontline_shared::store::StoreError;
use slack_morphism::prelude::*;

use super::{text, SlackHandlers};
use crate::error::CallbackError;
use crate::http::AppState;

pub async fn endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CallbackError> {
    let slack = state
        .verified_slack("slack_events", &headers, &body)
        .await?;
    let event: SlackPushEvent = serde_json::from_slice(&body)
        .map_err(|e| CallbackError::BadRequest(format!("unreadable event: {e}")))?;
    match event {
        SlackPushEvent::UrlVerification(verification) => {
            Ok(Json(serde_json::json!({ "challenge": verification.challenge })).into_response())
        }
        SlackPushEvent::EventCallback(callback) => {
            slack.handlers.event(callback).await?;
            Ok(StatusCode::OK.into_response())
        }
        SlackPushEvent::AppRateLimited(limited) => {
            tracing::warn!(team = %limited.team_id, "Slack is rate limiting our events");
            Ok(StatusCode::OK.into_response())
        }
    }
}

/// Threads started this recently may belong to an alert not recorded yet.
const FRESH_THREAD: Duration = Duration::from_secs(60);
/// How long a reply in such a thread waits for the alert's record.
const RECORD_GRACE: Duration = Duration::from_secs(2);

/// A person's reply in some thread, as far as we care.
#[derive(Debug, PartialEq)]
struct ThreadReply {
    channel: String,
    thread_ts: String,
    user: String,
    text: String,
    /// Files shared with it (`file_share`): name and `url_private`.
    files: Vec<SharedFileLink>,
}

impl ThreadReply {
    /// A person's message inside a thread, with an author and text, files or both: plain
    /// (no subtype) or sharing files (`file_share`); never a bot's.
    fn parse(message: &SlackMessageEvent) -> Option<ThreadReply> {
        let plain = match &message.subtype {
            None => true,
            Some(SlackMessageEventType::FileShare) => false,
            Some(_) => return None,
        };
        if message.sender.bot_id.is_some() || message.hidden == Some(true) {
            return None;
        }
        let thread_ts = message.origin.thread_ts.as_ref()?.to_string();
        if thread_ts == message.origin.ts.to_string() {
            return None; // the thread's parent, not a reply
        }
        let content = message.content.as_ref()?;
        let text = content.text.clone().unwrap_or_default();
        let files: Vec<SharedFileLink> = if plain {
            Vec::new()
        } else {
            content
                .files
                .iter()
                .flatten()
                .filter_map(|file| {
                    let url = file.url_private.as_ref()?.to_string();
                    let name = file.name.clone().or_else(|| file.title.clone())?;
                    Some(SharedFileLink { name, url })
                })
                .collect()
        };
        if text.trim().is_empty() && files.is_empty() {
            return None;
        }
        Some(ThreadReply {
            channel: message.origin.channel.as_ref()?.to_string(),
            thread_ts,
            user: message.sender.user.as_ref()?.to_string(),
            text,
            files,
        })
    }
}

impl SlackHandlers {
    /// The escalation whose alert starts `reply`'s thread. A reply can arrive before the
    /// bot has recorded a just-posted alert (the alert is visible in Slack the moment it
    /// is posted), so for a thread younger than [`FRESH_THREAD`] the record is awaited for
    /// up to [`RECORD_GRACE`] — well within Slack's 3-second answer window.
    async fn thread_escalation(&self, reply: &ThreadReply) -> Result<Option<String>, StoreError> {
        let deadline = Instant::now() + RECORD_GRACE;
        let parent_age = reply
            .thread_ts
            .split('.')
            .next()
            .and_then(|secs| secs.parse::<i64>().ok())
            .map(|secs| jiff::Timestamp::now().as_second() - secs);
        let fresh = parent_age.is_some_and(|age| age < FRESH_THREAD.as_secs() as i64);
        loop {
            let found = self
                .store
                .escalation_for_thread(ChatPlatform::Slack, &reply.channel, &reply.thread_ts)
                .await?;
            if found.is_some() || !fresh || Instant::now() >= deadline {
                return Ok(found);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Relays an agent's thread reply to the customer (HTTP or Socket Mode).
    pub async fn event(&self, callback: SlackPushEventCallback) -> Result<(), CallbackError> {
        let SlackEventCallbackBody::Message(message) = &callback.event else {
            return Ok(());
        };
        let Some(reply) = ThreadReply::parse(message) else {
            return Ok(());
        };
        let Some(escalation_id) = self.thread_escalation(&reply).await? else {
            return Ok(()); // a thread that is not an alert's
        };
        let user = self.chat.chat_user(&reply.user, None).await;
        let chat_event = ChatEvent {
            platform: ChatPlatform::Slack,
            id: format!("slack-event:{}", callback.event_id),
        };
        let text = text::to_plain(&reply.text);
        let who = (&user, self.allow_unlinked);
        if reply.files.is_empty() {
            crate::actions::thread_reply(
                &self.store,
                &escalation_id,
                who,
                (text, Vec::new()),
                chat_event,
            )
            .await?;
        } else {
            let shared = (text, reply.files);
            crate::actions::thread_files(&self.store, &escalation_id, who, shared, chat_event)
                .await?;
        }
        Ok(())
    }
}
