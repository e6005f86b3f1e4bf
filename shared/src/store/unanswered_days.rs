//! Each closed UTC day's unanswered questions, clustered once (migration `0033`): which
//! (site, day) pairs are done, their clusters by message id, and reading them back with
//! their text from `messages`. [`crate::stats::day_clusters`] decides what and when;
//! [`crate::stats::gaps`] reads them into a report.
//!
//! The text stays in `messages` only: a stored cluster names its example and other
//! phrasings by id, so erasure and retention (which blank `messages.body`) reach reports
//! without a hook of their own, and a deleted message takes its cluster with it.

use sqlx::Row;

use super::rollups::DAY_MS;
use super::{Store, StoreError};
use crate::site_id::SiteId;

/// One cluster of a day as stored: how many questions, the example's message id and up
/// to three other phrasings' ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCluster {
    pub count: i64,
    pub example_id: i64,
    pub other_ids: Vec<i64>,
}

/// A stored cluster read back with its text: `phrasings[0]` is the example. Phrasings
/// whose message was erased (blank) are left out, so an erased example gives way to the
/// next phrasing; a cluster with none left is not returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCluster {
    pub count: i64,
    pub phrasings: Vec<String>,
}

/// An unanswered question of a day: its message id and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayQuestion {
    pub id: i64,
    pub body: String,
}

impl Store {
    /// Up to `limit` (site, UTC day) pairs with unanswered questions created before
    /// `before_ms` and not clustered yet, oldest first. The condition is the one of
    /// [`Store::unanswered_questions`] (and of its partial index), word for word.
    pub async fn unclustered_unanswered_days(
        &self,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<(SiteId, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT site_id, created_at / 86400000 AS day FROM messages m \
             WHERE created_at < $1 AND body <> '' \
               AND ((decision = 'handoff' AND reason IN ('low_confidence', 'out_of_scope')) \
                    OR (decision = 'suggest' AND confidence < 0.5)) \
               AND NOT EXISTS (SELECT 1 FROM unanswered_days d \
                               WHERE d.site_id = m.site_id AND d.day = m.created_at / 86400000) \
             GROUP BY site_id, created_at / 86400000 \
             ORDER BY day, site_id LIMIT $2",
        )
        .bind(before_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("site_id")?, row.try_get("day")?)))
            .collect()
    }

    /// Every unanswered question of `site` on UTC day `day`, newest first (the order
    /// reports cluster raw questions in).
    pub async fn unanswered_questions_of_day(
        &self,
        site: &SiteId,
        day: i64,
    ) -> Result<Vec<DayQuestion>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, body FROM messages \
             WHERE site_id = $1 AND created_at >= $2 AND created_at < $3 AND body <> '' \
               AND ((decision = 'handoff' AND reason IN ('low_confidence', 'out_of_scope')) \
                    OR (decision = 'suggest' AND confidence < 0.5)) \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(site)
        .bind(day * DAY_MS)
        .bind((day + 1) * DAY_MS)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DayQuestion {
                    id: row.try_get("id")?,
                    body: row.try_get("body")?,
                })
            })
            .collect()
    }

    /// Stores `clusters` (largest first) as `site`'s clusters of `day`, with the mark
    /// that the day is done, in one transaction. `false`, storing nothing, when the day
    /// was already done (by another replica, or an earlier try).
    pub async fn record_day_clusters(
        &self,
        site: &SiteId,
        day: i64,
        questions: i64,
        clusters: &[DayCluster],
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(
            "INSERT INTO unanswered_days (site_id, day, questions, clustered_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (site_id, day) DO NOTHING",
        )
        .bind(site)
        .bind(day)
        .bind(questions)
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for (ordinal, cluster) in clusters.iter().enumerate() {
            let other = |i: usize| cluster.other_ids.get(i).copied();
            sqlx::query(
                "INSERT INTO unanswered_clusters \
                 (site_id, day, ordinal, n, example_id, other1_id, other2_id, other3_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(site)
            .bind(day)
            .bind(ordinal as i64)
            .bind(cluster.count)
            .bind(cluster.example_id)
            .bind(other(0))
            .bind(other(1))
            .bind(other(2))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The UTC days in `[first, end)` whose clusters `site` has stored, ascending.
    pub async fn clustered_unanswered_days(
        &self,
        site: &SiteId,
        first: i64,
        end: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT day FROM unanswered_days WHERE site_id = $1 AND day >= $2 AND day < $3 \
             ORDER BY day",
        )
        .bind(site)
        .bind(first)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok(row.try_get("day")?)).collect()
    }

    /// The stored clusters of `site` over UTC days `[first, end)` with their text, largest
    /// first (ties: older day, then the day's order).
    pub async fn stored_unanswered_clusters(
        &self,
        site: &SiteId,
        first: i64,
        end: i64,
    ) -> Result<Vec<StoredCluster>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.n, e.body AS example, o1.body AS other1, o2.body AS other2, \
                    o3.body AS other3 \
             FROM unanswered_clusters c \
             JOIN messages e ON e.id = c.example_id \
             LEFT JOIN messages o1 ON o1.id = c.other1_id \
             LEFT JOIN messages o2 ON o2.id = c.other2_id \
             LEFT JOIN messages o3 ON o3.id = c.other3_id \
             WHERE c.site_id = $1 AND c.day >= $2 AND c.day < $3 \
             ORDER BY c.n DESC, c.day, c.ordinal",
        )
        .bind(site)
        .bind(first)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        let mut clusters = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut phrasings = Vec::with_capacity(4);
            for column in ["example", "other1", "other2", "other3"] {
                let body: Option<String> = row.try_get(column)?;
                phrasings.extend(body.filter(|b| !b.trim().is_empty()));
            }
            if !phrasings.is_empty() {
                clusters.push(StoredCluster {
                    count: row.try_get("n")?,
                    phrasings,
                });
            }
        }
        Ok(clusters)
    }
}
