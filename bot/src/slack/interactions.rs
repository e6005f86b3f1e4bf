//! `POST /slack/interactions`: button clicks and "Assign to…" picks on alerts, and the
//! "Send a saved reply" message shortcut with its modal ([`super::saved_replies`]).
//!
//! Slack posts `application/x-www-form-urlencoded` with one field, `payload`, holding
//! the interaction JSON. Only `block_actions` whose `action_id` is an
//! [`AgentAction`] and whose `value` is an escalation id do anything. The store decides;
//! a winner's alert is refreshed by the outbox (`chat.update`), a refused agent gets a
//! `chat.postEphemeral` naming who holds the escalation.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use frontline_shared::chat_identity::{self, ChatUser};
use slack_morphism::prelude::*;

use super::{blocks, SlackHandlers};
use crate::actions::{self, AgentAction};
use crate::error::CallbackError;
use crate::http::AppState;

pub async fn endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CallbackError> {
    let slack = state
        .verified_slack("slack_interactions", &headers, &body)
        .await?;
    let event = parse(&body)?;
    slack.handlers.interaction(event).await?;
    Ok(StatusCode::OK.into_response())
}

/// The user picked in `action`'s select: Slack sends it in the payload's `state`
/// (<https://api.slack.com/reference/interaction-payloads/block-actions>: `state.values`
/// by block id, then action id, with `selected_user` for a `users_select`).
fn chosen_user(
    event: &SlackInteractionBlockActionsEvent,
    action: &SlackInteractionActionInfo,
) -> Option<String> {
    let values = &event.state.as_ref()?.values;
    let in_block = match &action.block_id {
        Some(block) => values.get(block),
        None => values.values().find(|v| v.contains_key(&action.action_id)),
    }?;
    in_block
        .get(&action.action_id)?
        .selected_user
        .as_ref()
        .map(ToString::to_string)
}

/// `payload=<json>` → the interaction.
fn parse(body: &[u8]) -> Result<SlackInteractionEvent, CallbackError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| CallbackError::BadRequest(format!("not a form body: {e}")))?;
    let payload = fields
        .into_iter()
        .find_map(|(name, value)| (name == "payload").then_some(value))
        .ok_or_else(|| CallbackError::BadRequest("missing `payload`".into()))?;
    serde_json::from_str(&payload)
        .map_err(|e| CallbackError::BadRequest(format!("unreadable interaction: {e}")))
}

impl SlackHandlers {
    /// "Assign to…" by `user`: the chosen Slack user's account (by their `users.info`
    /// e-mail) gets the escalation through the core. The private message for `user`,
    /// if any (a refusal: first whether `user` may assign at all, e.g. an unlinked user
    /// is told to get an account; or that the chosen user has no account).
    async fn assign(
        &self,
        user: &ChatUser,
        select: &blocks::AssignSelect,
        chosen: Option<&str>,
    ) -> Result<Option<String>, CallbackError> {
        let Some(chosen) = chosen else {
            return Ok(None);
        };
        if let Some(refusal) = actions::may_assign(&self.store, user, self.allow_unlinked).await? {
            return Ok(Some(refusal));
        }
        let assignee = self.chat.chat_user(chosen, None).await;
        let Some(account) = chat_identity::linked_account(&self.store, &assignee).await? else {
            return Ok(Some(format!(
                "{} has no Frontline agent account with their Slack e-mail address.",
                frontline_shared::templates::escape_slack(&assignee.name)
            )));
        };
        let action = select.action(account.id);
        Ok(actions::click(
            &self.store,
            &self.metrics,
            action,
            &select.escalation_id,
            user,
            self.allow_unlinked,
        )
        .await?)
    }

    /// Applies the agent actions in an interaction (HTTP or Socket Mode).
    pub async fn interaction(&self, event: SlackInteractionEvent) -> Result<(), CallbackError> {
        let event = match event {
            SlackInteractionEvent::BlockActions(event) => event,
            SlackInteractionEvent::MessageAction(event) => {
                return self.saved_reply_shortcut(event).await
            }
            SlackInteractionEvent::ViewSubmission(event) => {
                return self.saved_reply_chosen(event).await
            }
            _ => return Ok(()),
        };
        let Some(user) = &event.user else {
            return Ok(());
        };
        let user_id = user.id.to_string();
        let handle = user.username.clone().or_else(|| user.name.clone());
        let user = self.chat.chat_user(&user_id, handle.as_deref()).await;
        let channel = event
            .channel
            .as_ref()
            .map(|c| c.id.to_string())
            .or(match &event.container {
                SlackInteractionActionContainer::Message(m) => {
                    m.channel_id.as_ref().map(ToString::to_string)
                }
                _ => None,
            });
        for action in event.actions.iter().flatten() {
            if let Some(select) = blocks::AssignSelect::parse(action.action_id.as_ref()) {
                let chosen = chosen_user(&event, action);
                let message = self.assign(&user, &select, chosen.as_deref()).await?;
                if let (Some(message), Some(channel)) = (message, channel.as_deref()) {
                    let text = blocks::refusal(&message);
                    if let Err(error) = self.chat.tell_privately(channel, &user_id, text).await {
                        tracing::warn!(%error, "cannot post the ephemeral refusal");
                    }
                }
                continue;
            }
            let (Some(kind), Some(escalation_id)) = (
                AgentAction::parse(action.action_id.as_ref()),
                action.value.as_deref(),
            ) else {
                continue;
            };
            let refusal = actions::click(
                &self.store,
                &self.metrics,
                kind,
                escalation_id,
                &user,
                self.allow_unlinked,
            )
            .await?;
            if let (Some(message), Some(channel)) = (refusal, channel.as_deref()) {
                let text = blocks::refusal(&message);
                if let Err(error) = self.chat.tell_privately(channel, &user_id, text).await {
                    tracing::warn!(%error, "cannot post the ephemeral refusal");
                }
            }
        }
        Ok(())
    }
}
