//! Conversation events: what a customer's widget streams (status changes, messages).
//!
//! Events are rows, so a stream can resume after a reconnect (`Last-Event-ID`) and any
//! replica can serve any conversation. On PostgreSQL each insert also sends
//! `NOTIFY frontline_events, '<conversation id>'` at commit; on SQLite readers poll
//! [`Store::events_since`], which is one indexed range read.
//!
//! Rows are [`ConversationEvent`]s (see [`crate::contracts`]). One this release cannot read
//! is logged and parked (`parked_at`, `parked_reason`): kept, and left out of streams.

use sqlx::Row;

use super::{Backend, Store, StoreError, Tx};
use crate::contracts;
use crate::contracts::conversation_event::ConversationEvent;

/// The PostgreSQL channel notified for every conversation event.
pub const EVENTS_CHANNEL: &str = "frontline_events";

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub conversation_id: String,
    pub event: ConversationEvent,
    pub at_ms: i64,
}

pub(crate) async fn insert(
    store: &Store,
    tx: &mut Tx,
    conversation_id: &str,
    event: &ConversationEvent,
) -> Result<i64, StoreError> {
    let (kind, payload) =
        contracts::encode(event).map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?;
    let row = sqlx::query(
        "INSERT INTO conversation_events (conversation_id, kind, payload, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conversation_id)
    .bind(kind)
    .bind(payload)
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
    /// Events this release cannot read are parked (and logged) instead of returned.
    pub async fn conversation_events(
        &self,
        conversation_id: &str,
        after_id: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, conversation_id, kind, payload, created_at FROM conversation_events \
             WHERE conversation_id = $1 AND id > $2 AND parked_at IS NULL ORDER BY id LIMIT 500",
        )
        .bind(conversation_id)
        .bind(after_id)
        .fetch_all(self.pool())
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let kind: String = row.try_get("kind")?;
            let payload: String = row.try_get("payload")?;
            match contracts::decode::<ConversationEvent>(&kind, &payload) {
                Ok(event) => events.push(StoredEvent {
                    id,
                    conversation_id: row.try_get("conversation_id")?,
                    event,
                    at_ms: row.try_get("created_at")?,
                }),
                Err(unreadable) => self.park_event(id, &unreadable.to_string()).await?,
            }
        }
        Ok(events)
    }

    async fn park_event(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        tracing::warn!(
            event = id,
            reason,
            "conversation event this release cannot read; parked"
        );
        sqlx::query(
            "UPDATE conversation_events SET parked_at = $1, parked_reason = $2 WHERE id = $3",
        )
        .bind(self.now_ms())
        .bind(reason)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Parked events, as `(id, kind, reason)`, oldest first.
    pub async fn parked_events(&self) -> Result<Vec<(i64, String, String)>, StoreError> {
        self.parked_rows("conversation_events WHERE parked_at IS NOT NULL ORDER BY id")
            .await
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
