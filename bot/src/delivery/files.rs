//! Files in the alert's thread, and what erasure does to the thread.
//!
//! A `customer_message` row whose transcript line came with files (or an `agent_message`
//! row whose reply did, mirrored to a platform it was not sent from) shares each file in
//! the thread after the line (purpose `file-{attachment id}`), exactly once:
//!
//! 1. recorded already: nothing to do;
//! 2. a reservation of an interrupted attempt is recorded (`file-{id}-slot`, Slack's file
//!    id from `files.getUploadURLExternal`): if the thread shows that file, the attempt
//!    shared it and only the record was lost, so it is recorded now;
//! 3. otherwise a place is reserved (Slack) and recorded *before* the bytes go out, the
//!    file is shared (Slack `files.completeUploadExternal` with `thread_ts`; Discord a
//!    reply with the file, whose nonce makes a repeat return the first message), and the
//!    share is recorded.
//!
//! A crash before the share leaves a reservation nobody shared: the retry shares the
//! file (never lost); a crash after it finds the share (never twice).
//!
//! Erasure edits the alert (and posts outside the thread, such as the managers'
//! heads-up) to "[erased at the customer's request]" and deletes every thread reply the
//! bot posted, shared files included.

use std::sync::Arc;

use frontline_shared::contracts::Subject;
use frontline_shared::escalation::Escalation;
use frontline_shared::store::attachments::AttachmentMeta;
use frontline_shared::store::chat::ChatMessageRef;

use super::Effects;
use crate::chat::{Chat, ChatFile, PostKey, Target};
use crate::error::DeliveryError;

/// The purpose prefix of a shared file's record: `file-{attachment id}`.
pub const FILE_PURPOSE: &str = "file-";
/// The suffix of a file's reservation record: `file-{attachment id}-slot`.
const SLOT_SUFFIX: &str = "-slot";

impl Effects {
    /// Shares the files sent with transcript line `message_id` in the thread `target`,
    /// each once.
    pub(super) async fn message_files(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        message_id: i64,
        target: &Target,
    ) -> Result<(), DeliveryError> {
        let files = self
            .store
            .message_attachments(&escalation.conversation_id, message_id)
            .await?;
        for meta in &files {
            self.share_file_once(chat, escalation, meta, target).await?;
        }
        Ok(())
    }

    async fn share_file_once(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
        meta: &AttachmentMeta,
        target: &Target,
    ) -> Result<(), DeliveryError> {
        let subject = Subject::Escalation(escalation.id.clone());
        let platform = chat.platform();
        let purpose = format!("{FILE_PURPOSE}{}", meta.id);
        let slot_purpose = format!("{purpose}{SLOT_SUFFIX}");
        if self
            .store
            .chat_message(&subject, platform, &purpose)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let record = |message_ref: String, purpose: &str| ChatMessageRef {
            subject: subject.clone(),
            platform,
            purpose: purpose.to_string(),
            channel: target.channel.clone(),
            message_ref,
            thread_ref: target.thread.clone(),
        };
        if let Some(slot) = self
            .store
            .chat_message(&subject, platform, &slot_purpose)
            .await?
        {
            if let Some(found) = chat.find_shared_file(target, &slot.message_ref).await? {
                tracing::info!(escalation = %escalation.id, platform = platform.as_str(),
                    attachment = %meta.id, "found the file an interrupted attempt shared; not sharing again");
                self.store
                    .record_chat_message(&record(found, &purpose))
                    .await?;
                self.store
                    .forget_chat_message(&subject, platform, &slot_purpose)
                    .await?;
                return Ok(());
            }
        }
        let Some(stored) = self.store.attachment(&meta.id).await? else {
            return Ok(()); // erased meanwhile: nothing left to share
        };
        let file = ChatFile {
            name: &stored.meta.file_name,
            content_type: &stored.meta.content_type,
            bytes: &stored.content,
        };
        let slot = chat.reserve_file(&file).await?;
        if let Some(slot) = &slot {
            self.store
                .replace_chat_message(&record(slot.file_id.clone(), &slot_purpose))
                .await?;
        }
        let key = PostKey::new(subject.clone(), purpose.clone());
        let shared = chat.post_file(target, &key, &file, slot.as_ref()).await?;
        self.store
            .record_chat_message(&record(shared, &purpose))
            .await?;
        if slot.is_some() {
            self.store
                .forget_chat_message(&subject, platform, &slot_purpose)
                .await?;
        }
        tracing::info!(escalation = %escalation.id, platform = platform.as_str(),
            attachment = %meta.id, bytes = stored.content.len(), "file shared in the thread");
        Ok(())
    }

    /// Edits the alert and other top-level posts for the escalation on `chat` to say the
    /// customer's data was erased, and deletes the thread replies (files included).
    pub(super) async fn erase(
        &self,
        chat: &Arc<dyn Chat>,
        escalation: &Escalation,
    ) -> Result<(), DeliveryError> {
        let subject = Subject::Escalation(escalation.id.clone());
        for message in self
            .store
            .chat_messages_for(&subject, chat.platform())
            .await?
        {
            if is_thread_reply(&message) {
                chat.delete(&message).await?;
            } else {
                chat.erase(&message).await?;
            }
        }
        Ok(())
    }
}

/// A post under the alert (its thread_ref is another message), as opposed to the alert
/// itself or a post of its own in a channel.
fn is_thread_reply(message: &ChatMessageRef) -> bool {
    message.purpose != super::effects::ALERT
        && message
            .thread_ref
            .as_deref()
            .is_some_and(|thread| thread != message.message_ref)
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_shared::config::ChatPlatform;

    fn posted(purpose: &str, message_ref: &str, thread_ref: Option<&str>) -> ChatMessageRef {
        ChatMessageRef {
            subject: Subject::Escalation("esc_1".into()),
            platform: ChatPlatform::Slack,
            purpose: purpose.into(),
            channel: "C1".into(),
            message_ref: message_ref.into(),
            thread_ref: thread_ref.map(str::to_string),
        }
    }

    #[test]
    fn replies_under_the_alert_are_deleted_and_top_level_posts_edited() {
        assert!(!is_thread_reply(&posted("alert", "1.1", Some("1.1"))));
        assert!(!is_thread_reply(&posted("managers-3", "2.2", Some("2.2"))));
        assert!(is_thread_reply(&posted("customer-7", "3.3", Some("1.1"))));
        assert!(is_thread_reply(&posted("file-att_1", "F1", Some("1.1"))));
        assert!(is_thread_reply(&posted(
            "file-att_1-slot",
            "F2",
            Some("1.1")
        )));
    }
}
