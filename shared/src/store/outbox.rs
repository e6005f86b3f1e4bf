//! The outbox: durable work for the bot, written in the same transaction as the change it
//! announces, delivered at least once and in order per subject.
//!
//! A worker *leases* rows (`leased_until` in the future) so replicas never deliver one row
//! at the same time; a crashed worker's lease simply expires. Only the oldest undelivered
//! row of each subject (escalation or digest) can be leased, which keeps per-escalation
//! order. On PostgreSQL the candidate rows are locked with `FOR UPDATE SKIP LOCKED` and
//! every enqueue sends `NOTIFY frontline_outbox`.
//!
//! Rows are [`OutboxMessage`]s (see [`crate::contracts`]). A leased row this release cannot
//! read (an unknown kind or version, a malformed payload) is logged and *parked* in the same
//! transaction: kept with `parked_at` and the reason, never leased again until
//! [`Store::unpark_outbox`] (a newer release starting) gives it another try, and no longer
//! holding back its subject's later rows.

use sqlx::any::AnyRow;
use sqlx::Row;
use std::time::Duration;

use super::events::notify;
use super::{Backend, Store, StoreError, Tx};
use crate::contracts::outbox::OutboxMessage;
use crate::contracts::{self, Subject};

/// The PostgreSQL channel notified when work is enqueued.
pub const OUTBOX_CHANNEL: &str = "frontline_outbox";

/// One leased unit of work.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    /// What the work is about: an escalation, or a digest.
    pub subject: Subject,
    pub message: OutboxMessage,
    /// Deliveries tried so far, this one included.
    pub attempts: i64,
    pub created_at_ms: i64,
}

/// Adds work inside the caller's transaction (and notifies on PostgreSQL at commit). Work
/// about an escalation that webhook endpoints subscribe to also queues their events, in
/// the same transaction (see [`super::webhooks`]).
pub(crate) async fn enqueue(
    store: &Store,
    tx: &mut Tx,
    subject: &Subject,
    message: &OutboxMessage,
) -> Result<(), StoreError> {
    insert(store, tx, subject, message).await?;
    if let Subject::Escalation(escalation) = subject {
        super::webhooks::enqueue_events(store, tx, escalation, message).await?;
    }
    Ok(())
}

/// Adds one row, nothing else.
pub(crate) async fn insert(
    store: &Store,
    tx: &mut Tx,
    subject: &Subject,
    message: &OutboxMessage,
) -> Result<(), StoreError> {
    let (kind, payload) = contracts::encode(message)
        .map_err(|e| StoreError::Corrupt(format!("outbox payload: {e}")))?;
    let key = subject.key();
    sqlx::query(
        "INSERT INTO outbox (escalation_id, kind, payload, created_at, available_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&key)
    .bind(kind)
    .bind(payload)
    .bind(store.now_ms())
    .execute(&mut **tx)
    .await?;
    notify(store.backend(), tx, OUTBOX_CHANNEL, &key).await
}

const LEASE_SQLITE: &str = "UPDATE outbox SET leased_until = $1, leased_by = $2, attempts = attempts + 1 \
    WHERE id IN (SELECT o.id FROM outbox o WHERE o.delivered_at IS NULL AND o.parked_at IS NULL AND o.available_at <= $3 \
        AND (o.leased_until IS NULL OR o.leased_until < $3) \
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.escalation_id = o.escalation_id AND p.id < o.id \
            AND p.delivered_at IS NULL AND p.parked_at IS NULL) \
        ORDER BY o.id LIMIT $4) \
    AND delivered_at IS NULL AND (leased_until IS NULL OR leased_until < $3) \
    RETURNING id, escalation_id, kind, payload, attempts, created_at";

const LEASE_POSTGRES: &str = "UPDATE outbox SET leased_until = $1, leased_by = $2, attempts = attempts + 1 \
    WHERE id IN (SELECT o.id FROM outbox o WHERE o.delivered_at IS NULL AND o.parked_at IS NULL AND o.available_at <= $3 \
        AND (o.leased_until IS NULL OR o.leased_until < $3) \
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.escalation_id = o.escalation_id AND p.id < o.id \
            AND p.delivered_at IS NULL AND p.parked_at IS NULL) \
        ORDER BY o.id LIMIT $4 FOR UPDATE SKIP LOCKED) \
    AND delivered_at IS NULL AND (leased_until IS NULL OR leased_until < $3) \
    RETURNING id, escalation_id, kind, payload, attempts, created_at";

impl Store {
    /// Queues files shared in the thread of `escalation_id`'s alert for the bot's worker
    /// (fetched, checked and relayed there, with retries).
    pub async fn enqueue_chat_files(
        &self,
        escalation_id: &str,
        files: &crate::contracts::outbox::ChatFiles,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let subject = Subject::Escalation(escalation_id.to_string());
        enqueue(
            self,
            &mut tx,
            &subject,
            &OutboxMessage::ChatFiles(files.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues the thread note naming files of callback `refused.event` that were not
    /// relayed, once per callback (a retried row does not post it twice); false when it
    /// was queued already.
    pub async fn enqueue_files_refused(
        &self,
        escalation_id: &str,
        refused: &crate::contracts::outbox::FilesRefused,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = format!("files-refused:{}", refused.event);
        if !super::chat::mark_processed(&mut tx, &key, self.now_ms()).await? {
            return Ok(false);
        }
        let subject = Subject::Escalation(escalation_id.to_string());
        let message = OutboxMessage::FilesRefused(refused.clone());
        enqueue(self, &mut tx, &subject, &message).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Leases up to `max` deliverable rows for `worker` for `lease`. Rows this release
    /// cannot read are parked (and logged) instead of returned.
    pub async fn lease_outbox(
        &self,
        worker: &str,
        max: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxRow>, StoreError> {
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
        let mut leased = Vec::with_capacity(rows.len());
        for row in &rows {
            match decode(row)? {
                Ok(outbox_row) => leased.push(outbox_row),
                Err((id, reason)) => park(&mut tx, id, &reason, now).await?,
            }
        }
        tx.commit().await?;
        leased.sort_by_key(|e| e.id);
        Ok(leased)
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

    /// Rows waiting for delivery, parked ones not counted (for metrics and tests).
    pub async fn pending_outbox(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL AND parked_at IS NULL",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Parked rows, as `(id, kind, reason)`, oldest first.
    pub async fn parked_outbox(&self) -> Result<Vec<(i64, String, String)>, StoreError> {
        self.parked_rows("outbox WHERE parked_at IS NOT NULL AND delivered_at IS NULL ORDER BY id")
            .await
    }

    /// `(id, kind, reason)` of the parked rows `table_and_filter` selects
    /// (`FROM {table_and_filter}`), for the outbox and the conversation events alike.
    pub(super) async fn parked_rows(
        &self,
        table_and_filter: &'static str,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        // Safe: `table_and_filter` is a constant of this module's callers, never input.
        let sql = format!("SELECT id, kind, parked_reason FROM {table_and_filter}");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let reason: Option<String> = row.try_get("parked_reason")?;
                Ok((
                    row.try_get("id")?,
                    row.try_get("kind")?,
                    reason.unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Gives every parked row another try (a release that may read them has started).
    /// Returns how many.
    pub async fn unpark_outbox(&self) -> Result<u64, StoreError> {
        let unparked = sqlx::query(
            "UPDATE outbox SET parked_at = NULL, parked_reason = NULL \
             WHERE parked_at IS NOT NULL AND delivered_at IS NULL",
        )
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(unparked)
    }
}

/// A leased row as an [`OutboxRow`], or its id and why this release cannot read it.
fn decode(row: &AnyRow) -> Result<Result<OutboxRow, (i64, String)>, StoreError> {
    let id: i64 = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let payload: String = row.try_get("payload")?;
    let subject = Subject::from_key(&row.try_get::<String, _>("escalation_id")?);
    let message = match contracts::decode::<OutboxMessage>(&kind, &payload) {
        Ok(message) => message,
        Err(unreadable) => return Ok(Err((id, unreadable.to_string()))),
    };
    let fits = match (&message, &subject) {
        (OutboxMessage::Digest(_), Subject::Digest(_)) => true,
        (OutboxMessage::Email(_), Subject::Mail(_)) => true,
        (OutboxMessage::Webhook(_), Subject::Webhook { .. }) => true,
        (OutboxMessage::Digest(_) | OutboxMessage::Email(_) | OutboxMessage::Webhook(_), _) => {
            false
        }
        (_, subject) => matches!(subject, Subject::Escalation(_)),
    };
    if !fits {
        return Ok(Err((id, format!("`{kind}` row about {subject}"))));
    }
    Ok(Ok(OutboxRow {
        id,
        subject,
        message,
        attempts: row.try_get("attempts")?,
        created_at_ms: row.try_get("created_at")?,
    }))
}

async fn park(tx: &mut Tx, id: i64, reason: &str, now_ms: i64) -> Result<(), StoreError> {
    tracing::warn!(
        outbox = id,
        reason,
        "outbox row this release cannot read; parked"
    );
    sqlx::query(
        "UPDATE outbox SET parked_at = $1, parked_reason = $2, leased_until = NULL, leased_by = NULL WHERE id = $3",
    )
    .bind(now_ms)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
