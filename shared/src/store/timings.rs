//! Time to claim, time to resolve and SLA breaches of the escalations created in a period,
//! worked out by the database: the report gets a count, two percentiles per kind and one
//! breach count instead of every escalation of the period.
//!
//! Periods with fewer than [`HISTOGRAM_FROM_DAYS`] whole UTC days are ranked exactly
//! (nearest rank; the figures equal what [`crate::stats::summary`] computes from the raw
//! timings, [`Store::escalation_timings`]). Longer ones read the per-day histograms of
//! [`super::timing_histograms`]: counts and SLA breaches exact, percentiles within 0.5 s
//! or 5 %. Ranking 100,000 escalations for a 400-day period cost 0.7–1.5 s.

use sqlx::Row;

use super::timing_histograms::HISTOGRAM_FROM_DAYS;
use super::{opt_i64, Store, StoreError};
use crate::config::SlaSettings;
use crate::escalation::Priority;
use crate::site_id::SiteId;

/// Nearest-rank median and 90th percentile of one kind of duration, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RankedDurations {
    pub count: usize,
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    /// Read from the timing histograms' bins (within 0.5 s or 5 %), not ranked exactly.
    pub approximate: bool,
}

/// What a report shows about the handling of a period's escalations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimingFigures {
    pub claim: RankedDurations,
    pub resolve: RankedDurations,
    pub sla_breaches: i64,
}

/// The nearest rank (1-based) of percentile `p` among `n` values: `ceil(p·n)`, at least 1.
pub fn nearest_rank(p: f64, n: usize) -> usize {
    ((p * n as f64).ceil() as usize).clamp(1, n.max(1))
}

/// The duration a percentile is taken of.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Claim,
    Resolve,
}

impl Kind {
    fn column(self) -> &'static str {
        match self {
            Kind::Claim => "claimed_at",
            Kind::Resolve => "resolved_at",
        }
    }
}

/// `site_id IN ($4, $5, …)` for `count` sites after three other parameters.
fn site_list(count: usize, first: usize) -> String {
    (0..count)
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Counts, percentiles and SLA breaches of the escalations of `sites` created in
    /// `[from_ms, to_ms)`, judging escalations still waiting at `now_ms` (long periods
    /// from the histograms: see the module). An escalation
    /// breaches when claimed (or, never claimed, resolved; or still waiting now) later than
    /// its priority's limit; an unknown priority counts as normal.
    pub async fn timing_figures(
        &self,
        sites: &[SiteId],
        from_ms: i64,
        to_ms: i64,
        sla: &SlaSettings,
        now_ms: i64,
    ) -> Result<TimingFigures, StoreError> {
        if sites.is_empty() {
            return Ok(TimingFigures::default());
        }
        let days = super::rollups::DaySplit::of(from_ms, to_ms);
        if !self.reads_raw_rows() && days.days.1 - days.days.0 >= HISTOGRAM_FROM_DAYS {
            return self
                .timing_figures_from_histograms(sites, days, sla, now_ms)
                .await;
        }
        let limit = |p: Priority| sla.for_priority(p).as_millis() as i64;
        let sql = format!(
            "SELECT COUNT(claimed_at) AS claimed, COUNT(resolved_at) AS resolved, \
                    COALESCE(SUM(CASE WHEN COALESCE(claimed_at, resolved_at, $3) - created_at > \
                        CASE priority WHEN 'urgent' THEN $4 WHEN 'high' THEN $5 WHEN 'low' THEN $6 \
                        ELSE $7 END THEN 1 ELSE 0 END), 0) AS breaches \
             FROM escalations WHERE created_at >= $1 AND created_at < $2 AND site_id IN ({})",
            site_list(sites.len(), 8)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms)
            .bind(now_ms)
            .bind(limit(Priority::Urgent))
            .bind(limit(Priority::High))
            .bind(limit(Priority::Low))
            .bind(limit(Priority::Normal));
        for site in sites {
            query = query.bind(site);
        }
        let row = query.fetch_one(self.pool()).await?;
        let claimed: i64 = row.try_get("claimed")?;
        let resolved: i64 = row.try_get("resolved")?;
        let breaches: i64 = row.try_get("breaches")?;
        Ok(TimingFigures {
            claim: self
                .ranked(sites, from_ms, to_ms, Kind::Claim, claimed)
                .await?,
            resolve: self
                .ranked(sites, from_ms, to_ms, Kind::Resolve, resolved)
                .await?,
            sla_breaches: breaches,
        })
    }

    /// The median and 90th percentile of `kind` among its `count` durations: the database
    /// numbers them in order and returns the two ranks.
    async fn ranked(
        &self,
        sites: &[SiteId],
        from_ms: i64,
        to_ms: i64,
        kind: Kind,
        count: i64,
    ) -> Result<RankedDurations, StoreError> {
        let n = usize::try_from(count).unwrap_or(0);
        if n == 0 {
            return Ok(RankedDurations::default());
        }
        let (median_rank, p90_rank) = (nearest_rank(0.5, n), nearest_rank(0.9, n));
        let column = kind.column();
        let sql = format!(
            "SELECT d, r FROM ( \
               SELECT {column} - created_at AS d, ROW_NUMBER() OVER (ORDER BY {column} - created_at) AS r \
               FROM escalations WHERE created_at >= $1 AND created_at < $2 AND {column} IS NOT NULL \
                 AND site_id IN ({}) \
             ) ranked WHERE r = $3 OR r = $4",
            site_list(sites.len(), 5)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms)
            .bind(median_rank as i64)
            .bind(p90_rank as i64);
        for site in sites {
            query = query.bind(site);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut ranked = RankedDurations {
            count: n,
            ..RankedDurations::default()
        };
        for row in &rows {
            let rank: i64 = row.try_get("r")?;
            let duration = opt_i64(row, "d")?;
            if rank == median_rank as i64 {
                ranked.median_ms = duration;
            }
            if rank == p90_rank as i64 {
                ranked.p90_ms = duration;
            }
        }
        Ok(ranked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_ranks_of_five_and_of_one() {
        assert_eq!(nearest_rank(0.5, 5), 3);
        assert_eq!(nearest_rank(0.9, 5), 5);
        assert_eq!(nearest_rank(0.9, 1), 1);
        assert_eq!(nearest_rank(0.5, 10), 5);
        assert_eq!(nearest_rank(0.9, 10), 9);
    }
}
