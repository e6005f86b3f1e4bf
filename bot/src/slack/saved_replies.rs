//! Saved replies from Slack: the message shortcut `send_saved_reply` on an alert (or any
//! message in its thread) opens a modal with a select of the saved replies usable on the
//! escalation's site; submitting it sends the chosen one through
//! `frontline_shared::saved_replies::send`, the door the dashboard and the API use.
//!
//! Why a shortcut and not `/frontline reply NAME`: a slash command's payload carries the
//! channel but no `thread_ts` (<https://api.slack.com/interactivity/slash-commands#app_command_handling>),
//! so it cannot tell which alert's thread it was typed in. A message shortcut's payload
//! carries the message (`message.ts`, `message.thread_ts`) and a `trigger_id` for
//! `views.open` (<https://api.slack.com/reference/interaction-payloads/shortcuts#message_actions>);
//! the modal's `view_submission` carries the chosen option and our `private_metadata`
//! (<https://api.slack.com/reference/interaction-payloads/views#view_submission>).

use frontline_shared::agent_action::{ChatEvent, Outcome};
use frontline_shared::config::ChatPlatform;
use frontline_shared::saved_replies::{send, SavedReplyError};
use serde_json::json;
use slack_morphism::prelude::*;

use super::SlackHandlers;
use crate::error::CallbackError;

/// The shortcut's `callback_id` (configured in the Slack app's manifest).
pub const SHORTCUT: &str = "send_saved_reply";
/// The modal's `callback_id`, and its select's block and action id.
pub const MODAL: &str = "saved_reply";
/// Slack's limit of options in one static select.
const MAX_OPTIONS: usize = 100;

impl SlackHandlers {
    /// The shortcut: the modal with the escalation's saved replies, or a private note.
    pub async fn saved_reply_shortcut(
        &self,
        event: SlackInteractionMessageActionEvent,
    ) -> Result<(), CallbackError> {
        if event.callback_id.as_ref() != SHORTCUT {
            return Ok(());
        }
        let user = event.user.id.to_string();
        let Some(channel) = event.channel.as_ref().map(|c| c.id.to_string()) else {
            return Ok(());
        };
        let thread = event.message.as_ref().map(|m| {
            m.origin
                .thread_ts
                .as_ref()
                .unwrap_or(&m.origin.ts)
                .to_string()
        });
        let escalation = match &thread {
            Some(ts) => {
                self.store
                    .escalation_for_thread(ChatPlatform::Slack, &channel, ts)
                    .await?
            }
            None => None,
        };
        let escalation = match escalation {
            Some(id) => self.store.escalation(&id).await?,
            None => None,
        };
        let Some(escalation) = escalation else {
            return self
                .note(
                    &channel,
                    &user,
                    "Use this shortcut on an escalation's alert or in its thread.",
                )
                .await;
        };
        let replies = self.store.saved_replies(Some(&escalation.site_id)).await?;
        if replies.is_empty() {
            return self
                .note(
                    &channel,
                    &user,
                    "There are no saved replies for this site yet.",
                )
                .await;
        }
        let options: Vec<_> = replies
            .iter()
            .take(MAX_OPTIONS)
            .map(|r| json!({"text": {"type": "plain_text", "text": r.name}, "value": r.id}))
            .collect();
        let view: SlackView = serde_json::from_value(json!({
            "type": "modal",
            "callback_id": MODAL,
            "private_metadata": escalation.id,
            "title": {"type": "plain_text", "text": "Send a saved reply"},
            "submit": {"type": "plain_text", "text": "Send"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{
                "type": "input", "block_id": MODAL,
                "label": {"type": "plain_text", "text": format!("To {}", escalation.customer_label())},
                "element": {"type": "static_select", "action_id": MODAL, "options": options}
            }]
        }))
        .map_err(|e| CallbackError::BadRequest(format!("saved reply modal: {e}")))?;
        if let Err(error) = self
            .chat
            .web
            .open_view(event.trigger_id.as_ref(), view)
            .await
        {
            tracing::warn!(%error, "cannot open the saved reply modal");
        }
        Ok(())
    }

    /// The modal submitted: sends the chosen saved reply as the Slack user.
    pub async fn saved_reply_chosen(
        &self,
        event: SlackInteractionViewSubmissionEvent,
    ) -> Result<(), CallbackError> {
        let SlackView::Modal(modal) = &event.view.view else {
            return Ok(());
        };
        if modal.callback_id.as_ref().map(|c| c.as_ref()) != Some(MODAL) {
            return Ok(());
        }
        let Some(escalation_id) = modal.private_metadata.as_deref() else {
            return Ok(());
        };
        let chosen = event
            .view
            .state_params
            .state
            .as_ref()
            .and_then(|s| s.values.get(&SlackBlockId::from(MODAL)))
            .and_then(|block| block.get(&SlackActionId::from(MODAL)))
            .and_then(|value| value.selected_option.as_ref())
            .map(|option| option.value.clone())
            .ok_or_else(|| CallbackError::BadRequest("no saved reply chosen".into()))?;
        let user = event.user.id.to_string();
        let handle = event
            .user
            .username
            .clone()
            .or_else(|| event.user.name.clone());
        let chat_user = self.chat.chat_user(&user, handle.as_deref()).await;
        let actor = match frontline_shared::chat_identity::actor(
            &self.store,
            &chat_user,
            self.allow_unlinked,
        )
        .await?
        {
            Ok(actor) => actor,
            Err(not_linked) => {
                tracing::info!(escalation = %escalation_id, user = %user, %not_linked, "saved reply by an unlinked Slack user not sent");
                return Ok(());
            }
        };
        let chat_event = ChatEvent {
            platform: ChatPlatform::Slack,
            id: format!("slack-view:{}", event.view.state_params.id),
        };
        match send::send(
            &self.store,
            &chosen,
            escalation_id,
            &actor,
            Some(chat_event),
        )
        .await
        {
            Ok((Outcome::Applied(_) | Outcome::AlreadyApplied(_), _)) => {}
            Ok((Outcome::Refused(refusal), _)) => {
                tracing::info!(escalation = %escalation_id, %refusal, "saved reply from Slack refused");
            }
            Err(SavedReplyError::Store(error)) => return Err(error.into()),
            Err(error) => {
                tracing::info!(escalation = %escalation_id, %error, "saved reply from Slack not sent");
            }
        }
        Ok(())
    }

    async fn note(&self, channel: &str, user: &str, text: &str) -> Result<(), CallbackError> {
        if let Err(error) = self
            .chat
            .tell_privately(channel, user, text.to_string())
            .await
        {
            tracing::warn!(%error, "cannot post the ephemeral note");
        }
        Ok(())
    }
}
