//! The outbox: durable work for the bot, written in the same transaction as the change it
//! announces, delivered at least once and in order per escalation.
//!
//! A worker *leases* rows (`leased_until` in the future) so replicas never deliver one row
//! at the same time; a crashed worker's lease simply expires. Only the oldest undelivered
//! row of each escalation can be leased, which keeps per-escalation order. On PostgreSQL
//! the candidate rows are locked with `FOR UPDATE SKIP LOCKED` and every enqueue sends
//! `NOTIFY frontline_outbox`.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::time::Duration;

use super::events::notify;
use super::{json_column, Backend, Store, StoreError, Tx};

/// The PostgreSQL channel notified when work is enqueued.
pub const OUTBOX_CHANNEL: &str = "frontline_outbox";

/// What the bot must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// Post the alert for a new escalation.
    EscalationCreated,
    /// Claimed, released or resolved: refresh the posted alert.
    EscalationUpdated,
    /// A customer wrote after handoff: post it in the escalation's thread.
    CustomerMessage,
    /// An agent replied to the customer: post it, attributed, in the escalation's thread on
    /// every platform except the one it was typed in (`origin` in the payload).
    AgentMessage,
    /// Nobody claimed within the SLA: re-alert (and maybe tell managers).
    Realert,
    /// Post a daily (or on-demand) digest; the payload is a `DigestJob` and the row's
    /// escalation id is `digest:<key>`.
    Digest,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::EscalationCreated => "escalation_created",
            OutboxKind::EscalationUpdated => "escalation_updated",
            OutboxKind::CustomerMessage => "customer_message",
            OutboxKind::AgentMessage => "agent_message",
            OutboxKind::Realert => "realert",
            OutboxKind::Digest => "digest",
        }
    }

    pub fn parse(text: &str) -> Option<OutboxKind> {
        [
            OutboxKind::EscalationCreated,
            OutboxKind::EscalationUpdated,
            OutboxKind::CustomerMessage,
            OutboxKind::AgentMessage,
            OutboxKind::Realert,
            OutboxKind::Digest,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One leased unit of work.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub id: i64,
    pub escalation_id: String,
    pub kind: OutboxKind,
    pub payload: serde_json::Value,
    /// Deliveries tried so far, this one included.
    pub attempts: i64,
    pub created_at_ms: i64,
}

/// Adds work inside the caller's transaction (and notifies on PostgreSQL at commit).
pub(crate) async fn enqueue(
    store: &Store,
    tx: &mut Tx,
    escalation_id: &str,
    kind: OutboxKind,
    payload: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (escalation_id, kind, payload, created_at, available_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(escalation_id)
    .bind(kind.as_str())
    .bind(payload.to_string())
    .bind(store.now_ms())
    .execute(&mut **tx)
    .await?;
    notify(store.backend(), tx, OUTBOX_CHANNEL, escalation_id).await
}

const LEASE_SQLITE: &str = "UPDATE outbox SET leased_until = $1, leased_by = $2, attempts = attempts + 1 \
    WHERE id IN (SELECT o.id FROM outbox o WHERE o.delivered_at IS NULL AND o.available_at <= $3 \
        AND (o.leased_until IS NULL OR o.leased_until < $3) \
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.escalation_id = o.escalation_id AND p.id < o.id AND p.delivered_at IS NULL) \
        ORDER BY o.id LIMIT $4) \
    AND delivered_at IS NULL AND (leased_until IS NULL OR leased_until < $3) \
    RETURNING id, escalation_id, kind, payload, attempts, created_at";

const LEASE_POSTGRES: &str = "UPDATE outbox SET leased_until = $1, leased_by = $2, attempts = attempts + 1 \
    WHERE id IN (SELECT o.id FROM outbox o WHERE o.delivered_at IS NULL AND o.available_at <= $3 \
        AND (o.leased_until IS NULL OR o.leased_until < $3) \
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.escalation_id = o.escalation_id AND p.id < o.id AND p.delivered_at IS NULL) \
        ORDER BY o.id LIMIT $4 FOR UPDATE SKIP LOCKED) \
    AND delivered_at IS NULL AND (leased_until IS NULL OR leased_until < $3) \
    RETURNING id, escalation_id, kind, payload, attempts, created_at";

impl Store {
    /// Leases up to `max` deliverable rows for `worker` for `lease`.
    pub async fn lease_outbox(
        &self,
        worker: &str,
        max: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let now = self.now_ms();
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let sql = match self.backend() {
            Backend::Sqlite => LEASE_SQLITE,
            Backend::Postgres => LEASE_POSTGRES,
        };
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sql)
            .bind(until)
            .bind(worker)
            .bind(now)
            .bind(max)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut events = rows
            .iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(OutboxEvent {
                    id: row.try_get("id")?,
                    escalation_id: row.try_get("escalation_id")?,
                    kind: OutboxKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("outbox kind {kind:?}")))?,
                    payload: json_column(row, "payload")?,
                    attempts: row.try_get("attempts")?,
                    created_at_ms: row.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        events.sort_by_key(|e| e.id);
        Ok(events)
    }

    /// Marks a row delivered.
    pub async fn complete_outbox(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET delivered_at = $1, leased_until = NULL, last_error = NULL WHERE id = $2")
            .bind(self.now_ms())
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Gives a row back to be retried no earlier than `retry_at_ms`.
    pub async fn retry_outbox(
        &self,
        id: i64,
        retry_at_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET available_at = $1, leased_until = NULL, leased_by = NULL, last_error = $2 \
             WHERE id = $3 AND delivered_at IS NULL",
        )
        .bind(retry_at_ms)
        .bind(error)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Rows not yet delivered (for metrics and tests).
    pub async fn pending_outbox(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
