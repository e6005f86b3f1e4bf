//! Writing questions in batches: what lets `/ask` record every question at full speed.
//!
//! A batch becomes a handful of multi-row statements in one transaction: one upsert for
//! its conversations (created on first sight; the answer count added up per conversation
//! beforehand, because one statement may not touch a row twice; oldest first), one insert of the
//! distinct replies not stored yet, one insert per chunk of questions, each row with
//! its decision and the key of the reply it got, and the questions' rollups (one row per
//! 15-minute bucket, and per intent, that the batch touches).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::conversations::{Author, Conversation, QuestionRecord};
use super::rollups::{BUCKET_MS, INTENT_CONFIDENCE};
use super::{Backend, Store, StoreError, Tx};

/// Most rows per multi-row statement (up to 11 columns each). SQLite gets anonymous `?`
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

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// A multi-row insert: `head`, then one `(…)` of `columns` values per row, then `tail`.
struct Insert {
    head: &'static str,
    columns: usize,
    tail: &'static str,
}

const CONVERSATIONS: Insert = Insert {
    head: "INSERT INTO conversations (id, site_id, page_url, locale, customer, created_at, answers) VALUES ",
    columns: 7,
    tail: " ON CONFLICT (id) DO UPDATE SET answers = conversations.answers + excluded.answers",
};

const REPLIES: Insert = Insert {
    head: "INSERT INTO replies (hash, body) VALUES ",
    columns: 2,
    tail: " ON CONFLICT (hash) DO NOTHING",
};

/// Questions per site and rollup bucket (see [`super::rollups`]).
const QUESTION_ROLLUPS: Insert = Insert {
    head: "INSERT INTO stats_rollups (site_id, bucket, questions) VALUES ",
    columns: 3,
    tail: " ON CONFLICT (site_id, bucket) DO UPDATE SET questions = stats_rollups.questions + excluded.questions",
};

/// Confident questions per site, UTC day and intent label (migration `0025`).
const DAILY_INTENT_ROLLUPS: Insert = Insert {
    head: "INSERT INTO intent_rollups_daily (site_id, day, label, n) VALUES ",
    columns: 4,
    tail:
        " ON CONFLICT (site_id, day, label) DO UPDATE SET n = intent_rollups_daily.n + excluded.n",
};

/// Confident questions per site, rollup bucket and intent label.
const INTENT_ROLLUPS: Insert = Insert {
    head: "INSERT INTO intent_rollups (site_id, bucket, label, n) VALUES ",
    columns: 4,
    tail: " ON CONFLICT (site_id, bucket, label) DO UPDATE SET n = intent_rollups.n + excluded.n",
};

const QUESTIONS: Insert = Insert {
    head: "INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, label, reason, reply_hash, language_note, created_at) VALUES ",
    columns: 11,
    tail: "",
};

impl Store {
    /// Writes a batch of questions (and the replies they got) in one transaction,
    /// creating their conversations on first sight.
    pub async fn record_questions(&self, batch: &[QuestionRecord]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let conversations = answers_per_conversation(batch);
        // Each distinct reply of the batch, by text, with its key (hashed once).
        let mut keys: HashMap<&str, String> = HashMap::new();
        for body in batch.iter().filter_map(|r| r.reply.as_deref()) {
            keys.entry(body).or_insert_with(|| reply_key(body));
        }
        // In key order, so two replicas inserting the same replies at once on PostgreSQL
        // wait for each other instead of deadlocking.
        let mut replies: Vec<(&str, &str)> = keys.iter().map(|(b, k)| (k.as_str(), *b)).collect();
        replies.sort_unstable();

        let mut tx = self.begin_write().await?;
        self.insert_rows(
            &mut tx,
            CONVERSATIONS,
            &conversations,
            |query, (conversation, answers)| {
                query
                    .bind(conversation.id.as_str())
                    .bind(conversation.site_id.as_str())
                    .bind(conversation.page_url.as_deref())
                    .bind(conversation.locale.as_deref())
                    .bind(serde_json::Value::Object(conversation.customer.clone()).to_string())
                    .bind(conversation.created_at_ms)
                    .bind(*answers)
            },
        )
        .await?;
        self.insert_rows(&mut tx, REPLIES, &replies, |query, (key, body)| {
            query.bind(*key).bind(*body)
        })
        .await?;
        self.insert_rows(&mut tx, QUESTIONS, batch, |query, record| {
            query
                .bind(record.conversation.id.as_str())
                .bind(record.conversation.site_id.as_str())
                .bind(Author::Customer.as_str())
                .bind(record.question.as_str())
                .bind(record.decision.as_str())
                .bind(f64::from(record.confidence))
                .bind(record.label.as_deref())
                .bind(record.reason.as_deref())
                .bind(record.reply.as_deref().map(|body| keys[body].as_str()))
                .bind(record.reply_language_note.as_deref())
                .bind(record.at_ms)
        })
        .await?;
        // The questions' rollups, in the same transaction: one row per bucket (and per
        // intent) instead of a trigger per question.
        let (buckets, intents) = question_rollups(batch);
        let daily = daily_intents(&intents);
        self.insert_rows(
            &mut tx,
            QUESTION_ROLLUPS,
            &buckets,
            |query, ((bucket, site), n)| query.bind(*site).bind(*bucket).bind(*n),
        )
        .await?;
        self.insert_rows(
            &mut tx,
            INTENT_ROLLUPS,
            &intents,
            |query, ((bucket, site, label), n)| {
                query.bind(*site).bind(*bucket).bind(*label).bind(*n)
            },
        )
        .await?;
        self.insert_rows(
            &mut tx,
            DAILY_INTENT_ROLLUPS,
            &daily,
            |query, ((day, site, label), n)| query.bind(*site).bind(*day).bind(*label).bind(*n),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts `rows` with statements of a few fixed sizes (see [`chunks`]), each row's
    /// values bound by `bind`.
    async fn insert_rows<'r, T: Sync>(
        &self,
        tx: &mut Tx,
        insert: Insert,
        rows: &'r [T],
        bind: impl Fn(AnyQuery<'r>, &'r T) -> AnyQuery<'r> + Send,
    ) -> Result<(), StoreError> {
        for chunk in chunks(rows) {
            let sql = values_sql(
                self.backend,
                insert.head,
                insert.columns,
                chunk.len(),
                insert.tail,
            );
            let query = chunk
                .iter()
                .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), &bind);
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// The batch's conversations, each once, with the number of answers it got (one
/// statement may not touch a row twice), oldest first: their rows' triggers update
/// rollup buckets in time order, as every writer does (see `store::rollups`), so two
/// replicas' batches on PostgreSQL never wait for each other in a cycle.
fn answers_per_conversation(batch: &[QuestionRecord]) -> Vec<(&Conversation, i64)> {
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
    conversations.sort_by(|a, b| {
        (a.0.created_at_ms, a.0.id.as_str()).cmp(&(b.0.created_at_ms, b.0.id.as_str()))
    });
    conversations
}

/// Rollup rows of a batch's questions, oldest bucket first: `((bucket, site), questions)`
/// and `((bucket, site, intent label), confident questions)` (the conditions of
/// `Store::recount_rollups`: a label `intent:…` with confidence ≥ 0.5).
#[allow(clippy::type_complexity)]
fn question_rollups(
    batch: &[QuestionRecord],
) -> (Vec<((i64, &str), i64)>, Vec<((i64, &str, &str), i64)>) {
    let mut buckets: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    let mut intents: BTreeMap<(i64, &str, &str), i64> = BTreeMap::new();
    for record in batch {
        let bucket = record.at_ms.div_euclid(BUCKET_MS);
        let site = record.conversation.site_id.as_str();
        *buckets.entry((bucket, site)).or_default() += 1;
        if let Some(label) = record.label.as_deref() {
            if label.starts_with("intent:") && f64::from(record.confidence) >= INTENT_CONFIDENCE {
                *intents.entry((bucket, site, label)).or_default() += 1;
            }
        }
    }
    (buckets.into_iter().collect(), intents.into_iter().collect())
}

/// The per-bucket intent counts summed per UTC day, oldest day first (so two writers on
/// PostgreSQL take the rows in the same order).
fn daily_intents<'a>(
    intents: &[((i64, &'a str, &'a str), i64)],
) -> Vec<((i64, &'a str, &'a str), i64)> {
    let per_day = super::rollups::DAY_MS / BUCKET_MS;
    let mut days: BTreeMap<(i64, &str, &str), i64> = BTreeMap::new();
    for ((bucket, site, label), n) in intents {
        *days
            .entry((bucket.div_euclid(per_day), site, label))
            .or_default() += n;
    }
    days.into_iter().collect()
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
