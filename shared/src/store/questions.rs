//! Writing questions in batches: what lets `/ask` record every question at full speed.
//!
//! A batch becomes a handful of multi-row statements in one transaction: one upsert for
//! its conversations (created on first sight; the answer count added up per conversation
//! beforehand, because one statement may not touch a row twice), one insert of the
//! distinct replies not stored yet, and one insert per chunk of questions, each row with
//! its decision and the key of the reply it got.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::conversations::{Author, Conversation, QuestionRecord};
use super::{Backend, Store, StoreError, Tx};

/// Most rows per multi-row statement (up to 10 columns each). SQLite gets anonymous `?`
/// placeholders: sqlx looks up the name of every numbered one (`$7`), which SQLite finds
/// by scanning the statement's parameter list, so numbered placeholders made binding
/// quadratic in the statement's size (measured with `perf` under `tests/bench/http.sh`).
const CHUNK: usize = 128;

/// Splits `items` into statements of `CHUNK` rows and then powers of two (200 rows:
/// 128 + 64 + 8), so a handful of statement shapes serve every batch size and stay in
/// sqlx's prepared-statement cache; an arbitrary last chunk was parsed anew each batch.
fn chunks<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let size = if items.len() >= CHUNK {
            CHUNK
        } else {
            1 << items.len().ilog2()
        };
        let (chunk, rest) = items.split_at(size);
        items = rest;
        Some(chunk)
    })
}

/// The key a reply is stored under: the first 16 bytes of its SHA-256, in hex. A
/// cryptographic hash, because templated replies contain customer text: nobody can make
/// their reply collide with another customer's.
fn reply_key(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..16])
}

/// A question of the batch with the key of its reply.
type QuestionRow<'a> = (&'a QuestionRecord, Option<String>);

impl Store {
    /// Writes a batch of questions (and the replies they got) in one transaction,
    /// creating their conversations on first sight.
    pub async fn record_questions(&self, batch: &[QuestionRecord]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let rows: Vec<QuestionRow> = batch
            .iter()
            .map(|record| (record, record.reply.as_deref().map(reply_key)))
            .collect();
        let mut tx = self.begin_write().await?;
        self.upsert_conversations(&mut tx, batch).await?;
        self.insert_replies(&mut tx, &rows).await?;
        self.insert_questions(&mut tx, &rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates the batch's new conversations and adds up the answers each one got.
    async fn upsert_conversations(
        &self,
        tx: &mut Tx,
        batch: &[QuestionRecord],
    ) -> Result<(), StoreError> {
        let mut conversations: Vec<(&Conversation, i64)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for record in batch {
            let answered = i64::from(record.decision == "answer");
            match index.get(record.conversation.id.as_str()) {
                Some(&i) => conversations[i].1 += answered,
                None => {
                    index.insert(&record.conversation.id, conversations.len());
                    conversations.push((&record.conversation, answered));
                }
            }
        }
        for chunk in chunks(&conversations) {
            let sql = values_sql(
                self.backend,
                "INSERT INTO conversations (id, site_id, page_url, locale, customer, created_at, answers) VALUES ",
                7,
                chunk.len(),
                " ON CONFLICT (id) DO UPDATE SET answers = conversations.answers + excluded.answers",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (conversation, answers) in chunk {
                query = query
                    .bind(conversation.id.as_str())
                    .bind(conversation.site_id.as_str())
                    .bind(conversation.page_url.as_deref())
                    .bind(conversation.locale.as_deref())
                    .bind(serde_json::Value::Object(conversation.customer.clone()).to_string())
                    .bind(conversation.created_at_ms)
                    .bind(*answers);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Stores each distinct reply of the batch, unless an earlier batch already did.
    async fn insert_replies(
        &self,
        tx: &mut Tx,
        rows: &[QuestionRow<'_>],
    ) -> Result<(), StoreError> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut replies: Vec<(&str, &str)> = rows
            .iter()
            .filter_map(|(record, key)| Some((key.as_deref()?, record.reply.as_deref()?)))
            .filter(|(key, _)| seen.insert(key))
            .collect();
        // In key order, so two replicas inserting the same replies at once on PostgreSQL
        // wait for each other instead of deadlocking.
        replies.sort_unstable();
        for chunk in chunks(&replies) {
            let sql = values_sql(
                self.backend,
                "INSERT INTO replies (hash, body) VALUES ",
                2,
                chunk.len(),
                " ON CONFLICT (hash) DO NOTHING",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (key, body) in chunk {
                query = query.bind(*key).bind(*body);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// One transcript row per question, with its decision and its reply's key.
    async fn insert_questions(
        &self,
        tx: &mut Tx,
        rows: &[QuestionRow<'_>],
    ) -> Result<(), StoreError> {
        for chunk in chunks(rows) {
            let sql = values_sql(
                self.backend,
                "INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, label, reason, reply_hash, created_at) VALUES ",
                10,
                chunk.len(),
                "",
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (record, key) in chunk {
                query = query
                    .bind(record.conversation.id.as_str())
                    .bind(record.conversation.site_id.as_str())
                    .bind(Author::Customer.as_str())
                    .bind(record.question.as_str())
                    .bind(record.decision.as_str())
                    .bind(f64::from(record.confidence))
                    .bind(record.label.as_deref())
                    .bind(record.reason.as_deref())
                    .bind(key.as_deref())
                    .bind(record.at_ms);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// `prefix ($1, …, $n), ($n+1, …) … suffix` for `rows` rows of `columns` values
/// (`?` instead of `$k` on SQLite).
fn values_sql(backend: Backend, prefix: &str, columns: usize, rows: usize, suffix: &str) -> String {
    let mut sql = String::with_capacity(prefix.len() + rows * columns * 6 + suffix.len());
    sql.push_str(prefix);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${}", row * columns + column + 1);
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(suffix);
    sql
}

#[cfg(test)]
mod tests {
    use super::{chunks, values_sql, Backend, CHUNK};

    #[test]
    fn chunks_cover_every_row_once_in_few_shapes() {
        let rows: Vec<usize> = (0..CHUNK * 2 + 77).collect();
        let sizes: Vec<usize> = chunks(&rows).map(<[usize]>::len).collect();
        assert_eq!(sizes, [CHUNK, CHUNK, 64, 8, 4, 1]);
        let flat: Vec<usize> = chunks(&rows).flatten().copied().collect();
        assert_eq!(flat, rows);
        assert_eq!(chunks(&rows[..0]).count(), 0);
    }

    #[test]
    fn placeholders_number_every_value() {
        assert_eq!(
            values_sql(Backend::Postgres, "INSERT x VALUES ", 2, 2, " END"),
            "INSERT x VALUES ($1, $2), ($3, $4) END"
        );
        assert_eq!(
            values_sql(Backend::Sqlite, "INSERT x VALUES ", 2, 2, " END"),
            "INSERT x VALUES (?, ?), (?, ?) END"
        );
    }
}
