//! Webhook events in the outbox, and their delivery log.
//!
//! [`enqueue_events`] runs inside [`super::outbox::enqueue`]: work about an escalation
//! that is also a webhook event (created, claimed, released, resolved, a message, a
//! rating) queues one `webhook` row per subscribed endpoint in the same transaction. The
//! bot records each attempt ([`Store::record_webhook_attempt`]); the dashboard reads the
//! log and can queue a copy of an event again ([`Store::redeliver_webhook`]).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{new_id, opt_i64, Store, StoreError, Tx};
use crate::contracts::outbox::{OutboxMessage, WebhookJob};
use crate::contracts::Subject;
use crate::escalation::EscalationStatus;
use crate::webhooks::payload::{self, build_event, CsatData, Detail, MessageData};
use crate::webhooks::EventType;

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub endpoint_id: String,
    /// The outbox row delivered (what a redelivery copies).
    pub outbox_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub attempted_at_ms: i64,
    /// The receiver's status; `None` when no response came.
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// This was the last try: the event was given up and the endpoint marked failing.
    pub gave_up: bool,
}

/// An endpoint's health as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointHealth {
    /// Since when the endpoint is failing (an event's last try failed); `None`: healthy.
    pub failing_since_ms: Option<i64>,
    pub last_error: Option<String>,
    /// Events queued for it and not yet delivered or given up.
    pub pending: i64,
}

/// The webhook event `message` stands for, if any.
fn event_of(message: &OutboxMessage) -> Option<(EventType, Detail)> {
    let event = match message {
        OutboxMessage::EscalationCreated => (EventType::EscalationCreated, Detail::None),
        OutboxMessage::EscalationUpdated { status } => {
            let event = match status {
                EscalationStatus::Claimed => EventType::EscalationClaimed,
                EscalationStatus::Resolved => EventType::EscalationResolved,
                EscalationStatus::Queued => EventType::EscalationReleased,
            };
            (event, Detail::None)
        }
        OutboxMessage::CustomerMessage(m) => (
            EventType::ConversationMessage,
            Detail::Message(MessageData {
                id: m.message_id,
                author: "customer".into(),
                author_name: None,
                body: m.body.clone(),
                at: payload::rfc3339(m.at_ms),
            }),
        ),
        OutboxMessage::AgentMessage(m) => (
            EventType::ConversationMessage,
            Detail::Message(MessageData {
                id: m.message_id,
                author: "agent".into(),
                author_name: Some(m.agent.clone()),
                body: m.body.clone(),
                at: payload::rfc3339(m.at_ms),
            }),
        ),
        OutboxMessage::Csat(c) => (
            EventType::CsatReceived,
            Detail::Csat(CsatData {
                rating: c.rating,
                comment: c.comment.clone(),
                at: payload::rfc3339(c.at_ms),
            }),
        ),
        OutboxMessage::Realert { .. }
        | OutboxMessage::Assigned(_)
        | OutboxMessage::TakenOver(_)
        | OutboxMessage::Digest(_)
        | OutboxMessage::Email(_)
        | OutboxMessage::MailFlagged(_)
        | OutboxMessage::Erased
        | OutboxMessage::ChatFiles(_)
        | OutboxMessage::FilesRefused(_)
        | OutboxMessage::Webhook(_) => return None,
    };
    Some(event)
}

/// Queues the webhook event `message` stands for, once per subscribed endpoint, in the
/// caller's transaction.
pub(crate) async fn enqueue_events(
    store: &Store,
    tx: &mut Tx,
    escalation_id: &str,
    message: &OutboxMessage,
) -> Result<(), StoreError> {
    let routing = store.webhooks();
    let Some((event_type, detail)) = event_of(message) else {
        return Ok(());
    };
    if routing.subscribers(event_type).next().is_none() {
        return Ok(());
    }
    let escalation = super::escalations::fetch(tx, escalation_id)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt(format!("event for unknown escalation {escalation_id}"))
        })?;
    let site_name = routing
        .site_names
        .get(&escalation.site_id)
        .cloned()
        .unwrap_or_else(|| escalation.site_id.to_string());
    // Receivers get what chat gets: the customer's text with `[privacy] redact` applied.
    let redactor = &routing.redactor;
    let escalation = redactor.escalation(&escalation);
    let detail = match detail {
        Detail::Message(mut message) => {
            message.body = redactor.mask_owned(&message.body);
            Detail::Message(message)
        }
        Detail::Csat(mut csat) => {
            csat.comment = csat.comment.map(|c| redactor.mask_owned(&c));
            Detail::Csat(csat)
        }
        Detail::None => Detail::None,
    };
    let event = build_event(
        new_id("evt"),
        event_type,
        &escalation,
        &site_name,
        detail,
        store.now_ms(),
    );
    let body = serde_json::to_string(&event)
        .map_err(|e| StoreError::Corrupt(format!("webhook payload: {e}")))?;
    for endpoint in routing.subscribers(event_type) {
        let subject = Subject::Webhook {
            endpoint: endpoint.id.clone(),
            escalation: escalation_id.to_string(),
        };
        let job = OutboxMessage::Webhook(WebhookJob {
            endpoint: endpoint.id.clone(),
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            body: body.clone(),
        });
        super::outbox::insert(store, tx, &subject, &job).await?;
    }
    Ok(())
}

impl Store {
    /// Records an attempt; a success clears the endpoint's failing mark, a last try sets it.
    pub async fn record_webhook_attempt(&self, attempt: &WebhookAttempt) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (id, endpoint_id, outbox_id, event_id, event_type, attempted_at, \
             status_code, error, duration_ms, gave_up) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new_id("wha"))
        .bind(&attempt.endpoint_id)
        .bind(attempt.outbox_id)
        .bind(&attempt.event_id)
        .bind(&attempt.event_type)
        .bind(attempt.attempted_at_ms)
        .bind(attempt.status_code)
        .bind(attempt.error.as_deref())
        .bind(attempt.duration_ms)
        .bind(i64::from(attempt.gave_up))
        .execute(&mut *tx)
        .await?;
        let succeeded = attempt.error.is_none();
        let upsert = if succeeded {
            Some(
                "INSERT INTO webhook_endpoints (endpoint_id, failing_since, last_error, updated_at) \
                 VALUES ($1, NULL, NULL, $2) ON CONFLICT (endpoint_id) DO UPDATE SET \
                 failing_since = NULL, last_error = NULL, updated_at = $2",
            )
        } else if attempt.gave_up {
            Some(
                "INSERT INTO webhook_endpoints (endpoint_id, failing_since, last_error, updated_at) \
                 VALUES ($1, $2, $3, $2) ON CONFLICT (endpoint_id) DO UPDATE SET \
                 failing_since = COALESCE(webhook_endpoints.failing_since, $2), last_error = $3, updated_at = $2",
            )
        } else {
            None
        };
        if let Some(upsert) = upsert {
            let mut query = sqlx::query(upsert)
                .bind(&attempt.endpoint_id)
                .bind(attempt.attempted_at_ms);
            if !succeeded {
                query = query.bind(attempt.error.as_deref());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The endpoint's newest attempts, newest first.
    pub async fn webhook_attempts(
        &self,
        endpoint_id: &str,
        limit: i64,
    ) -> Result<Vec<WebhookAttempt>, StoreError> {
        let rows = sqlx::query(
            "SELECT endpoint_id, outbox_id, event_id, event_type, attempted_at, status_code, error, \
             duration_ms, gave_up FROM webhook_attempts WHERE endpoint_id = $1 \
             ORDER BY attempted_at DESC, id DESC LIMIT $2",
        )
        .bind(endpoint_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode_attempt).collect()
    }

    /// Whether the endpoint is failing, and how many of its events wait.
    pub async fn webhook_endpoint_health(
        &self,
        endpoint_id: &str,
    ) -> Result<EndpointHealth, StoreError> {
        let row = sqlx::query(
            "SELECT failing_since, last_error FROM webhook_endpoints WHERE endpoint_id = $1",
        )
        .bind(endpoint_id)
        .fetch_optional(self.pool())
        .await?;
        let (failing_since_ms, last_error): (Option<i64>, Option<String>) = match &row {
            Some(row) => (opt_i64(row, "failing_since")?, row.try_get("last_error")?),
            None => (None, None),
        };
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM outbox WHERE escalation_id LIKE $1 \
             AND delivered_at IS NULL AND parked_at IS NULL",
        )
        .bind(format!("webhook:{endpoint_id}:%"))
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        Ok(EndpointHealth {
            failing_since_ms,
            last_error: last_error.filter(|_| failing_since_ms.is_some()),
            pending,
        })
    }

    /// Queues the event of outbox row `outbox_id` (a webhook row of `endpoint_id`) again,
    /// with the same id and body, after its subject's queued rows. Returns the new row's
    /// event id, or `None` when no such row exists.
    pub async fn redeliver_webhook(
        &self,
        endpoint_id: &str,
        outbox_id: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT escalation_id, kind, payload FROM outbox WHERE id = $1 AND kind = 'webhook' \
             AND escalation_id LIKE $2",
        )
        .bind(outbox_id)
        .bind(format!("webhook:{endpoint_id}:%"))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let subject = Subject::from_key(&row.try_get::<String, _>("escalation_id")?);
        let kind: String = row.try_get("kind")?;
        let payload: String = row.try_get("payload")?;
        let message = crate::contracts::decode::<OutboxMessage>(&kind, &payload)
            .map_err(|e| StoreError::Corrupt(format!("webhook row {outbox_id}: {e}")))?;
        let OutboxMessage::Webhook(job) = &message else {
            return Ok(None);
        };
        let event_id = job.event_id.clone();
        super::outbox::insert(self, &mut tx, &subject, &message).await?;
        tx.commit().await?;
        Ok(Some(event_id))
    }
}

fn decode_attempt(row: &AnyRow) -> Result<WebhookAttempt, StoreError> {
    Ok(WebhookAttempt {
        endpoint_id: row.try_get("endpoint_id")?,
        outbox_id: row.try_get("outbox_id")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        attempted_at_ms: row.try_get("attempted_at")?,
        status_code: opt_i64(row, "status_code")?,
        error: row.try_get("error")?,
        duration_ms: row.try_get("duration_ms")?,
        gave_up: row.try_get::<i64, _>("gave_up")? != 0,
    })
}
