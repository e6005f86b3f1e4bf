//! Rollups: the report counts per site and 15-minute bucket, kept in the same transaction
//! as every raw write (migration `0017_rollups`), so reports, the digest and the forecast
//! read a few thousand rollup rows instead of millions of raw ones. Triggers count
//! conversations, escalations and feedback (and take off deleted rows); questions, which
//! only the batch recorder writes, are added by it once per bucket and batch
//! (`store::questions`), because a trigger per question cost about 5 µs on `/ask`'s path.
//!
//! Why triggers and an adding upsert (`SET n = n + excluded.n`): every write path,
//! present or future, is counted without the Rust code knowing; a row and its count commit
//! or roll back together; and on PostgreSQL two replicas writing at once each add their
//! own rows, so nothing is counted twice or lost. A conversation's "answered" and
//! "deflected" change after it starts (a later answer, a handoff): the update trigger
//! moves it in the bucket where it started. Buckets are 15 minutes, not hours, because
//! local days in zones such as +05:30 start on a quarter hour.
//!
//! A period that does not start and end on a bucket boundary reads its partial edge
//! buckets from the raw rows ([`Split`]).

use sqlx::Row;

use super::stats::PeriodCounts;
use super::{Store, StoreError};
use crate::site_id::SiteId;

/// Length of a rollup bucket in milliseconds.
pub const BUCKET_MS: i64 = 15 * 60 * 1000;

/// Length of a daily rollup (`intent_rollups_daily`, a UTC day) in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// Minimum confidence of a question counted for its intent in `intent_rollups`.
pub const INTENT_CONFIDENCE: f64 = 0.5;

/// A period `[from_ms, to_ms)` cut into whole buckets (read from the rollups) and the
/// partial edges before and after them (read from raw rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// `[first, end)` bucket numbers, empty when `first >= end`.
    pub buckets: (i64, i64),
    /// Raw `[from, to)` before the first whole bucket.
    pub head: Option<(i64, i64)>,
    /// Raw `[from, to)` after the last whole bucket.
    pub tail: Option<(i64, i64)>,
}

impl Split {
    pub fn of(from_ms: i64, to_ms: i64) -> Split {
        if to_ms <= from_ms {
            return Split {
                buckets: (0, 0),
                head: None,
                tail: None,
            };
        }
        let first = from_ms.div_euclid(BUCKET_MS) + i64::from(from_ms.rem_euclid(BUCKET_MS) != 0);
        let end = to_ms.div_euclid(BUCKET_MS);
        if first >= end {
            // Inside one bucket (or across one boundary with no whole bucket): all raw.
            return Split {
                buckets: (0, 0),
                head: Some((from_ms, to_ms)),
                tail: None,
            };
        }
        let (start, stop) = (first * BUCKET_MS, end * BUCKET_MS);
        Split {
            buckets: (first, end),
            head: (from_ms < start).then_some((from_ms, start)),
            tail: (stop < to_ms).then_some((stop, to_ms)),
        }
    }

    /// All of `[from_ms, to_ms)` read from raw rows.
    pub fn raw(from_ms: i64, to_ms: i64) -> Split {
        Split {
            buckets: (0, 0),
            head: (from_ms < to_ms).then_some((from_ms, to_ms)),
            tail: None,
        }
    }

    /// The raw edges.
    pub fn edges(&self) -> impl Iterator<Item = (i64, i64)> {
        self.head.into_iter().chain(self.tail)
    }
}

/// A period `[from_ms, to_ms)` cut into whole UTC days (read from the daily rollups) and
/// the rest before and after them (each read as a [`Split`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySplit {
    /// `[first, end)` UTC day numbers, empty when `first >= end`.
    pub days: (i64, i64),
    pub head: Option<(i64, i64)>,
    pub tail: Option<(i64, i64)>,
}

impl DaySplit {
    pub fn of(from_ms: i64, to_ms: i64) -> DaySplit {
        let first = from_ms.div_euclid(DAY_MS) + i64::from(from_ms.rem_euclid(DAY_MS) != 0);
        let end = to_ms.div_euclid(DAY_MS);
        if to_ms <= from_ms || first >= end {
            return DaySplit::none(from_ms, to_ms);
        }
        let (start, stop) = (first * DAY_MS, end * DAY_MS);
        DaySplit {
            days: (first, end),
            head: (from_ms < start).then_some((from_ms, start)),
            tail: (stop < to_ms).then_some((stop, to_ms)),
        }
    }

    /// No whole day: all of `[from_ms, to_ms)` is the rest.
    pub fn none(from_ms: i64, to_ms: i64) -> DaySplit {
        DaySplit {
            days: (0, 0),
            head: (from_ms < to_ms).then_some((from_ms, to_ms)),
            tail: None,
        }
    }

    /// The parts outside whole days.
    pub fn rest(&self) -> impl Iterator<Item = (i64, i64)> {
        self.head.into_iter().chain(self.tail)
    }
}

/// One bucket's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketRollup {
    pub bucket: i64,
    pub counts: PeriodCounts,
}

const COLUMNS: &str = "conversations, answered, deflected, questions, handoffs, helpful, unhelpful";

fn counts_of(row: &sqlx::any::AnyRow) -> Result<PeriodCounts, StoreError> {
    Ok(PeriodCounts {
        conversations: row.try_get("conversations")?,
        answered: row.try_get("answered")?,
        deflected: row.try_get("deflected")?,
        questions: row.try_get("questions")?,
        handoffs: row.try_get("handoffs")?,
        helpful: row.try_get("helpful")?,
        unhelpful: row.try_get("unhelpful")?,
    })
}

impl Store {
    /// The summed rollups of `site` over buckets `[first, end)`.
    pub async fn rollup_counts(
        &self,
        site: &SiteId,
        first: i64,
        end: i64,
    ) -> Result<PeriodCounts, StoreError> {
        let sums = COLUMNS
            .split(", ")
            .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {sums} FROM stats_rollups WHERE site_id = $1 AND bucket >= $2 AND bucket < $3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(first)
            .bind(end)
            .fetch_one(self.pool())
            .await?;
        counts_of(&row)
    }

    /// The rollup rows of `site` over buckets `[first, end)`, ascending (buckets without
    /// any row left out).
    pub async fn rollup_buckets(
        &self,
        site: &SiteId,
        first: i64,
        end: i64,
    ) -> Result<Vec<BucketRollup>, StoreError> {
        let sql = format!(
            "SELECT bucket, {COLUMNS} FROM stats_rollups \
             WHERE site_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site)
            .bind(first)
            .bind(end)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(BucketRollup {
                    bucket: row.try_get("bucket")?,
                    counts: counts_of(row)?,
                })
            })
            .collect()
    }

    /// Confident questions per intent label of `site` over buckets `[first, end)`.
    pub async fn rollup_intents(
        &self,
        site: &SiteId,
        first: i64,
        end: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT label, CAST(SUM(n) AS BIGINT) AS n FROM intent_rollups \
             WHERE site_id = $1 AND bucket >= $2 AND bucket < $3 GROUP BY label",
        )
        .bind(site)
        .bind(first)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("label")?, row.try_get("n")?)))
            .collect()
    }

    /// Confident questions per intent label of `site` over UTC days `[first, end)`.
    pub async fn rollup_intents_daily(
        &self,
        site: &SiteId,
        first: i64,
        end: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT label, CAST(SUM(n) AS BIGINT) AS n FROM intent_rollups_daily \
             WHERE site_id = $1 AND day >= $2 AND day < $3 GROUP BY label",
        )
        .bind(site)
        .bind(first)
        .bind(end)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("label")?, row.try_get("n")?)))
            .collect()
    }

    /// What the rollups of every site should hold, counted from the raw rows now: one
    /// row per site and bucket with anything in it, ordered. Tests compare it with
    /// [`Store::stored_rollups`]; it is the same query migration `0017` filled them with.
    pub async fn recount_rollups(&self) -> Result<Vec<(SiteId, BucketRollup)>, StoreError> {
        let rows = sqlx::query(
            "SELECT site_id, bucket, CAST(SUM(c) AS BIGINT) AS conversations, \
                    CAST(SUM(a) AS BIGINT) AS answered, CAST(SUM(d) AS BIGINT) AS deflected, \
                    CAST(SUM(q) AS BIGINT) AS questions, CAST(SUM(h) AS BIGINT) AS handoffs, \
                    CAST(SUM(hp) AS BIGINT) AS helpful, CAST(SUM(uh) AS BIGINT) AS unhelpful FROM ( \
               SELECT site_id, created_at / 900000 AS bucket, 1 AS c, \
                      CASE WHEN answers > 0 THEN 1 ELSE 0 END AS a, \
                      CASE WHEN answers > 0 AND escalated = 0 THEN 1 ELSE 0 END AS d, \
                      0 AS q, 0 AS h, 0 AS hp, 0 AS uh FROM conversations \
               UNION ALL SELECT site_id, created_at / 900000, 0, 0, 0, 1, 0, 0, 0 \
                   FROM messages WHERE decision IS NOT NULL \
               UNION ALL SELECT site_id, created_at / 900000, 0, 0, 0, 0, 1, 0, 0 FROM escalations \
               UNION ALL SELECT site_id, created_at / 900000, 0, 0, 0, 0, 0, \
                      CASE WHEN helpful = 1 THEN 1 ELSE 0 END, CASE WHEN helpful = 0 THEN 1 ELSE 0 END \
                   FROM feedback \
             ) raw GROUP BY site_id, bucket ORDER BY site_id, bucket",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<SiteId, _>("site_id")?,
                    BucketRollup {
                        bucket: row.try_get("bucket")?,
                        counts: counts_of(row)?,
                    },
                ))
            })
            .collect()
    }

    /// The stored rollups of every site, ordered, without all-zero rows (left behind when
    /// raw rows are deleted).
    pub async fn stored_rollups(&self) -> Result<Vec<(SiteId, BucketRollup)>, StoreError> {
        let sql = format!(
            "SELECT site_id, bucket, {COLUMNS} FROM stats_rollups ORDER BY site_id, bucket"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        let mut stored = Vec::with_capacity(rows.len());
        for row in &rows {
            let counts = counts_of(row)?;
            if counts != PeriodCounts::default() {
                stored.push((
                    row.try_get::<SiteId, _>("site_id")?,
                    BucketRollup {
                        bucket: row.try_get("bucket")?,
                        counts,
                    },
                ));
            }
        }
        Ok(stored)
    }

    /// Intent rollups against a recount from raw rows: `(stored, recounted)`, each
    /// `(site, bucket, label, n)` ordered, zero rows left out.
    pub async fn intent_rollups_and_recount(
        &self,
    ) -> Result<(IntentCounts, IntentCounts), StoreError> {
        let stored = self
            .intent_counts(
                "SELECT site_id, bucket, label, n FROM intent_rollups WHERE n <> 0 \
                 ORDER BY site_id, bucket, label",
            )
            .await?;
        let recounted = self
            .intent_counts(
                "SELECT site_id, created_at / 900000 AS bucket, label, COUNT(*) AS n FROM messages \
                 WHERE decision IS NOT NULL AND label LIKE 'intent:%' AND confidence >= 0.5 \
                 GROUP BY site_id, created_at / 900000, label ORDER BY site_id, bucket, label",
            )
            .await?;
        Ok((stored, recounted))
    }

    /// Daily intent rollups against a recount from raw rows: `(stored, recounted)`, each
    /// `(site, day, label, n)` ordered, zero rows left out.
    pub async fn daily_intent_rollups_and_recount(
        &self,
    ) -> Result<(IntentCounts, IntentCounts), StoreError> {
        let stored = self
            .intent_counts(
                "SELECT site_id, day, label, n FROM intent_rollups_daily WHERE n <> 0 \
                 ORDER BY site_id, day, label",
            )
            .await?;
        let recounted = self
            .intent_counts(
                "SELECT site_id, created_at / 86400000 AS day, label, COUNT(*) AS n FROM messages \
                 WHERE decision IS NOT NULL AND label LIKE 'intent:%' AND confidence >= 0.5 \
                 GROUP BY site_id, created_at / 86400000, label ORDER BY site_id, day, label",
            )
            .await?;
        Ok((stored, recounted))
    }

    /// Runs `sql`, whose columns are site, period (bucket or day), label and count.
    async fn intent_counts(&self, sql: &'static str) -> Result<IntentCounts, StoreError> {
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                ))
            })
            .collect()
    }
}

/// `(site, period, label, n)` rows of intent counts, as the recount checks compare them.
pub type IntentCounts = Vec<(String, i64, String, i64)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_split_into_whole_buckets_and_raw_edges() {
        let b = BUCKET_MS;
        assert_eq!(
            Split::of(0, 4 * b),
            Split {
                buckets: (0, 4),
                head: None,
                tail: None
            }
        );
        assert_eq!(
            Split::of(b + 5, 3 * b + 7),
            Split {
                buckets: (2, 3),
                head: Some((b + 5, 2 * b)),
                tail: Some((3 * b, 3 * b + 7))
            }
        );
        assert_eq!(
            Split::of(b + 5, 2 * b + 7),
            Split {
                buckets: (0, 0),
                head: Some((b + 5, 2 * b + 7)),
                tail: None
            }
        );
        assert_eq!(Split::of(9, 9).edges().count(), 0);
    }

    #[test]
    fn periods_split_into_whole_utc_days_and_the_rest() {
        let d = DAY_MS;
        // A Berlin day in winter: 23:00 UTC to 23:00 UTC, no whole UTC day.
        assert_eq!(DaySplit::of(d - 3_600_000, 2 * d - 3_600_000).days.1, 0);
        assert_eq!(
            DaySplit::of(d - 3_600_000, 5 * d - 3_600_000),
            DaySplit {
                days: (1, 4),
                head: Some((d - 3_600_000, d)),
                tail: Some((4 * d, 5 * d - 3_600_000))
            }
        );
        assert_eq!(
            DaySplit::of(2 * d, 4 * d),
            DaySplit {
                days: (2, 4),
                head: None,
                tail: None
            }
        );
        assert_eq!(DaySplit::of(5, 5).rest().count(), 0);
    }
}
