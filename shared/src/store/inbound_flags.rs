//! Inbound mail that is not simply a customer's reply: a mail held back from its
//! conversation and noted in the escalation's chat thread instead ([`Store::flag_mail`]),
//! and the Message-ID record that makes a new escalation opened by mail happen once
//! ([`Store::inbound_seen`], [`Store::record_inbound`]). Both share `inbound_emails` with
//! replies, so the same mail delivered twice is handled once whatever it turned out to be.

use sqlx::Row;

use super::{outbox, Store, StoreError, Tx};
use crate::contracts::outbox::{MailFlag, OutboxMessage};
use crate::contracts::Subject;

/// What [`Store::flag_mail`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flagged {
    /// Noted in this escalation's thread.
    Posted { escalation_id: String },
    /// Recorded, but the conversation has no escalation whose thread could show it.
    NoEscalation,
    /// A mail with this Message-ID was handled before: nothing changed.
    Duplicate,
}

/// Records `message_id` for `conversation_id`; false if it was recorded before.
async fn record(
    store: &Store,
    tx: &mut Tx,
    message_id: &str,
    conversation_id: &str,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO inbound_emails (message_id, conversation_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(conversation_id)
    .bind(store.now_ms())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

impl Store {
    /// Notes `flag` (mail `message_id`, not added as the customer's) in the thread of
    /// `conversation_id`'s newest escalation, once per Message-ID.
    pub async fn flag_mail(
        &self,
        conversation_id: &str,
        message_id: &str,
        flag: MailFlag,
    ) -> Result<Flagged, StoreError> {
        let mut tx = self.begin_write().await?;
        if !record(self, &mut tx, message_id, conversation_id).await? {
            tx.rollback().await?;
            return Ok(Flagged::Duplicate);
        }
        let escalation = sqlx::query(
            "SELECT id FROM escalations WHERE conversation_id = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let flagged = match escalation {
            Some(row) => {
                let escalation_id: String = row.try_get("id")?;
                let subject = Subject::Escalation(escalation_id.clone());
                outbox::enqueue(self, &mut tx, &subject, &OutboxMessage::MailFlagged(flag)).await?;
                Flagged::Posted { escalation_id }
            }
            None => Flagged::NoEscalation,
        };
        tx.commit().await?;
        Ok(flagged)
    }

    /// Whether a mail with `message_id` was handled before (stored, flagged or opened an
    /// escalation).
    pub async fn inbound_seen(&self, message_id: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM inbound_emails WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(self.writer())
                .await?
                .is_some(),
        )
    }

    /// Records that the mail `message_id` opened `conversation_id`; false if recorded before.
    pub async fn record_inbound(
        &self,
        message_id: &str,
        conversation_id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let fresh = record(self, &mut tx, message_id, conversation_id).await?;
        tx.commit().await?;
        Ok(fresh)
    }
}
