//! Chat messages the bot posted for escalations, and callbacks already applied.
//!
//! Recording a posted alert's `ts` / message id is what makes delivery idempotent: a
//! retry finds the earlier post and updates it instead of posting again.

use sqlx::Row;

use super::{Store, StoreError, Tx};
use crate::config::ChatPlatform;
use crate::contracts::Subject;

/// A message the bot posted for an escalation or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessageRef {
    /// What it was posted for (stored in the `escalation_id` column).
    pub subject: Subject,
    pub platform: ChatPlatform,
    /// `alert` (the claimable message) or e.g. `managers` (the managers' heads-up).
    pub purpose: String,
    pub channel: String,
    /// Slack `ts` or Discord message id.
    pub message_ref: String,
    /// Where replies for this escalation live: Slack thread ts / Discord thread id.
    pub thread_ref: Option<String>,
}

impl Store {
    /// Records a posted message; the first record for `(subject, platform, purpose)` wins.
    pub async fn record_chat_message(&self, message: &ChatMessageRef) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO chat_messages (escalation_id, platform, purpose, channel, message_ref, thread_ref, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (escalation_id, platform, purpose) DO NOTHING",
        )
        .bind(message.subject.key())
        .bind(message.platform.as_str())
        .bind(&message.purpose)
        .bind(&message.channel)
        .bind(&message.message_ref)
        .bind(message.thread_ref.as_deref())
        .bind(self.now_ms())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records `message`, replacing an earlier record of the same purpose (a reservation
    /// that a retry made anew, such as a Slack upload slot).
    pub async fn replace_chat_message(&self, message: &ChatMessageRef) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO chat_messages (escalation_id, platform, purpose, channel, message_ref, thread_ref, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (escalation_id, platform, purpose) \
             DO UPDATE SET channel = excluded.channel, message_ref = excluded.message_ref, \
             thread_ref = excluded.thread_ref",
        )
        .bind(message.subject.key())
        .bind(message.platform.as_str())
        .bind(&message.purpose)
        .bind(&message.channel)
        .bind(&message.message_ref)
        .bind(message.thread_ref.as_deref())
        .bind(self.now_ms())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Forgets the record of `purpose` (a reservation that was used).
    pub async fn forget_chat_message(
        &self,
        subject: &Subject,
        platform: ChatPlatform,
        purpose: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM chat_messages WHERE escalation_id = $1 AND platform = $2 AND purpose = $3",
        )
        .bind(subject.key())
        .bind(platform.as_str())
        .bind(purpose)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The message posted for `subject` on `platform` for `purpose`, if recorded.
    pub async fn chat_message(
        &self,
        subject: &Subject,
        platform: ChatPlatform,
        purpose: &str,
    ) -> Result<Option<ChatMessageRef>, StoreError> {
        let row = sqlx::query(
            "SELECT escalation_id, platform, purpose, channel, message_ref, thread_ref FROM chat_messages \
             WHERE escalation_id = $1 AND platform = $2 AND purpose = $3",
        )
        .bind(subject.key())
        .bind(platform.as_str())
        .bind(purpose)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(ChatMessageRef {
                subject: subject.clone(),
                platform,
                purpose: row.try_get("purpose")?,
                channel: row.try_get("channel")?,
                message_ref: row.try_get("message_ref")?,
                thread_ref: row.try_get("thread_ref")?,
            })
        })
        .transpose()
    }

    /// Every message posted for `subject` on `platform` (alert, thread posts, re-alerts).
    pub async fn chat_messages_for(
        &self,
        subject: &Subject,
        platform: ChatPlatform,
    ) -> Result<Vec<ChatMessageRef>, StoreError> {
        let rows = sqlx::query(
            "SELECT purpose, channel, message_ref, thread_ref FROM chat_messages \
             WHERE escalation_id = $1 AND platform = $2 ORDER BY created_at, purpose",
        )
        .bind(subject.key())
        .bind(platform.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ChatMessageRef {
                    subject: subject.clone(),
                    platform,
                    purpose: row.try_get("purpose")?,
                    channel: row.try_get("channel")?,
                    message_ref: row.try_get("message_ref")?,
                    thread_ref: row.try_get("thread_ref")?,
                })
            })
            .collect()
    }

    /// The escalation whose alert thread is `thread_ref` in `channel`.
    pub async fn escalation_for_thread(
        &self,
        platform: ChatPlatform,
        channel: &str,
        thread_ref: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT escalation_id FROM chat_messages WHERE platform = $1 AND channel = $2 AND thread_ref = $3 \
             AND purpose = 'alert'",
        )
        .bind(platform.as_str())
        .bind(channel)
        .bind(thread_ref)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("escalation_id")).transpose()?)
    }

    /// The escalation whose alert's replies live at `thread_ref`, in whichever channel
    /// (a Discord thread's id is all a message in it carries).
    pub async fn escalation_for_thread_ref(
        &self,
        platform: ChatPlatform,
        thread_ref: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT escalation_id FROM chat_messages WHERE platform = $1 AND thread_ref = $2 \
             AND purpose = 'alert'",
        )
        .bind(platform.as_str())
        .bind(thread_ref)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("escalation_id")).transpose()?)
    }

    /// Whether a callback key was recorded (its effect applied) already.
    pub async fn callback_processed(&self, key: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS one FROM processed_callbacks WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    /// Remembers a callback key; false when it was already there (a retry).
    pub async fn mark_callback_processed(&self, key: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let fresh = mark_processed(&mut tx, key, self.now_ms()).await?;
        tx.commit().await?;
        Ok(fresh)
    }

    /// Forgets callback keys recorded before `before_ms` (they only need to outlive the
    /// retry and replay windows). Returns how many were removed.
    pub async fn prune_processed_callbacks(&self, before_ms: i64) -> Result<u64, StoreError> {
        let removed = sqlx::query("DELETE FROM processed_callbacks WHERE created_at < $1")
            .bind(before_ms)
            .execute(self.writer())
            .await?
            .rows_affected();
        Ok(removed)
    }
}

pub(crate) async fn mark_processed(
    tx: &mut Tx,
    key: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO processed_callbacks (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
