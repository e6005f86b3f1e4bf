//! Conversations, the questions asked in them with the matcher's decisions, feedback and
//! the transcript.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{events, json_column, Store, StoreError, Tx};
use crate::contracts::conversation_event::{ConversationEvent, MessageEvent};
use crate::contracts::outbox::{CustomerMessage, OutboxMessage};
use crate::contracts::Subject;
use crate::escalation::TranscriptLine;
use crate::site_id::SiteId;

/// Who wrote a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    /// The shopper, through the widget.
    Customer,
    /// Frontline's self-service answer.
    Assistant,
    /// A support agent, from chat or the dashboard.
    Agent,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Customer => "customer",
            Author::Assistant => "assistant",
            Author::Agent => "agent",
        }
    }
}

/// A conversation as first seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub site_id: SiteId,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    pub customer: serde_json::Map<String, serde_json::Value>,
    pub created_at_ms: i64,
}

/// One question and what the matcher decided, ready to be written (in batches).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRecord {
    pub conversation: Conversation,
    pub question: String,
    /// `answer`, `suggest` or `handoff`.
    pub decision: String,
    pub confidence: f32,
    /// The best candidate (`intent:name` or `article:id`), if any.
    pub label: Option<String>,
    /// Why it was handed off (`asked_for_human`, `low_confidence`, …), if it was.
    pub reason: Option<String>,
    /// What the assistant said back: stored once per distinct text, the next transcript line.
    pub reply: Option<String>,
    /// The note shown with `reply` to a customer who wrote in another language than the
    /// reply's ("Diese Antwort gibt es nur auf Englisch."), kept with the question so the
    /// restored transcript shows it too.
    pub reply_language_note: Option<String>,
    pub at_ms: i64,
}

impl Store {
    pub async fn conversation(&self, id: &str) -> Result<Option<Conversation>, StoreError> {
        let row = sqlx::query(
            "SELECT id, site_id, page_url, locale, customer, created_at FROM conversations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Conversation {
                id: row.try_get("id")?,
                site_id: row.try_get("site_id")?,
                page_url: row.try_get("page_url")?,
                locale: row.try_get("locale")?,
                customer: json_column(&row, "customer")?,
                created_at_ms: row.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// The whole transcript, oldest first.
    pub async fn transcript(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<TranscriptLine>, StoreError> {
        let rows = sqlx::query(TRANSCRIPT_SQL)
            .bind(conversation_id)
            .fetch_all(self.pool())
            .await?;
        transcript_lines(&rows)
    }

    /// [`transcript`](Self::transcript) with each line's message id (`None` for an
    /// assistant's reply), to show the files sent with a line under it.
    pub async fn numbered_transcript(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<(Option<i64>, TranscriptLine)>, StoreError> {
        let rows = sqlx::query(TRANSCRIPT_SQL)
            .bind(conversation_id)
            .fetch_all(self.pool())
            .await?;
        numbered_lines(&rows)
    }

    /// The body of the conversation's newest customer line, if any (one row, however long
    /// the transcript).
    pub async fn last_customer_message(
        &self,
        conversation_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT body FROM messages WHERE conversation_id = $1 AND author = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .bind(Author::Customer.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| row.try_get("body")).transpose()?)
    }

    /// Records "did this help?" for a conversation.
    pub async fn record_feedback(
        &self,
        conversation: &Conversation,
        helpful: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        ensure_conversation(&mut tx, conversation).await?;
        sqlx::query(
            "INSERT INTO feedback (conversation_id, site_id, helpful, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&conversation.id)
        .bind(&conversation.site_id)
        .bind(i64::from(helpful))
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A customer's message after handoff: added to the transcript and the live stream,
    /// and queued for the agents' chat thread when an escalation is open. Returns the
    /// open escalation's id, if any.
    pub async fn append_customer_message(
        &self,
        conversation: &Conversation,
        body: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let open = append_customer_message_in(self, &mut tx, conversation, body).await?;
        tx.commit().await?;
        Ok(open)
    }
}

/// [`Store::append_customer_message`] in the caller's transaction.
pub(crate) async fn append_customer_message_in(
    store: &Store,
    tx: &mut Tx,
    conversation: &Conversation,
    body: &str,
) -> Result<Option<String>, StoreError> {
    Ok(append_customer_line_in(store, tx, conversation, body)
        .await?
        .1)
}

/// Appends a customer line in the caller's transaction: its message id, and the open
/// escalation it is relayed to, if any.
pub(crate) async fn append_customer_line_in(
    store: &Store,
    tx: &mut Tx,
    conversation: &Conversation,
    body: &str,
) -> Result<(i64, Option<String>), StoreError> {
    let now = store.now_ms();
    ensure_conversation(tx, conversation).await?;
    let message = NewMessage {
        author: Author::Customer,
        author_name: None,
        body,
        markdown: false,
        decision: None,
        at_ms: now,
    };
    let message_id = insert_message(tx, conversation, message).await?;
    let line = MessageEvent {
        message_id,
        author: Author::Customer,
        author_name: None,
        body: body.to_string(),
        html: None,
        at_ms: now,
        attachments: Vec::new(),
    };
    let event = ConversationEvent::Message(line);
    events::insert(store, tx, &conversation.id, &event).await?;
    let mut open = super::escalations::open_escalation_id(tx, &conversation.id).await?;
    let mut reopened = false;
    if open.is_none() {
        // A message after Resolve reopens the newest escalation (once: the update is
        // conditional); when another message reopened it first, this one is a follow-up.
        match super::escalations::reopen_resolved(store, tx, &conversation.id).await? {
            Some(id) => {
                reopened = true;
                open = Some(id);
            }
            None => open = super::escalations::open_escalation_id(tx, &conversation.id).await?,
        }
    }
    if let Some(escalation_id) = &open {
        let message = OutboxMessage::CustomerMessage(CustomerMessage {
            message_id,
            body: body.to_string(),
            at_ms: now,
            reopened,
        });
        let subject = Subject::Escalation(escalation_id.clone());
        super::outbox::enqueue(store, tx, &subject, &message).await?;
    }
    Ok((message_id, open))
}

/// Inserts the conversation unless it exists (another replica or batch may have).
pub(crate) async fn ensure_conversation(
    tx: &mut Tx,
    conversation: &Conversation,
) -> Result<(), StoreError> {
    let customer = serde_json::Value::Object(conversation.customer.clone()).to_string();
    sqlx::query(
        "INSERT INTO conversations (id, site_id, page_url, locale, customer, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&conversation.id)
    .bind(&conversation.site_id)
    .bind(conversation.page_url.as_deref())
    .bind(conversation.locale.as_deref())
    .bind(customer)
    .bind(conversation.created_at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) struct NewMessage<'a> {
    pub author: Author,
    pub author_name: Option<&'a str>,
    pub body: &'a str,
    /// The body is Markdown (a saved reply), rendered where the customer reads it.
    pub markdown: bool,
    /// The matcher's verdict, for customer questions.
    pub decision: Option<QuestionDecision<'a>>,
    pub at_ms: i64,
}

/// Every message of a conversation (`$1`) in order, with the reply each question got.
pub(crate) const TRANSCRIPT_SQL: &str =
    "SELECT m.id, m.author, m.author_name, m.body, m.markdown, r.body AS reply, m.language_note, m.created_at \
     FROM messages m LEFT JOIN replies r ON r.hash = m.reply_hash WHERE m.conversation_id = $1 ORDER BY m.id";

/// The newest `$2` messages of a conversation (`$1`), in order, with their replies.
pub(crate) const RECENT_TRANSCRIPT_SQL: &str =
    "SELECT * FROM (SELECT m.id, m.author, m.author_name, m.body, m.markdown, r.body AS reply, m.language_note, m.created_at \
     FROM messages m LEFT JOIN replies r ON r.hash = m.reply_hash WHERE m.conversation_id = $1 \
     ORDER BY m.id DESC LIMIT $2) recent ORDER BY id";

/// The transcript from rows of [`TRANSCRIPT_SQL`]: a question's reply is the next line.
pub(crate) fn transcript_lines(rows: &[AnyRow]) -> Result<Vec<TranscriptLine>, StoreError> {
    Ok(numbered_lines(rows)?
        .into_iter()
        .map(|(_, line)| line)
        .collect())
}

/// [`transcript_lines`] with each line's message id (`None` for an assistant's reply,
/// which is not a message of its own): what files are sent with (`attachments.message_id`).
fn numbered_lines(rows: &[AnyRow]) -> Result<Vec<(Option<i64>, TranscriptLine)>, StoreError> {
    let mut lines = Vec::with_capacity(rows.len() * 2);
    for row in rows {
        let at_ms = row.try_get("created_at")?;
        let line = TranscriptLine {
            author: row.try_get("author")?,
            author_name: row.try_get("author_name")?,
            body: row.try_get("body")?,
            at_ms,
            markdown: row.try_get::<i64, _>("markdown")? != 0,
            language_note: None,
        };
        lines.push((Some(row.try_get("id")?), line));
        if let Some(reply) = row.try_get::<Option<String>, _>("reply")? {
            let line = TranscriptLine {
                author: Author::Assistant.as_str().to_string(),
                author_name: None,
                body: reply,
                at_ms,
                markdown: false,
                language_note: row.try_get("language_note")?,
            };
            lines.push((None, line));
        }
    }
    Ok(lines)
}

pub(crate) struct QuestionDecision<'a> {
    pub decision: &'a str,
    pub confidence: f32,
    pub label: Option<&'a str>,
    pub reason: Option<&'a str>,
}

pub(crate) async fn insert_message(
    tx: &mut Tx,
    conversation: &Conversation,
    message: NewMessage<'_>,
) -> Result<i64, StoreError> {
    let decision = message.decision.as_ref();
    let row = sqlx::query(
        "INSERT INTO messages (conversation_id, site_id, author, author_name, body, decision, confidence, label, reason, created_at, markdown) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&conversation.id)
    .bind(&conversation.site_id)
    .bind(message.author.as_str())
    .bind(message.author_name)
    .bind(message.body)
    .bind(decision.map(|d| d.decision))
    .bind(decision.map(|d| f64::from(d.confidence)))
    .bind(decision.and_then(|d| d.label))
    .bind(decision.and_then(|d| d.reason))
    .bind(message.at_ms)
    .bind(i64::from(message.markdown))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}
