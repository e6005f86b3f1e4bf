//! Volume per local day, summed by the database from the [rollups](super::rollups): a
//! 400-day series is a few hundred rows instead of 38,000 bucket rows.
//!
//! A run of consecutive days that each last exactly 24 hours is one query grouped by
//! `(bucket start − run start) / 24 h`; a day of another length (a DST change) is its own
//! run. Partial buckets at a run's edges (a zone whose midnight is not on a 15-minute
//! boundary) are counted from raw rows, like every other rollup reader.

use sqlx::Row;

use super::rollups::Split;
use super::{Store, StoreError};
use crate::site_id::SiteId;

const DAY_MS: i64 = 86_400_000;

/// Conversations, deflections and handoffs of one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub conversations: i64,
    pub deflected: i64,
    pub handoffs: i64,
}

impl Store {
    /// Counts of `site` per day, the days given by their bounds in Unix ms: day `i` is
    /// `[bounds[i], bounds[i + 1])`. One entry per day.
    pub async fn local_day_counts(
        &self,
        site: &SiteId,
        bounds: &[i64],
    ) -> Result<Vec<DayCounts>, StoreError> {
        let days = bounds.len().saturating_sub(1);
        let mut counts = vec![DayCounts::default(); days];
        let length = |i: usize| bounds[i + 1] - bounds[i];
        let mut i = 0;
        while i < days {
            let mut j = i + 1;
            if length(i) == DAY_MS {
                while j < days && length(j) == DAY_MS {
                    j += 1;
                }
            }
            // Within the run, day `i + (t − start) / divisor` holds instant `t`.
            let (start, end) = (bounds[i], bounds[j]);
            let divisor = if j == i + 1 { end - start } else { DAY_MS };
            let split = Split::of(start, end);
            if split.buckets.0 < split.buckets.1 {
                let rows = sqlx::query(
                    "SELECT (bucket * 900000 - $4) / $5 AS day, \
                            CAST(SUM(conversations) AS BIGINT) AS conversations, \
                            CAST(SUM(deflected) AS BIGINT) AS deflected, \
                            CAST(SUM(handoffs) AS BIGINT) AS handoffs \
                     FROM stats_rollups WHERE site_id = $1 AND bucket >= $2 AND bucket < $3 \
                     GROUP BY (bucket * 900000 - $4) / $5",
                )
                .bind(site)
                .bind(split.buckets.0)
                .bind(split.buckets.1)
                .bind(start)
                .bind(divisor)
                .fetch_all(self.pool())
                .await?;
                for row in &rows {
                    let day: i64 = row.try_get("day")?;
                    if let Some(c) = usize::try_from(day)
                        .ok()
                        .and_then(|d| counts.get_mut(i + d))
                    {
                        c.conversations += row.try_get::<i64, _>("conversations")?;
                        c.deflected += row.try_get::<i64, _>("deflected")?;
                        c.handoffs += row.try_get::<i64, _>("handoffs")?;
                    }
                }
            }
            for (from, to) in split.edges() {
                let day = i + usize::try_from((from - start) / divisor).unwrap_or(0);
                for bucket in self.bucket_counts_raw(site, from, to).await? {
                    if let Some(c) = counts.get_mut(day) {
                        c.conversations += bucket.conversations;
                        c.deflected += bucket.deflected;
                        c.handoffs += bucket.handoffs;
                    }
                }
            }
            i = j;
        }
        Ok(counts)
    }
}
