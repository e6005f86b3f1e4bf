//! Finding conversations: the dashboard's list, filtered by status, site, period and agent,
//! searched by the words of their messages, newest first, a page at a time.
//!
//! Search is full-text on both backends (migration `0008_message_search`): an FTS5 index
//! kept in step with `messages` by triggers on SQLite, a GIN index over
//! `to_tsvector('simple', …)` of the body with punctuation made spaces on PostgreSQL (the
//! query repeats that expression exactly, or the index does not apply). A query is cut into words (letters and
//! digits); a message matches when it has every word, each as a prefix, case-insensitively
//! (`retur boot` finds "Returning my boots"). Assistant answers are not searched: they
//! repeat the knowledge base, not what the customer or an agent said.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{json_column, opt_i64, Backend, Store, StoreError};
use crate::escalation::EscalationStatus;
use crate::site_id::SiteId;

/// Longest search, in words (more add nothing but cost).
const MAX_WORDS: usize = 8;
/// Longest word kept, in characters.
const MAX_WORD_CHARS: usize = 64;

/// Which conversations by the state of their latest escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    #[default]
    All,
    /// Never handed to a person.
    SelfService,
    /// Handed to a person at least once.
    Escalated,
    /// Queued or claimed now.
    Open,
    Queued,
    Claimed,
    Resolved,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 7] = [
        StatusFilter::All,
        StatusFilter::SelfService,
        StatusFilter::Escalated,
        StatusFilter::Open,
        StatusFilter::Queued,
        StatusFilter::Claimed,
        StatusFilter::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::SelfService => "self_service",
            StatusFilter::Escalated => "escalated",
            StatusFilter::Open => "open",
            StatusFilter::Queued => "queued",
            StatusFilter::Claimed => "claimed",
            StatusFilter::Resolved => "resolved",
        }
    }

    /// The inverse of [`as_str`](Self::as_str); empty means [`All`](Self::All).
    pub fn parse(text: &str) -> Option<StatusFilter> {
        if text.is_empty() {
            return Some(StatusFilter::All);
        }
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The condition on the latest escalation `e` (a constant: nothing to bind).
    fn condition(self) -> Option<&'static str> {
        match self {
            StatusFilter::All => None,
            StatusFilter::SelfService => Some("e.id IS NULL"),
            StatusFilter::Escalated => Some("e.id IS NOT NULL"),
            StatusFilter::Open => Some("e.status IN ('queued', 'claimed')"),
            StatusFilter::Queued => Some("e.status = 'queued'"),
            StatusFilter::Claimed => Some("e.status = 'claimed'"),
            StatusFilter::Resolved => Some("e.status = 'resolved'"),
        }
    }
}

/// What to list. Empty strings count as "not given".
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: StatusFilter,
    pub site: Option<SiteId>,
    /// Started at or after (Unix ms).
    pub from_ms: Option<i64>,
    /// Started before (Unix ms).
    pub to_ms: Option<i64>,
    /// Claimed, resolved or answered by this agent (any letter case).
    pub agent: Option<String>,
    /// Words every matching conversation has in one of its messages.
    pub text: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationSummary {
    pub id: String,
    pub site_id: SiteId,
    pub created_at_ms: i64,
    /// The newest message's time (the start when there is none).
    pub last_at_ms: i64,
    pub messages: i64,
    /// The customer's first message, if any.
    pub first_message: Option<String>,
    pub customer: serde_json::Map<String, serde_json::Value>,
    /// The latest escalation, if the conversation was handed off.
    pub escalation_id: Option<String>,
    pub status: Option<EscalationStatus>,
    /// Who resolved it, else who holds it.
    pub agent: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A page of the list; `has_more` when a next page exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationSummary>,
    pub has_more: bool,
}

/// The search words of `text`: runs of letters and digits, lower-cased, at most
/// [`MAX_WORDS`] of them. Only these reach the index's query syntax, so no input can
/// form an operator.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_WORD_CHARS)
                .collect::<String>()
                .to_lowercase()
        })
        .take(MAX_WORDS)
        .collect()
}

/// The index query for `words`: every word, each as a prefix.
fn match_query(backend: Backend, words: &[String]) -> String {
    match backend {
        Backend::Sqlite => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Backend::Postgres => words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// `WHERE` conditions with their numbered parameters.
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds `condition`; its `{}` placeholders take `values`, in order, as the next
    /// parameter numbers.
    fn push(&mut self, condition: &str, values: Vec<Bind>) {
        let mut parts = condition.split("{}");
        let mut sql = parts.next().unwrap_or_default().to_string();
        for (n, part) in parts.enumerate() {
            sql.push_str(&format!("${}", self.binds.len() + n + 1));
            sql.push_str(part);
        }
        self.binds.extend(values);
        self.sql.push(sql);
    }
}

const SUMMARY_SQL: &str = "SELECT c.id, c.site_id, c.customer, c.created_at, \
    e.id AS escalation_id, e.status, e.claimed_by, e.resolved_by, e.name, e.email, \
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count, \
    (SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = c.id) AS last_at, \
    (SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.author = 'customer' \
        ORDER BY m.id LIMIT 1) AS first_message \
    FROM conversations c \
    LEFT JOIN escalations e ON e.id = (SELECT e2.id FROM escalations e2 \
        WHERE e2.conversation_id = c.id ORDER BY e2.created_at DESC LIMIT 1)";

impl Store {
    /// A page of conversations matching `filter`, newest first.
    pub async fn find_conversations(
        &self,
        filter: &ConversationFilter,
    ) -> Result<ConversationPage, StoreError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let mut conditions = Conditions::default();
        if let Some(status) = filter.status.condition() {
            conditions.push(status, Vec::new());
        }
        if let Some(site) = &filter.site {
            conditions.push("c.site_id = {}", vec![Bind::Text(site.to_string())]);
        }
        if let Some(from) = filter.from_ms {
            conditions.push("c.created_at >= {}", vec![Bind::Int(from)]);
        }
        if let Some(to) = filter.to_ms {
            conditions.push("c.created_at < {}", vec![Bind::Int(to)]);
        }
        if let Some(agent) = given(&filter.agent) {
            let agent = agent.to_lowercase();
            conditions.push(
                "(EXISTS (SELECT 1 FROM escalations ea WHERE ea.conversation_id = c.id \
                   AND (LOWER(ea.claimed_by) = {} OR LOWER(ea.resolved_by) = {})) \
                 OR EXISTS (SELECT 1 FROM messages ma WHERE ma.conversation_id = c.id \
                   AND ma.author = 'agent' AND LOWER(ma.author_name) = {}))",
                vec![
                    Bind::Text(agent.clone()),
                    Bind::Text(agent.clone()),
                    Bind::Text(agent),
                ],
            );
        }
        let words = given(&filter.text)
            .map(|t| search_words(&t))
            .unwrap_or_default();
        if !words.is_empty() {
            let condition = match self.backend() {
                Backend::Sqlite => {
                    "c.id IN (SELECT m.conversation_id FROM messages m WHERE m.id IN \
                     (SELECT rowid FROM messages_fts WHERE messages_fts MATCH {}))"
                }
                Backend::Postgres => {
                    "c.id IN (SELECT m.conversation_id FROM messages m \
                     WHERE to_tsvector('simple', regexp_replace(m.body, '[[:punct:][:space:]]+', ' ', 'g')) \
                     @@ to_tsquery('simple', {}))"
                }
            };
            let query = match_query(self.backend(), &words);
            conditions.push(condition, vec![Bind::Text(query)]);
        }
        let limit = filter.limit.clamp(1, 200);
        let offset = filter.offset.max(0);
        let filters = if conditions.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.sql.join(" AND "))
        };
        let next = conditions.binds.len() + 1;
        let sql = format!(
            "{SUMMARY_SQL}{filters} ORDER BY c.created_at DESC, c.id DESC LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in conditions.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(n) => query.bind(n),
            };
        }
        let rows = query
            .bind(limit + 1)
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        let mut conversations = rows.iter().map(summary).collect::<Result<Vec<_>, _>>()?;
        let has_more = conversations.len() as i64 > limit;
        conversations.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(ConversationPage {
            conversations,
            has_more,
        })
    }
}

fn summary(row: &AnyRow) -> Result<ConversationSummary, StoreError> {
    let status: Option<String> = row.try_get("status")?;
    let created_at_ms: i64 = row.try_get("created_at")?;
    let resolved_by: Option<String> = row.try_get("resolved_by")?;
    let claimed_by: Option<String> = row.try_get("claimed_by")?;
    Ok(ConversationSummary {
        id: row.try_get("id")?,
        site_id: row.try_get("site_id")?,
        created_at_ms,
        last_at_ms: opt_i64(row, "last_at")?.unwrap_or(created_at_ms),
        messages: row.try_get("message_count")?,
        first_message: row.try_get("first_message")?,
        customer: json_column(row, "customer")?,
        escalation_id: row.try_get("escalation_id")?,
        status: status.as_deref().and_then(EscalationStatus::parse),
        agent: resolved_by.or(claimed_by),
        name: row.try_get("name")?,
        email: row.try_get("email")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_plain_lower_case_words() {
        assert_eq!(
            search_words("Retour: \"boots\" OR* NEAR(x) ü-Größe"),
            ["retour", "boots", "or", "near", "x", "ü", "größe"]
        );
        assert!(search_words(" *\"() ").is_empty());
        assert_eq!(search_words(&"w ".repeat(20)).len(), MAX_WORDS);
    }

    #[test]
    fn every_word_is_a_prefix_on_both_backends() {
        let words = vec!["retur".to_string(), "boot".to_string()];
        assert_eq!(match_query(Backend::Sqlite, &words), "\"retur\"* \"boot\"*");
        assert_eq!(match_query(Backend::Postgres, &words), "retur:* & boot:*");
    }
}
