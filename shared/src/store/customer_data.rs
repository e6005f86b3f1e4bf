//! A customer's data by e-mail (GDPR): everything to export, and erasure that keeps the
//! figures.
//!
//! A customer's conversations are those with an escalation or a mail thread under their
//! e-mail (compared without case). Erasing a conversation keeps every row the figures
//! count (questions with their decisions, escalations with their times, ratings'
//! scores, feedback) and removes what identifies or was written by the customer:
//! message texts (question texts used for knowledge gaps included), customer fields,
//! page URL, the escalation's e-mail, name, message and context (the matched candidates
//! and locale stay), rating comments, the live stream's events, mail threads, attachments
//! (their content and names; objects in a bucket are deleted once the rows are gone).
//! Queued outbox rows of its escalations are dropped, and one
//! `erased` row per escalation asks the bot to edit what it posted. `conversations.erased_at` marks it done, so erasing
//! again (or retention meeting it) changes nothing.

use serde::Serialize;
use sqlx::Row;

use super::attachments::AttachmentMeta;
use super::audit::{self, AuditRecord};
use super::outbox::enqueue;
use super::{Store, StoreError, Tx};
use crate::contracts::outbox::OutboxMessage;
use crate::contracts::Subject;
use crate::escalation::{Escalation, HandoffContext, TranscriptLine};
use crate::site_id::SiteId;

/// Everything stored about one customer, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerExport {
    pub email: String,
    pub conversations: Vec<ConversationExport>,
}

/// One conversation of the customer, with all it holds.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationExport {
    pub id: String,
    pub site_id: SiteId,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    /// Customer fields the storefront sent (`customer: {…}`).
    pub customer: serde_json::Value,
    pub created_at_ms: i64,
    pub transcript: Vec<TranscriptLine>,
    pub escalations: Vec<Escalation>,
    pub ratings: Vec<RatingExport>,
    /// The files the customer sent (names, types, sizes, times; not their content).
    pub attachments: Vec<AttachmentMeta>,
    /// When it was erased (then only figures remain).
    pub erased_at_ms: Option<i64>,
}

/// A satisfaction rating.
#[derive(Debug, Clone, Serialize)]
pub struct RatingExport {
    pub escalation_id: String,
    pub rating: i64,
    pub comment: Option<String>,
    pub created_at_ms: i64,
}

/// What an erasure changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// Conversations erased now (already erased ones are not counted).
    pub conversations: u64,
    pub escalations: u64,
}

impl Store {
    /// The ids of conversations with an escalation or mail thread under `email`.
    pub async fn customer_conversations(&self, email: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT conversation_id FROM escalations WHERE LOWER(email) = LOWER($1) \
             UNION SELECT conversation_id FROM email_threads WHERE LOWER(email) = LOWER($1) \
             ORDER BY conversation_id",
        )
        .bind(email.trim())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("conversation_id")?))
            .collect()
    }

    /// Everything stored about the customer with `email`.
    pub async fn export_customer(&self, email: &str) -> Result<CustomerExport, StoreError> {
        let mut conversations = Vec::new();
        for id in self.customer_conversations(email).await? {
            if let Some(conversation) = self.export_conversation(&id).await? {
                conversations.push(conversation);
            }
        }
        Ok(CustomerExport {
            email: email.trim().to_string(),
            conversations,
        })
    }

    async fn export_conversation(
        &self,
        id: &str,
    ) -> Result<Option<ConversationExport>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT id, site_id, page_url, locale, customer, created_at, erased_at \
             FROM conversations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let customer: String = row.try_get("customer")?;
        let escalation_ids: Vec<String> = sqlx::query(
            "SELECT id FROM escalations WHERE conversation_id = $1 ORDER BY created_at",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
        let mut escalations = Vec::new();
        for escalation_id in &escalation_ids {
            escalations.extend(self.escalation(escalation_id).await?);
        }
        let ratings = sqlx::query(
            "SELECT escalation_id, rating, comment, created_at FROM csat_ratings \
             WHERE conversation_id = $1 ORDER BY created_at",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(RatingExport {
                escalation_id: r.try_get("escalation_id")?,
                rating: r.try_get("rating")?,
                comment: r.try_get("comment")?,
                created_at_ms: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(Some(ConversationExport {
            id: row.try_get("id")?,
            site_id: row.try_get("site_id")?,
            page_url: row.try_get("page_url")?,
            locale: row.try_get("locale")?,
            customer: serde_json::from_str(&customer).unwrap_or(serde_json::Value::Null),
            created_at_ms: row.try_get("created_at")?,
            transcript: self.transcript(id).await?,
            escalations,
            ratings,
            attachments: self.conversation_attachments(id).await?,
            erased_at_ms: super::opt_i64(&row, "erased_at")?,
        }))
    }

    /// Erases every conversation of the customer with `email` (see the module docs) in one
    /// transaction, with `audit`'s row on `object_id` (not the address: the audit log is
    /// never rewritten, so it must not hold it). Erasing again changes nothing but is
    /// recorded again.
    pub async fn erase_customer(
        &self,
        email: &str,
        audit: AuditRecord<'_>,
        object_id: &str,
    ) -> Result<Erasure, StoreError> {
        let conversations = self.customer_conversations(email).await?;
        let mut tx = self.begin_write().await?;
        let mut total = Erasure::default();
        let mut objects = Vec::new();
        for id in &conversations {
            let (done, files) = self.erase_conversation_in(&mut tx, id).await?;
            total.conversations += done.conversations;
            total.escalations += done.escalations;
            objects.extend(files);
        }
        audit::append_in(self, &mut tx, audit, Some(object_id)).await?;
        tx.commit().await?;
        self.delete_objects(objects).await;
        Ok(total)
    }

    /// Erases one conversation in one transaction; nothing happens if it already was.
    pub async fn erase_conversation(&self, id: &str) -> Result<Erasure, StoreError> {
        let mut tx = self.begin_write().await?;
        let (erased, objects) = self.erase_conversation_in(&mut tx, id).await?;
        tx.commit().await?;
        self.delete_objects(objects).await;
        Ok(erased)
    }

    /// Erases one conversation in the caller's transaction; nothing changes if it already
    /// was. Also returns the bucket keys of its files, to delete once the transaction has
    /// committed.
    async fn erase_conversation_in(
        &self,
        tx: &mut Tx,
        id: &str,
    ) -> Result<(Erasure, Vec<String>), StoreError> {
        let now = self.now_ms();
        let marked = sqlx::query(
            "UPDATE conversations SET erased_at = $2, customer = '{}', page_url = NULL \
             WHERE id = $1 AND erased_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let exists = sqlx::query("SELECT 1 AS one FROM conversations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        if marked == 0 && exists {
            return Ok((Erasure::default(), Vec::new()));
        }
        sqlx::query(
            "UPDATE messages SET body = '', \
             author_name = CASE WHEN author = 'customer' THEN NULL ELSE author_name END \
             WHERE conversation_id = $1",
        )
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let escalations =
            sqlx::query("SELECT id, context FROM escalations WHERE conversation_id = $1")
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
        for row in &escalations {
            let escalation_id: String = row.try_get("id")?;
            let context: String = row.try_get("context")?;
            let kept = serde_json::from_str::<HandoffContext>(&context)
                .map(|c| HandoffContext {
                    matched: c.matched,
                    locale: c.locale,
                    ..HandoffContext::default()
                })
                .unwrap_or_default();
            let kept = serde_json::to_string(&kept)
                .map_err(|e| StoreError::Corrupt(format!("erased context: {e}")))?;
            sqlx::query(
                "UPDATE escalations SET email = '', name = NULL, message = NULL, context = $2 WHERE id = $1",
            )
            .bind(&escalation_id)
            .bind(kept)
            .execute(&mut **tx)
            .await?;
            let mail = Subject::Mail(escalation_id.clone()).key();
            sqlx::query(
                "DELETE FROM outbox WHERE escalation_id IN ($1, $2) AND delivered_at IS NULL",
            )
            .bind(&escalation_id)
            .bind(mail)
            .execute(&mut **tx)
            .await?;
            // Webhook events not yet sent carry the customer's data too.
            let webhooks = Subject::Webhook {
                endpoint: "%".into(),
                escalation: escalation_id.clone(),
            }
            .key();
            sqlx::query("DELETE FROM outbox WHERE escalation_id LIKE $1 AND delivered_at IS NULL")
                .bind(webhooks)
                .execute(&mut **tx)
                .await?;
            enqueue(
                self,
                tx,
                &Subject::Escalation(escalation_id),
                &OutboxMessage::Erased,
            )
            .await?;
        }
        let objects: Vec<String> = sqlx::query(
            "SELECT object_key FROM attachments WHERE conversation_id = $1 \
             AND object_key IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| row.try_get("object_key"))
        .collect::<Result<_, _>>()?;
        for sql in [
            "UPDATE csat_ratings SET comment = NULL WHERE conversation_id = $1",
            "UPDATE emails SET error = NULL WHERE conversation_id = $1",
            "DELETE FROM conversation_events WHERE conversation_id = $1",
            "DELETE FROM email_threads WHERE conversation_id = $1",
            "DELETE FROM inbound_emails WHERE conversation_id = $1",
            "DELETE FROM attachments WHERE conversation_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut **tx).await?;
        }
        let erased = Erasure {
            conversations: u64::from(exists),
            escalations: escalations.len() as u64,
        };
        Ok((erased, objects))
    }

    /// Records `slot` (e.g. `retention:<hour>`) as taken; `true` only for the one caller,
    /// on any replica, that recorded it first.
    pub async fn take_job_slot(&self, slot: &str) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(slot)
        .bind(self.now_ms().to_string())
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Conversations created before `before_ms` and not yet erased, oldest first.
    pub async fn conversations_to_purge(
        &self,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM conversations WHERE created_at < $1 AND erased_at IS NULL \
             ORDER BY created_at LIMIT $2",
        )
        .bind(before_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }
}
