//! Conversation events: what a customer's widget streams (status changes, messages).
//!
//! Events are rows, so a stream can resume after a reconnect (`Last-Event-ID`) and any
//! replica can serve any conversation. On PostgreSQL each insert also sends
//! `NOTIFY frontline_events, '<conversation id>'` at commit; on SQLite readers poll
//! [`Store::events_since`], which is one indexed range read.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{json_column, Backend, Store, StoreError, Tx};

/// The PostgreSQL channel notified for every conversation event.
pub const EVENTS_CHANNEL: &str = "frontline_events";

/// What happened in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A transcript line: `{author, author_name?, body, at_ms}`.
    Message,
    /// An escalation status change: `{status, agent?, escalation_id, at_ms}`.
    Status,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::Status => "status",
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationEvent {
    pub id: i64,
    pub conversation_id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub at_ms: i64,
}

pub(crate) async fn insert(
    store: &Store,
    tx: &mut Tx,
    conversation_id: &str,
    kind: EventKind,
    payload: &serde_json::Value,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO conversation_events (conversation_id, kind, payload, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conversation_id)
    .bind(kind.as_str())
    .bind(payload.to_string())
    .bind(store.now_ms())
    .fetch_one(&mut **tx)
    .await?;
    notify(store.backend(), tx, EVENTS_CHANNEL, conversation_id).await?;
    Ok(row.try_get("id")?)
}

/// `NOTIFY` on PostgreSQL (delivered at commit); nothing on SQLite.
pub(crate) async fn notify(
    backend: Backend,
    tx: &mut Tx,
    channel: &str,
    payload: &str,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// A conversation's events with id greater than `after_id`, oldest first (at most 500).
    pub async fn conversation_events(
        &self,
        conversation_id: &str,
        after_id: i64,
    ) -> Result<Vec<ConversationEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, kind, payload, created_at FROM conversation_events \
             WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT 500",
        )
        .bind(conversation_id)
        .bind(after_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ConversationEvent {
                    id: row.try_get("id")?,
                    conversation_id: row.try_get("conversation_id")?,
                    kind: row.try_get("kind")?,
                    payload: json_column(row, "payload")?,
                    at_ms: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The newest event id overall (0 when there is none): where a poller starts.
    pub async fn latest_event_id(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM conversation_events")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("id")?)
    }

    /// Events after `after_id` across all conversations, as `(id, conversation_id)`:
    /// the poller's view on SQLite, where writes are serialized so ids commit in order.
    pub async fn events_since(&self, after_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id FROM conversation_events WHERE id > $1 ORDER BY id LIMIT 1000",
        )
        .bind(after_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("conversation_id")?)))
            .collect()
    }
}
