//! Chat cursors: the newest message seen in each channel (or thread) the bot reads over a
//! live connection, and the open escalations' alerts whose channels and threads it reads.
//!
//! With several bot replicas only one holds the Discord gateway session; when it dies,
//! or its session cannot be resumed, messages written meanwhile are not replayed by the
//! gateway. Whichever replica connects next reads the cursors and fetches each channel's
//! history after them. A cursor only moves forward (message ids are snowflakes, which
//! grow with time), so replicas and concurrent handlers may advance it in any order.

use sqlx::Row;

use super::chat::ChatMessageRef;
use super::{Store, StoreError};
use crate::config::ChatPlatform;
use crate::contracts::Subject;

impl Store {
    /// Records that `message_id` was seen (and handled) in `channel`, unless a newer one
    /// already was.
    pub async fn advance_chat_cursor(
        &self,
        platform: ChatPlatform,
        channel: &str,
        message_id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO chat_cursors (platform, channel, last_message_id, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (platform, channel) DO UPDATE SET last_message_id = excluded.last_message_id, \
             updated_at = excluded.updated_at WHERE chat_cursors.last_message_id < excluded.last_message_id",
        )
        .bind(platform.as_str())
        .bind(channel)
        .bind(message_id)
        .bind(self.now_ms())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The newest message id seen in `channel`, if any.
    pub async fn chat_cursor(
        &self,
        platform: ChatPlatform,
        channel: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT last_message_id FROM chat_cursors WHERE platform = $1 AND channel = $2",
        )
        .bind(platform.as_str())
        .bind(channel)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("last_message_id")).transpose()?)
    }

    /// The alerts posted on `platform` for escalations that are not resolved, oldest first.
    pub async fn open_alerts(
        &self,
        platform: ChatPlatform,
    ) -> Result<Vec<ChatMessageRef>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.escalation_id, m.channel, m.message_ref, m.thread_ref FROM chat_messages m \
             JOIN escalations e ON e.id = m.escalation_id \
             WHERE m.platform = $1 AND m.purpose = 'alert' AND e.status <> 'resolved' \
             ORDER BY m.created_at, m.escalation_id",
        )
        .bind(platform.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ChatMessageRef {
                    subject: Subject::Escalation(row.try_get("escalation_id")?),
                    platform,
                    purpose: "alert".to_string(),
                    channel: row.try_get("channel")?,
                    message_ref: row.try_get("message_ref")?,
                    thread_ref: row.try_get("thread_ref")?,
                })
            })
            .collect()
    }
}
