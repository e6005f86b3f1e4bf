//! Time to claim and time to resolve of long periods, from histograms per site, span of
//! UTC days (one day, and blocks of [`BLOCK_DAYS`]), priority and bin (migration
//! `0030_timing_histograms`, kept by triggers in the transaction of every escalation
//! write), so a 400-day report sums about 6,000 rows (25 blocks, 30 days) instead of
//! ranking 100,000 escalations.
//!
//! # How approximate
//! Bins are fixed and log-spaced ([`TIMING_BINS`]): bin `lo` holds durations `d` with
//! `lo s < d <= next s`. They are one second wide under 20 s and at most 10 % of `lo` wide
//! beyond, up to 360 days. A percentile is read as the middle of the bin that holds its
//! nearest rank, so it is within **0.5 s or 5 % of the exact value, whichever is larger**
//! (durations over 360 days: the open last bin's lower edge). Counts are exact.
//!
//! SLA breaches stay exact: a bin wholly above (below) a priority's limit counts whole
//! (not at all); the round limits (whole minutes up to an hour, 5 minutes up to two
//! hours, …) are bin edges, and the one bin a limit falls inside otherwise is counted
//! from raw rows. Escalations still waiting (their breach depends on "now") are read raw,
//! from a partial index. The partial UTC days at a period's edges are read raw and binned
//! here.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use sqlx::Row;

use super::rollups::{DaySplit, DAY_MS};
use super::stats::EscalationTiming;
use super::timings::{nearest_rank, RankedDurations, TimingFigures};
use super::{Backend, Store, StoreError};
use crate::config::SlaSettings;
use crate::escalation::Priority;
use crate::site_id::SiteId;

/// `(from, to, step)` in seconds: bin edges `from, from + step, …` below `to`.
const SEGMENTS: [(i64, i64, i64); 18] = [
    (0, 10, 1),
    (10, 20, 1),
    (20, 60, 2),
    (60, 120, 6),
    (120, 300, 12),
    (300, 600, 30),
    (600, 1_200, 60),
    (1_200, 3_600, 60),
    (3_600, 7_200, 300),
    (7_200, 18_000, 600),
    (18_000, 36_000, 1_800),
    (36_000, 86_400, 3_600),
    (86_400, 172_800, 7_200),
    (172_800, 432_000, 14_400),
    (432_000, 864_000, 43_200),
    (864_000, 2_592_000, 86_400),
    (2_592_000, 7_776_000, 259_200),
    (7_776_000, 31_104_000, 777_600),
];

/// Lower edges of the bins in seconds, ascending: the migration's `timing_bins` table
/// (a test compares the two). The last bin (from 360 days) is open; bin `-1` (not listed)
/// holds durations of zero or less.
pub static TIMING_BINS: LazyLock<Vec<i64>> = LazyLock::new(|| {
    let mut edges: Vec<i64> = SEGMENTS
        .iter()
        .flat_map(|&(from, to, step)| (from..to).step_by(step as usize))
        .collect();
    edges.push(SEGMENTS[SEGMENTS.len() - 1].1);
    edges
});

/// The longer span the histograms are kept for, in UTC days (besides single days).
pub const BLOCK_DAYS: i64 = 16;

/// Periods with fewer whole UTC days than this are ranked exactly by the database
/// ([`Store::timing_figures`]); longer ones are read from the histograms.
pub const HISTOGRAM_FROM_DAYS: i64 = 7;

/// The bin of a duration of `ms` milliseconds.
pub fn bin_of(ms: i64) -> i64 {
    if ms <= 0 {
        return -1;
    }
    let seconds = (ms - 1) / 1000;
    let i = TIMING_BINS.partition_point(|&lo| lo <= seconds);
    TIMING_BINS[i.saturating_sub(1)]
}

/// The upper edge of bin `lo` in seconds (`None` for the open last bin).
fn upper(lo: i64) -> Option<i64> {
    if lo < 0 {
        return Some(0);
    }
    let i = TIMING_BINS.partition_point(|&edge| edge <= lo);
    TIMING_BINS.get(i).copied()
}

/// What a percentile in bin `lo` is read as, in milliseconds: the bin's middle.
pub fn estimate_ms(lo: i64) -> i64 {
    match (lo, upper(lo)) {
        (..0, _) => 0,
        (lo, Some(hi)) => (lo + hi) * 500,
        (lo, None) => lo * 1000,
    }
}

/// Counts per bin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Histogram(BTreeMap<i64, i64>);

impl Histogram {
    fn add(&mut self, bin: i64, n: i64) {
        *self.0.entry(bin).or_default() += n;
    }

    /// Count, and the median and 90th percentile read from the bins.
    fn ranked(&self) -> RankedDurations {
        let total: i64 = self.0.values().sum();
        let n = usize::try_from(total).unwrap_or(0);
        if n == 0 {
            return RankedDurations::default();
        }
        let at_rank = |rank: usize| {
            let mut seen = 0usize;
            for (&bin, &count) in &self.0 {
                seen += usize::try_from(count).unwrap_or(0);
                if seen >= rank {
                    return Some(estimate_ms(bin));
                }
            }
            None
        };
        RankedDurations {
            count: n,
            median_ms: at_rank(nearest_rank(0.5, n)),
            p90_ms: at_rank(nearest_rank(0.9, n)),
            approximate: true,
        }
    }
}

/// `site_id IN ($first, …)` for `count` sites.
fn site_list(count: usize, first: usize) -> String {
    (0..count)
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// [`Store::timing_figures`] of a period with at least [`HISTOGRAM_FROM_DAYS`] whole
    /// UTC days: whole days from the histograms, the partial days at its ends raw.
    /// Percentiles approximate (see the module), counts and breaches exact.
    pub(super) async fn timing_figures_from_histograms(
        &self,
        sites: &[SiteId],
        days: DaySplit,
        sla: &SlaSettings,
        now_ms: i64,
    ) -> Result<TimingFigures, StoreError> {
        let limit = |p: &str| {
            sla.for_priority(Priority::parse(p).unwrap_or_default())
                .as_millis() as i64
        };
        let (claim, resolve, pickup) = self.histograms(sites, days.days.0, days.days.1).await?;
        let mut claims = Histogram::default();
        let mut resolves = Histogram::default();
        for (&bin, &n) in claim.values().flat_map(|h| h.0.iter()) {
            claims.add(bin, n);
        }
        for (&bin, &n) in resolve.values().flat_map(|h| h.0.iter()) {
            resolves.add(bin, n);
        }
        // Breaches of the whole days: picked up (claimed; or resolved unclaimed) late.
        let (whole_from, whole_to) = (days.days.0 * DAY_MS, days.days.1 * DAY_MS);
        let mut breaches = 0;
        for (priority, histogram) in &pickup {
            let limit_ms = limit(priority);
            for (&bin, &n) in &histogram.0 {
                let above = bin >= 0 && bin * 1000 >= limit_ms;
                let below = upper(bin).is_some_and(|hi| hi * 1000 <= limit_ms);
                if above {
                    breaches += n;
                } else if !below && n > 0 {
                    let hi_ms = upper(bin).map(|hi| hi * 1000).unwrap_or(i64::MAX);
                    breaches += self
                        .late_pickups(sites, whole_from, whole_to, priority, limit_ms, hi_ms)
                        .await?;
                }
            }
        }
        // Still waiting now: late if waiting longer than the limit.
        for (priority, created_at) in self.waiting(sites, whole_from, whole_to).await? {
            if now_ms - created_at > limit(&priority) {
                breaches += 1;
            }
        }
        // The partial days at the ends, raw.
        for (from, to) in days.rest() {
            for site in sites {
                for timing in self.escalation_timings(site, from, to).await? {
                    add_raw(&timing, &mut claims, &mut resolves);
                    if crate::stats::breached(&timing, sla, now_ms) {
                        breaches += 1;
                    }
                }
            }
        }
        Ok(TimingFigures {
            claim: claims.ranked(),
            resolve: resolves.ranked(),
            sla_breaches: breaches,
        })
    }

    /// The histograms of `sites` over UTC days `[first, end)`: claim, resolve and
    /// unclaimed-resolve (with claims: pick-up) times, each per stored priority. Whole
    /// [`BLOCK_DAYS`] blocks from their rows, the days around them from the daily ones.
    async fn histograms(
        &self,
        sites: &[SiteId],
        first: i64,
        end: i64,
    ) -> Result<(PerPriority, PerPriority, PerPriority), StoreError> {
        let blocks = (
            first.div_euclid(BLOCK_DAYS) + i64::from(first.rem_euclid(BLOCK_DAYS) != 0),
            end.div_euclid(BLOCK_DAYS),
        );
        let reads = if blocks.0 < blocks.1 {
            let (from, to) = (blocks.0 * BLOCK_DAYS, blocks.1 * BLOCK_DAYS);
            vec![(BLOCK_DAYS, from, to), (1, first, from), (1, to, end)]
        } else {
            vec![(1, first, end)]
        };
        let sql = format!(
            "SELECT kind, priority, bin, CAST(SUM(n) AS BIGINT) AS n FROM timing_rollups \
             WHERE days = $1 AND first_day >= $2 AND first_day < $3 AND site_id IN ({}) \
             GROUP BY kind, priority, bin",
            site_list(sites.len(), 4)
        );
        let mut rows = Vec::new();
        for (days, from, to) in reads.into_iter().filter(|(_, from, to)| from < to) {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(days)
                .bind(from)
                .bind(to);
            for site in sites {
                query = query.bind(site);
            }
            rows.extend(query.fetch_all(self.pool()).await?);
        }
        let (mut claim, mut resolve, mut pickup) =
            (PerPriority::new(), PerPriority::new(), PerPriority::new());
        for row in &rows {
            let kind: String = row.try_get("kind")?;
            let priority: String = row.try_get("priority")?;
            let bin: i64 = row.try_get("bin")?;
            let n: i64 = row.try_get("n")?;
            if n == 0 {
                continue;
            }
            let add = |histograms: &mut PerPriority| {
                histograms.entry(priority.clone()).or_default().add(bin, n);
            };
            match kind.as_str() {
                "claim" => {
                    add(&mut claim);
                    add(&mut pickup);
                }
                "resolve" => add(&mut resolve),
                "resolve_unclaimed" => add(&mut pickup),
                _ => {}
            }
        }
        Ok((claim, resolve, pickup))
    }

    /// Escalations of `sites` created in `[from_ms, to_ms)` with stored `priority`, picked
    /// up (claimed, or resolved unclaimed) more than `limit_ms` and at most `upper_ms`
    /// after they were created.
    async fn late_pickups(
        &self,
        sites: &[SiteId],
        from_ms: i64,
        to_ms: i64,
        priority: &str,
        limit_ms: i64,
        upper_ms: i64,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM escalations WHERE created_at >= $1 AND created_at < $2 \
               AND priority = $3 AND COALESCE(claimed_at, resolved_at) - created_at > $4 \
               AND COALESCE(claimed_at, resolved_at) - created_at <= $5 AND site_id IN ({})",
            site_list(sites.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms)
            .bind(priority.to_string())
            .bind(limit_ms)
            .bind(upper_ms);
        for site in sites {
            query = query.bind(site);
        }
        Ok(query.fetch_one(self.pool()).await?.try_get("n")?)
    }

    /// `(priority, created_at)` of the escalations of `sites` created in `[from_ms, to_ms)`
    /// that are neither claimed nor resolved.
    async fn waiting(
        &self,
        sites: &[SiteId],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        // SQLite's planner prefers the covering `escalations_timings` index (all of the
        // period) over the partial one (only the waiting) unless told.
        let indexed = match self.backend() {
            Backend::Sqlite => "INDEXED BY escalations_waiting",
            Backend::Postgres => "",
        };
        let sql = format!(
            "SELECT priority, created_at FROM escalations {indexed} \
             WHERE created_at >= $1 AND created_at < $2 AND claimed_at IS NULL \
               AND resolved_at IS NULL AND site_id IN ({})",
            site_list(sites.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms);
        for site in sites {
            query = query.bind(site);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("priority")?, row.try_get("created_at")?)))
            .collect()
    }

    /// The stored timing histograms against a recount from the escalations: `(stored,
    /// recounted)`, each `(site, day, kind, priority, bin, n)` ordered, zero rows left
    /// out. The recount bins in Rust ([`bin_of`]), independently of the triggers' SQL.
    pub async fn timing_rollups_and_recount(
        &self,
    ) -> Result<(TimingCounts, TimingCounts), StoreError> {
        let rows = sqlx::query(
            "SELECT site_id, days, first_day, kind, priority, bin, n FROM timing_rollups \
             WHERE n <> 0 ORDER BY site_id, days, first_day, kind, priority, bin",
        )
        .fetch_all(self.pool())
        .await?;
        let stored = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("site_id")?,
                    row.try_get("days")?,
                    row.try_get("first_day")?,
                    row.try_get("kind")?,
                    row.try_get("priority")?,
                    row.try_get("bin")?,
                    row.try_get("n")?,
                ))
            })
            .collect::<Result<TimingCounts, StoreError>>()?;
        let rows = sqlx::query(
            "SELECT site_id, created_at, priority, claimed_at, resolved_at FROM escalations",
        )
        .fetch_all(self.pool())
        .await?;
        type Key = (String, i64, i64, String, String, i64);
        let mut recount: BTreeMap<Key, i64> = BTreeMap::new();
        for row in &rows {
            let site: String = row.try_get("site_id")?;
            let created: i64 = row.try_get("created_at")?;
            let priority: String = row.try_get("priority")?;
            let claimed = super::opt_i64(row, "claimed_at")?;
            let resolved = super::opt_i64(row, "resolved_at")?;
            let day = created.div_euclid(DAY_MS);
            let mut add = |kind: &str, at: i64| {
                for days in [1, BLOCK_DAYS] {
                    let key = (
                        site.clone(),
                        days,
                        day.div_euclid(days) * days,
                        kind.to_string(),
                        priority.clone(),
                        bin_of(at - created),
                    );
                    *recount.entry(key).or_default() += 1;
                }
            };
            if let Some(at) = claimed {
                add("claim", at);
            }
            if let Some(at) = resolved {
                add("resolve", at);
                if claimed.is_none() {
                    add("resolve_unclaimed", at);
                }
            }
        }
        let recounted = recount
            .into_iter()
            .map(|((site, days, first, kind, priority, bin), n)| {
                (site, days, first, kind, priority, bin, n)
            })
            .collect();
        Ok((stored, recounted))
    }

    /// The bins of the migration's `timing_bins` table, ascending.
    pub async fn stored_timing_bins(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT lo FROM timing_bins ORDER BY lo")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok(row.try_get("lo")?)).collect()
    }
}

/// Per stored priority text.
type PerPriority = BTreeMap<String, Histogram>;

/// `(site, days, first UTC day, kind, priority, bin, n)` rows of the timing histograms.
pub type TimingCounts = Vec<(String, i64, i64, String, String, i64, i64)>;

fn add_raw(timing: &EscalationTiming, claims: &mut Histogram, resolves: &mut Histogram) {
    if let Some(at) = timing.claimed_at_ms {
        claims.add(bin_of(at - timing.created_at_ms), 1);
    }
    if let Some(at) = timing.resolved_at_ms {
        resolves.add(bin_of(at - timing.created_at_ms), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_a_second_wide_then_at_most_a_tenth_of_their_start() {
        let bins = &*TIMING_BINS;
        assert_eq!(bins.len(), 290);
        assert_eq!(&bins[..3], &[0, 1, 2]);
        for pair in bins.windows(2) {
            let (lo, hi) = (pair[0], pair[1]);
            assert!(hi > lo);
            assert!(hi - lo <= 1.max(lo / 10), "[{lo}, {hi})");
        }
        // Round SLA limits are edges.
        for minutes in [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 240, 480, 1440] {
            assert!(bins.contains(&(minutes * 60)), "{minutes} min");
        }
    }

    #[test]
    fn a_bin_holds_durations_above_its_edge_up_to_the_next() {
        assert_eq!(bin_of(0), -1);
        assert_eq!(bin_of(-5), -1);
        assert_eq!(bin_of(1), 0);
        assert_eq!(bin_of(1_000), 0);
        assert_eq!(bin_of(1_001), 1);
        // 15 minutes exactly is not over a 15-minute limit: bin [840 s, 900 s].
        assert_eq!(bin_of(900_000), 840);
        assert_eq!(bin_of(900_001), 900);
        assert_eq!(bin_of(3_600_001), 3_600);
        assert_eq!(bin_of(400 * 86_400_000), 31_104_000);
        assert_eq!(estimate_ms(840), 870_000);
        assert_eq!(estimate_ms(-1), 0);
    }

    #[test]
    fn percentiles_from_the_bins_are_within_half_a_second_or_five_percent() {
        // Durations from 0.3 s to 20 days, exact nearest-rank against the histogram's.
        let mut durations: Vec<i64> = (1..2_000i64).map(|i| i * i * 431 + 300).collect();
        durations.sort_unstable();
        let mut histogram = Histogram::default();
        for d in &durations {
            histogram.add(bin_of(*d), 1);
        }
        let ranked = histogram.ranked();
        let n = durations.len();
        for (p, got) in [(0.5, ranked.median_ms), (0.9, ranked.p90_ms)] {
            let exact = durations[nearest_rank(p, n) - 1];
            let got = got.expect("a value");
            let tolerance = 500.max(exact / 20);
            assert!((got - exact).abs() <= tolerance, "p{p}: {got} vs {exact}");
        }
        // Every duration read back as its bin's middle is within the bound.
        for d in durations {
            let got = estimate_ms(bin_of(d));
            assert!((got - d).abs() <= 500.max(d / 20), "{d}: {got}");
        }
    }
}
