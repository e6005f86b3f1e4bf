//! Mail threads and sent mails.
//!
//! A conversation handed off while `[email]` is configured gets a *mail thread*: the
//! customer's address and a random nonce from which its mails' signed tokens are made
//! ([`crate::mail_token`]), so no internal id appears in a mail. Later transitions
//! (resolved, agent replies) enqueue a mail only for conversations that have one.
//!
//! A mail is recorded by its Message-ID *before* it is handed to the SMTP server
//! ([`Store::begin_email`]) and marked when the server answered. A retry that finds the
//! record still `sending` cannot know whether the server took the mail (the process died
//! in between): it does not send again. An answer from the server that refuses the mail
//! is recorded as `failed` (retried) or `bounced` (permanent, not retried).

use sqlx::Row;

use super::conversations::{append_customer_message_in, Conversation};
use super::outbox;
use super::{Store, StoreError, Tx};
use crate::contracts::outbox::{EmailJob, MailKind, OutboxMessage};
use crate::contracts::Subject;

/// A conversation's mail thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailThread {
    pub conversation_id: String,
    /// The thread's nonce (20 hex digits), which its mails carry signed
    /// ([`crate::mail_token`]); or, for a thread opened by an earlier release, the random
    /// 32-hex-digit token its mails carry as it is.
    pub reply_token: String,
    /// The customer's address.
    pub email: String,
    /// When a live stream last read the conversation, if ever.
    pub watched_at_ms: Option<i64>,
    /// The customer chose "email me" at the handoff: agent replies go by mail at once.
    pub email_me: bool,
}

/// What a mail's record says before sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailRecord {
    /// Recorded now as `sending` (new, or after a refusal): send it.
    Send,
    /// Already sent: nothing to do.
    Done,
    /// Refused for good earlier, with the server's answer (its notice may still be due:
    /// the row is retried when the chat post failed).
    Bounced(String),
    /// An earlier attempt handed it over and never recorded the answer: not sent again.
    Unknown,
}

/// A mail as recorded, for the conversation's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMail {
    pub message_id: String,
    pub kind: String,
    /// `sending`, `sent`, `failed` or `bounced`.
    pub status: String,
    pub error: Option<String>,
    pub created_at_ms: i64,
}

/// Opens the conversation's mail thread (if it has none) in the caller's transaction.
pub(crate) async fn open_thread(
    store: &Store,
    tx: &mut Tx,
    conversation_id: &str,
    email: &str,
    email_me: bool,
) -> Result<(), StoreError> {
    let token = crate::mail_token::new_nonce();
    sqlx::query(
        "INSERT INTO email_threads (conversation_id, reply_token, email, created_at, email_me) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id) DO NOTHING",
    )
    .bind(conversation_id)
    .bind(token)
    .bind(email)
    .bind(store.now_ms())
    .bind(i64::from(email_me))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Enqueues `mail` about `escalation_id` when its conversation has a mail thread.
/// Returns whether it did.
pub(crate) async fn enqueue_mail(
    store: &Store,
    tx: &mut Tx,
    conversation_id: &str,
    escalation_id: &str,
    mail: MailKind,
    reply_message_id: Option<i64>,
) -> Result<bool, StoreError> {
    let thread = sqlx::query("SELECT 1 AS one FROM email_threads WHERE conversation_id = $1")
        .bind(conversation_id)
        .fetch_optional(&mut **tx)
        .await?;
    if thread.is_none() {
        return Ok(false);
    }
    let job = OutboxMessage::Email(EmailJob::new(mail, reply_message_id));
    let subject = Subject::Mail(escalation_id.to_string());
    outbox::enqueue(store, tx, &subject, &job).await?;
    Ok(true)
}

/// What storing a customer's mail reply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailReplyStored {
    /// Stored as a customer message; the open (or reopened) escalation, if any.
    Stored { escalation_id: Option<String> },
    /// A mail with this Message-ID was stored before: nothing changed.
    Duplicate,
}

impl Store {
    /// Stores `body` from a customer's mail as a customer message of `conversation` (see
    /// [`Store::append_customer_message`]: relayed, and reopening a resolved escalation),
    /// once per `message_id`.
    pub async fn append_customer_mail(
        &self,
        conversation: &Conversation,
        body: &str,
        message_id: &str,
    ) -> Result<MailReplyStored, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO inbound_emails (message_id, conversation_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(message_id)
        .bind(&conversation.id)
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(MailReplyStored::Duplicate);
        }
        let escalation_id = append_customer_message_in(self, &mut tx, conversation, body).await?;
        tx.commit().await?;
        Ok(MailReplyStored::Stored { escalation_id })
    }

    /// Notes that a live stream read the conversation as of `at_ms` (a no-op for a
    /// conversation without a mail thread).
    pub async fn mark_watched(&self, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE email_threads SET watched_at = $1 WHERE conversation_id = $2 \
             AND (watched_at IS NULL OR watched_at < $1)",
        )
        .bind(at_ms)
        .bind(conversation_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The conversation's mail thread, if it has one.
    pub async fn mail_thread(
        &self,
        conversation_id: &str,
    ) -> Result<Option<MailThread>, StoreError> {
        let row = sqlx::query(
            "SELECT conversation_id, reply_token, email, watched_at, email_me FROM email_threads WHERE conversation_id = $1",
        )
        .bind(conversation_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| thread(&row)).transpose()
    }

    /// The mail thread whose stored `reply_token` is exactly this, if any (a mail's
    /// token is checked and mapped by [`crate::mail_token::MailTokens::thread`]).
    pub async fn mail_thread_by_token(
        &self,
        reply_token: &str,
    ) -> Result<Option<MailThread>, StoreError> {
        let row = sqlx::query(
            "SELECT conversation_id, reply_token, email, watched_at, email_me FROM email_threads WHERE reply_token = $1",
        )
        .bind(reply_token)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| thread(&row)).transpose()
    }

    /// Records mail `message_id` as being handed to the SMTP server, unless a record says
    /// it needs no sending (see [`MailRecord`]).
    pub async fn begin_email(
        &self,
        message_id: &str,
        conversation_id: &str,
        escalation_id: &str,
        kind: MailKind,
    ) -> Result<MailRecord, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query("SELECT status, error FROM emails WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(&mut *tx)
            .await?;
        let record = match existing {
            None => {
                sqlx::query(
                    "INSERT INTO emails (message_id, conversation_id, escalation_id, kind, status, created_at) \
                     VALUES ($1, $2, $3, $4, 'sending', $5)",
                )
                .bind(message_id)
                .bind(conversation_id)
                .bind(escalation_id)
                .bind(kind.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                MailRecord::Send
            }
            Some(row) => match row.try_get::<String, _>("status")?.as_str() {
                "failed" => {
                    sqlx::query("UPDATE emails SET status = 'sending' WHERE message_id = $1")
                        .bind(message_id)
                        .execute(&mut *tx)
                        .await?;
                    MailRecord::Send
                }
                "sending" => MailRecord::Unknown,
                "bounced" => MailRecord::Bounced(
                    row.try_get::<Option<String>, _>("error")?
                        .unwrap_or_default(),
                ),
                _ => MailRecord::Done,
            },
        };
        tx.commit().await?;
        Ok(record)
    }

    /// Records the SMTP server's answer: `sent`, `failed` (to be retried) or `bounced`.
    pub async fn finish_email(
        &self,
        message_id: &str,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE emails SET status = $1, error = $2, sent_at = $3 WHERE message_id = $4",
        )
        .bind(status)
        .bind(error)
        .bind(self.now_ms())
        .bind(message_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The conversation's mails, oldest first.
    pub async fn mails_of(&self, conversation_id: &str) -> Result<Vec<SentMail>, StoreError> {
        let rows = sqlx::query(
            "SELECT message_id, kind, status, error, created_at FROM emails \
             WHERE conversation_id = $1 ORDER BY created_at, message_id",
        )
        .bind(conversation_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SentMail {
                    message_id: row.try_get("message_id")?,
                    kind: row.try_get("kind")?,
                    status: row.try_get("status")?,
                    error: row.try_get("error")?,
                    created_at_ms: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}

fn thread(row: &sqlx::any::AnyRow) -> Result<MailThread, StoreError> {
    Ok(MailThread {
        conversation_id: row.try_get("conversation_id")?,
        reply_token: row.try_get("reply_token")?,
        email: row.try_get("email")?,
        watched_at_ms: row.try_get("watched_at")?,
        email_me: row.try_get::<i64, _>("email_me")? != 0,
    })
}
