//! Reports for managers: what the digest posts and the dashboard shows.
//!
//! Definitions (the tests compute the same numbers independently):
//! - **deflection rate** = conversations that got a self-service answer and were never
//!   handed off ÷ conversations started; "helpful" feedback is counted separately.
//! - **time to claim / resolve** = claim (resolve) time − creation time of the escalations
//!   created in the period; `median` and `p90` are nearest-rank percentiles
//!   (`sorted[ceil(p·n) − 1]`).
//! - **SLA breach** = an escalation of the period claimed (or, if never claimed, resolved)
//!   later than its priority's SLA, or still waiting longer than that now.
//! - **top intents** = intents that were the best match with confidence ≥ 0.5.
//! - **top unanswered** = questions handed off for low confidence or as out of scope, or
//!   only offered weak suggestions (< 0.5), grouped into near-duplicate [`clusters`]:
//!   whole days from their stored clusters, the rest from raw rows, merged ([`gaps`]).
//!
//! # Layout
//! - [`agents`]: per-agent figures (claims, resolves, times, CSAT) from the audit log.
//! - [`clusters`]: near-duplicate grouping.
//! - [`day_clusters`]: the job that clusters each closed day's unanswered questions once.
//! - [`gaps`]: a period's top unanswered clusters, from stored days and raw rows.
//! - [`days`]: local calendar days as store periods (DST-correct), daily series.
//! - [`digest`]: a day compared with the day before and the 7-day average.
//! - [`schedule`]: when a daily digest is due, DST-correct.

pub mod agents;
pub mod clusters;
pub mod csat;
pub mod day_clusters;
pub mod days;
pub mod digest;
pub mod gaps;
pub mod schedule;

use serde::Serialize;
use std::collections::HashMap;

use crate::config::SlaSettings;
use crate::site_id::SiteId;
use crate::store::stats::{EscalationTiming, PeriodCounts};
use crate::store::timings::RankedDurations;
use crate::store::{Store, StoreError};

pub use clusters::Cluster;

/// Median and 90th percentile of a set of durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    /// `true` when the median and p90 were read from the timing histograms (periods of 7
    /// whole UTC days or more): within 0.5 s or 5 % of the exact value, whichever is
    /// larger. `false`: ranked exactly. Counts are always exact.
    pub approximate: bool,
}

impl Percentiles {
    pub fn of(mut millis: Vec<i64>) -> Percentiles {
        millis.sort_unstable();
        let rank = |p: f64| {
            let n = millis.len();
            (n > 0)
                .then(|| millis[((p * n as f64).ceil() as usize).clamp(1, n) - 1] as f64 / 1000.0)
        };
        Percentiles {
            count: millis.len(),
            median_seconds: rank(0.5),
            p90_seconds: rank(0.9),
            approximate: false,
        }
    }

    /// The percentiles the database ranked ([`Store::timing_figures`]).
    pub fn ranked(durations: RankedDurations) -> Percentiles {
        let seconds = |ms: Option<i64>| ms.map(|ms| ms as f64 / 1000.0);
        Percentiles {
            count: durations.count,
            median_seconds: seconds(durations.median_ms),
            p90_seconds: seconds(durations.p90_ms),
            approximate: durations.approximate,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentCount {
    pub intent: String,
    pub count: i64,
}

/// Every figure for a set of sites over one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from_ms: i64,
    pub to_ms: i64,
    pub counts: PeriodCounts,
    /// `None` when there were no conversations.
    pub deflection_rate: Option<f64>,
    pub time_to_claim: Percentiles,
    pub time_to_resolve: Percentiles,
    pub sla_breaches: i64,
    /// Waiting for an owner now (not limited to the period).
    pub unclaimed_now: i64,
    pub top_intents: Vec<IntentCount>,
    pub top_unanswered: Vec<Cluster>,
}

/// The counted figures of a period (no rankings): what day-over-day comparisons need.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub counts: PeriodCounts,
    pub deflection_rate: Option<f64>,
    pub time_to_claim: Percentiles,
    pub time_to_resolve: Percentiles,
    pub sla_breaches: i64,
}

/// Counts, timings and SLA breaches for `sites` over `[from_ms, to_ms)`.
pub async fn summary(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    to_ms: i64,
    sla: &SlaSettings,
    now_ms: i64,
) -> Result<Summary, StoreError> {
    let mut counts = PeriodCounts::default();
    for site in sites {
        counts += store.period_counts(site, from_ms, to_ms).await?;
    }
    let (time_to_claim, time_to_resolve, sla_breaches) = if store.reads_raw_rows() {
        timings_from_raw_rows(store, sites, from_ms, to_ms, sla, now_ms).await?
    } else {
        let figures = store
            .timing_figures(sites, from_ms, to_ms, sla, now_ms)
            .await?;
        (
            Percentiles::ranked(figures.claim),
            Percentiles::ranked(figures.resolve),
            figures.sla_breaches,
        )
    };
    Ok(Summary {
        deflection_rate: (counts.conversations > 0)
            .then(|| counts.deflected as f64 / counts.conversations as f64),
        counts,
        time_to_claim,
        time_to_resolve,
        sla_breaches,
    })
}

/// Time to claim, time to resolve and SLA breaches from every escalation of the period,
/// read row by row (what reports did before the database worked them out; the stats
/// bench and [`Store::reading_raw_rows`] compare the two).
async fn timings_from_raw_rows(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    to_ms: i64,
    sla: &SlaSettings,
    now_ms: i64,
) -> Result<(Percentiles, Percentiles, i64), StoreError> {
    let mut timings: Vec<EscalationTiming> = Vec::new();
    for site in sites {
        timings.extend(store.escalation_timings(site, from_ms, to_ms).await?);
    }
    let claim = timings
        .iter()
        .filter_map(|t| t.claimed_at_ms.map(|c| c - t.created_at_ms))
        .collect();
    let resolve = timings
        .iter()
        .filter_map(|t| t.resolved_at_ms.map(|r| r - t.created_at_ms))
        .collect();
    Ok((
        Percentiles::of(claim),
        Percentiles::of(resolve),
        timings.iter().filter(|t| breached(t, sla, now_ms)).count() as i64,
    ))
}

/// How many top intents and knowledge gaps a report lists by default.
pub const TOP: usize = 5;

/// Builds the report for `sites` over `[from_ms, to_ms)`, judging SLAs at `now_ms`, with
/// the [`TOP`] intents and knowledge gaps.
pub async fn report(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    to_ms: i64,
    sla: &SlaSettings,
    now_ms: i64,
) -> Result<Report, StoreError> {
    report_with_top(store, sites, from_ms, to_ms, sla, now_ms, TOP).await
}

/// [`report`] listing up to `top` intents and knowledge gaps (the dashboard shows five
/// and folds the rest under "show more").
pub async fn report_with_top(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    to_ms: i64,
    sla: &SlaSettings,
    now_ms: i64,
    top: usize,
) -> Result<Report, StoreError> {
    let summary = summary(store, sites, from_ms, to_ms, sla, now_ms).await?;
    let mut intents: HashMap<String, i64> = HashMap::new();
    let mut unclaimed_now = 0;
    for site in sites {
        for (intent, n) in store.top_intents(site, from_ms, to_ms, 50).await? {
            *intents.entry(intent).or_default() += n;
        }
        unclaimed_now += store.unclaimed_now(site).await?;
    }
    let top_unanswered = gaps::top_unanswered(store, sites, from_ms, to_ms, top).await?;
    let mut top_intents: Vec<IntentCount> = intents
        .into_iter()
        .map(|(intent, count)| IntentCount { intent, count })
        .collect();
    top_intents.sort_by(|a, b| b.count.cmp(&a.count).then(a.intent.cmp(&b.intent)));
    top_intents.truncate(top);
    Ok(Report {
        from_ms,
        to_ms,
        counts: summary.counts,
        deflection_rate: summary.deflection_rate,
        time_to_claim: summary.time_to_claim,
        time_to_resolve: summary.time_to_resolve,
        sla_breaches: summary.sla_breaches,
        unclaimed_now,
        top_intents,
        top_unanswered,
    })
}

/// Whether an escalation waited longer than its priority's SLA for an owner.
pub fn breached(timing: &EscalationTiming, sla: &SlaSettings, now_ms: i64) -> bool {
    let limit = sla.for_priority(timing.priority).as_millis() as i64;
    let picked_up = timing
        .claimed_at_ms
        .or(timing.resolved_at_ms)
        .unwrap_or(now_ms);
    picked_up - timing.created_at_ms > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let p = Percentiles::of(vec![10_000, 1_000, 4_000, 2_000, 3_000]);
        assert_eq!(p.median_seconds, Some(3.0));
        assert_eq!(p.p90_seconds, Some(10.0));
        assert_eq!(Percentiles::of(vec![]).median_seconds, None);
    }
}
