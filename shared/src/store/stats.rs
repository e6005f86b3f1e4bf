//! Figures for one site and one period `[from_ms, to_ms)`. Counts come from the
//! [rollups](super::rollups) (whole 15-minute buckets) plus the raw rows of partial edge
//! buckets; the `*_raw` methods count raw rows only, each answered from an index (see
//! migration `0002_stats.sql`). Escalation timings are read raw, and so are unanswered
//! questions outside the days already clustered ([`super::unanswered_days`]).
//! [`crate::stats`] turns them into a report.

use sqlx::Row;

use super::rollups::{DaySplit, INTENT_CONFIDENCE};
use super::{opt_i64, Store, StoreError};
use crate::escalation::Priority;
use crate::site_id::SiteId;

/// Counts for one site and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PeriodCounts {
    /// Conversations started.
    pub conversations: i64,
    /// …of which got at least one self-service answer.
    pub answered: i64,
    /// …of which got an answer and were never handed off (self-service resolved them).
    pub deflected: i64,
    /// Questions asked.
    pub questions: i64,
    /// Escalations created.
    pub handoffs: i64,
    pub helpful: i64,
    pub unhelpful: i64,
}

impl std::ops::AddAssign for PeriodCounts {
    fn add_assign(&mut self, other: Self) {
        self.conversations += other.conversations;
        self.answered += other.answered;
        self.deflected += other.deflected;
        self.questions += other.questions;
        self.handoffs += other.handoffs;
        self.helpful += other.helpful;
        self.unhelpful += other.unhelpful;
    }
}

/// The confidence under which a suggestion counts as unanswered in reports (the partial
/// index of migration `0031` is built for it).
pub const UNANSWERED_CONFIDENCE: f64 = 0.5;

/// When an escalation was created, claimed and resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationTiming {
    pub priority: Priority,
    pub created_at_ms: i64,
    pub claimed_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
}

impl Store {
    /// Counts of `site` over `[from_ms, to_ms)`: rollups, plus raw rows at partial edges.
    pub async fn period_counts(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<PeriodCounts, StoreError> {
        let split = self.split(from_ms, to_ms);
        let mut counts = PeriodCounts::default();
        if split.buckets.0 < split.buckets.1 {
            counts += self
                .rollup_counts(site, split.buckets.0, split.buckets.1)
                .await?;
        }
        for (from, to) in split.edges() {
            counts += self.period_counts_raw(site, from, to).await?;
        }
        Ok(counts)
    }

    /// [`Store::period_counts`] counted from raw rows only (what reports did before the
    /// rollups; the bench compares the two).
    pub async fn period_counts_raw(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<PeriodCounts, StoreError> {
        let conversations = sqlx::query(
            "SELECT COUNT(*) AS total, \
                    COALESCE(SUM(CASE WHEN answers > 0 THEN 1 ELSE 0 END), 0) AS answered, \
                    COALESCE(SUM(CASE WHEN answers > 0 AND escalated = 0 THEN 1 ELSE 0 END), 0) AS deflected \
             FROM conversations WHERE site_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(self.pool())
        .await?;
        let questions = self
            .count(
                "SELECT COUNT(*) AS n FROM messages WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 \
                 AND decision IS NOT NULL",
                site,
                from_ms,
                to_ms,
            )
            .await?;
        let handoffs = self
            .count(
                "SELECT COUNT(*) AS n FROM escalations WHERE site_id = $1 AND created_at >= $2 AND created_at < $3",
                site,
                from_ms,
                to_ms,
            )
            .await?;
        let feedback = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN helpful = 1 THEN 1 ELSE 0 END), 0) AS helpful, \
                    COALESCE(SUM(CASE WHEN helpful = 0 THEN 1 ELSE 0 END), 0) AS unhelpful \
             FROM feedback WHERE site_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(self.pool())
        .await?;
        Ok(PeriodCounts {
            conversations: conversations.try_get("total")?,
            answered: conversations.try_get("answered")?,
            deflected: conversations.try_get("deflected")?,
            questions,
            handoffs,
            helpful: feedback.try_get("helpful")?,
            unhelpful: feedback.try_get("unhelpful")?,
        })
    }

    async fn count(
        &self,
        sql: &'static str,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(sql)
            .bind(site)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Timings of the escalations created in the period.
    pub async fn escalation_timings(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<EscalationTiming>, StoreError> {
        let rows = sqlx::query(
            "SELECT priority, created_at, claimed_at, resolved_at FROM escalations \
             WHERE site_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let priority: String = row.try_get("priority")?;
                Ok(EscalationTiming {
                    priority: Priority::parse(&priority).unwrap_or_default(),
                    created_at_ms: row.try_get("created_at")?,
                    claimed_at_ms: opt_i64(row, "claimed_at")?,
                    resolved_at_ms: opt_i64(row, "resolved_at")?,
                })
            })
            .collect()
    }

    /// How often each intent was the confident best match (confidence ≥
    /// [`INTENT_CONFIDENCE`]), most asked first (ties by label), at most `limit`: whole
    /// UTC days from the daily intent rollups, the rest of the period from the 15-minute
    /// ones, plus raw rows at partial edges.
    pub async fn top_intents(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut counts: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        let mut add = |label: String, n: i64| {
            let name = match label.strip_prefix("intent:") {
                Some(name) => name.to_string(),
                None => label,
            };
            *counts.entry(name).or_default() += n;
        };
        let days = if self.reads_raw_rows() {
            DaySplit::none(from_ms, to_ms)
        } else {
            DaySplit::of(from_ms, to_ms)
        };
        if days.days.0 < days.days.1 {
            for (label, n) in self
                .rollup_intents_daily(site, days.days.0, days.days.1)
                .await?
            {
                add(label, n);
            }
        }
        for (from, to) in days.rest() {
            let split = self.split(from, to);
            if split.buckets.0 < split.buckets.1 {
                for (label, n) in self
                    .rollup_intents(site, split.buckets.0, split.buckets.1)
                    .await?
                {
                    add(label, n);
                }
            }
            for (from, to) in split.edges() {
                for (name, n) in self
                    .top_intents_raw(site, from, to, INTENT_CONFIDENCE, i64::MAX)
                    .await?
                {
                    add(name, n);
                }
            }
        }
        let mut ranked: Vec<(String, i64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        Ok(ranked)
    }

    /// [`Store::top_intents`] counted from raw rows only.
    pub async fn top_intents_raw(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
        min_confidence: f64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT label, COUNT(*) AS n FROM messages \
             WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 AND decision IS NOT NULL \
               AND label LIKE 'intent:%' AND confidence >= $4 \
             GROUP BY label ORDER BY n DESC, label LIMIT $5",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .bind(min_confidence)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let label: String = row.try_get("label")?;
                let name = label.strip_prefix("intent:").unwrap_or(&label).to_string();
                Ok((name, row.try_get("n")?))
            })
            .collect()
    }

    /// The newest questions we could not answer: handed off for low confidence or as out
    /// of scope, or only offered suggestions below `max_confidence`. With the reports'
    /// threshold ([`UNANSWERED_CONFIDENCE`]) read from the partial index of exactly those
    /// questions (migration `0031`), whose condition the query repeats word for word so
    /// both databases use it.
    pub async fn unanswered_questions(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
        max_confidence: f64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let query = if max_confidence == UNANSWERED_CONFIDENCE {
            sqlx::query(
                "SELECT body FROM messages \
                 WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 AND body <> '' \
                   AND ((decision = 'handoff' AND reason IN ('low_confidence', 'out_of_scope')) \
                        OR (decision = 'suggest' AND confidence < 0.5)) \
                 ORDER BY created_at DESC LIMIT $4",
            )
        } else {
            sqlx::query(
                "SELECT body FROM messages \
                 WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 AND decision IS NOT NULL AND body <> '' \
                   AND ((decision = 'handoff' AND reason IN ('low_confidence', 'out_of_scope')) \
                        OR (decision = 'suggest' AND confidence < $5)) \
                 ORDER BY created_at DESC LIMIT $4",
            )
        };
        let rows = query
            .bind(site)
            .bind(from_ms)
            .bind(to_ms)
            .bind(limit)
            .bind(max_confidence)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok(row.try_get("body")?)).collect()
    }

    /// Escalations of `site` waiting for an owner right now.
    pub async fn unclaimed_now(&self, site: &SiteId) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM escalations WHERE site_id = $1 AND status = 'queued'",
        )
        .bind(site)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }
}

/// Conversations, deflections and handoffs in one 15-minute bucket (`bucket` × 15 min
/// since the Unix epoch). Every time zone offset is a multiple of 15 minutes, so buckets
/// add up exactly into local days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketCounts {
    pub bucket: i64,
    pub conversations: i64,
    pub deflected: i64,
    pub handoffs: i64,
}

/// Length of a bucket in milliseconds.
pub const BUCKET_MS: i64 = super::rollups::BUCKET_MS;

impl Store {
    /// Per-bucket volume for a site over `[from_ms, to_ms)`, ascending (empty buckets
    /// omitted): rollups, plus raw rows at partial edges.
    pub async fn bucket_counts(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<BucketCounts>, StoreError> {
        let split = self.split(from_ms, to_ms);
        let mut buckets = Vec::new();
        if let Some((from, to)) = split.head {
            buckets.extend(self.bucket_counts_raw(site, from, to).await?);
        }
        if split.buckets.0 < split.buckets.1 {
            buckets.extend(
                self.rollup_buckets(site, split.buckets.0, split.buckets.1)
                    .await?
                    .into_iter()
                    .map(|r| BucketCounts {
                        bucket: r.bucket,
                        conversations: r.counts.conversations,
                        deflected: r.counts.deflected,
                        handoffs: r.counts.handoffs,
                    })
                    .filter(|b| b.conversations != 0 || b.deflected != 0 || b.handoffs != 0),
            );
        }
        if let Some((from, to)) = split.tail {
            buckets.extend(self.bucket_counts_raw(site, from, to).await?);
        }
        Ok(buckets)
    }

    /// [`Store::bucket_counts`] counted from raw rows only.
    pub async fn bucket_counts_raw(
        &self,
        site: &SiteId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<BucketCounts>, StoreError> {
        let conversations = sqlx::query(
            "SELECT created_at / 900000 AS bucket, COUNT(*) AS n, \
                    COALESCE(SUM(CASE WHEN answers > 0 AND escalated = 0 THEN 1 ELSE 0 END), 0) AS deflected \
             FROM conversations WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY created_at / 900000",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let handoffs = sqlx::query(
            "SELECT created_at / 900000 AS bucket, COUNT(*) AS n FROM escalations \
             WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY created_at / 900000",
        )
        .bind(site)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut buckets: std::collections::BTreeMap<i64, BucketCounts> =
            std::collections::BTreeMap::new();
        for row in &conversations {
            let bucket: i64 = row.try_get("bucket")?;
            let entry = buckets.entry(bucket).or_insert(BucketCounts {
                bucket,
                ..Default::default()
            });
            entry.conversations = row.try_get("n")?;
            entry.deflected = row.try_get("deflected")?;
        }
        for row in &handoffs {
            let bucket: i64 = row.try_get("bucket")?;
            let entry = buckets.entry(bucket).or_insert(BucketCounts {
                bucket,
                ..Default::default()
            });
            entry.handoffs = row.try_get("n")?;
        }
        Ok(buckets.into_values().collect())
    }
}
