//! Telling an agent an admin took their escalation over (`taken_over` outbox rows): a note
//! in the alert's thread (on Discord mentioning them when their account is linked), and on
//! Slack a direct message found by their account's e-mail (`users.lookupByEmail` +
//! `conversations.open` + `chat.postMessage`). Posted once per row and platform
//! (`taken-over-{row id}`, `taken-over-dm-{row id}`), so a retried row never tells twice.

use std::sync::Arc;

use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::outbox::TakeOver;
use frontline_shared::escalation::Escalation;
use frontline_shared::store::outbox::OutboxRow;

use super::{thread_of, Effects};
use crate::chat::{Chat, Post};
use crate::error::DeliveryError;

impl Effects {
    pub(super) async fn taken_over(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        notice: &TakeOver,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let alert = self.alert_of(chat, escalation).await?;
        let mention = match (chat.platform(), notice.from_agent_id.as_deref()) {
            (ChatPlatform::Discord, Some(agent_id)) => {
                self.store
                    .linked_chat_user_id(ChatPlatform::Discord, agent_id)
                    .await?
            }
            _ => None,
        };
        let thread = alert.as_ref().map(thread_of);
        if let Some(alert) = &alert {
            let post = Post::TakenOver {
                escalation,
                notice,
                mention: mention.as_deref(),
                direct: false,
                alert: Some(alert),
            };
            let purpose = format!("taken-over-{}", row.id);
            self.post_in_thread(chat, alert, &purpose, &post, row)
                .await?;
        }
        let Some(email) = notice.from_email.as_deref() else {
            return Ok(()); // no account (an unlinked agent): the thread note is all
        };
        let Some(target) = chat.person_target(email, alert.as_ref()).await? else {
            tracing::info!(escalation = %escalation.id, platform = chat.platform().as_str(),
                "previous owner not reachable in chat; told in the thread only");
            return Ok(());
        };
        if Some(&target) == thread.as_ref() {
            return Ok(()); // Discord: the thread note mentions them
        }
        let post = Post::TakenOver {
            escalation,
            notice,
            mention: None,
            direct: true,
            alert: alert.as_ref(),
        };
        let purpose = format!("taken-over-dm-{}", row.id);
        self.post_once(
            chat,
            &purpose,
            &target,
            &post,
            row.attempts,
            row.created_at_ms,
        )
        .await?;
        Ok(())
    }
}
