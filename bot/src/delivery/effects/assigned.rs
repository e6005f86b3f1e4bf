//! Telling an agent they were given an escalation (`assigned` outbox rows): a Slack DM
//! (`users.lookupByEmail` + `conversations.open` + `chat.postMessage`), a mention in the
//! alert's Discord thread. Posted once per row and platform (`assigned-{row id}`), so a
//! retried row never tells twice.

use std::sync::Arc;

use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::outbox::Assignment;
use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::store::outbox::OutboxRow;

use super::Effects;
use crate::chat::{Chat, Post};
use crate::error::DeliveryError;

impl Effects {
    pub(super) async fn assigned(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        assignment: &Assignment,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let still_theirs = escalation.status == EscalationStatus::Claimed
            && escalation.claimed_by_agent_id.as_deref() == Some(assignment.agent_id.as_str());
        if !still_theirs {
            return Ok(()); // reassigned, released or resolved since: nothing to tell
        }
        let alert = self.alert_of(chat, escalation).await?;
        let mention = match chat.platform() {
            ChatPlatform::Discord => {
                self.store
                    .linked_chat_user_id(ChatPlatform::Discord, &assignment.agent_id)
                    .await?
            }
            ChatPlatform::Slack => None,
        };
        let Some(target) = chat
            .person_target(&assignment.email, alert.as_ref())
            .await?
        else {
            tracing::info!(escalation = %escalation.id, agent = %assignment.agent_id,
                platform = chat.platform().as_str(), "assignee not reachable in chat; not told");
            return Ok(());
        };
        let post = Post::Assigned {
            escalation,
            assignment,
            mention: mention.as_deref(),
            alert: alert.as_ref(),
        };
        let purpose = format!("assigned-{}", row.id);
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
