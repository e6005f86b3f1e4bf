//! The daily digest's content: one local day's report, compared with the day before and
//! the average of the seven days before it, plus 14 days of volume for the chart.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::days::{self, DayPoint};
use super::{report, summary, Report, Summary};
use crate::config::SlaSettings;
use crate::site_id::SiteId;
use crate::store::{Store, StoreError};

/// The figures compared day over day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub conversations: f64,
    pub questions: f64,
    /// Percent, 0–100.
    pub deflection_rate: Option<f64>,
    pub helpful: f64,
    pub handoffs: f64,
    pub median_claim_seconds: Option<f64>,
    pub p90_claim_seconds: Option<f64>,
    pub median_resolve_seconds: Option<f64>,
    pub p90_resolve_seconds: Option<f64>,
    pub sla_breaches: f64,
}

impl Figures {
    pub fn of(report: &Report) -> Figures {
        Figures::of_summary(&Summary {
            counts: report.counts,
            deflection_rate: report.deflection_rate,
            time_to_claim: report.time_to_claim,
            time_to_resolve: report.time_to_resolve,
            sla_breaches: report.sla_breaches,
        })
    }

    pub fn of_summary(report: &Summary) -> Figures {
        Figures {
            conversations: report.counts.conversations as f64,
            questions: report.counts.questions as f64,
            deflection_rate: report.deflection_rate.map(|r| r * 100.0),
            helpful: report.counts.helpful as f64,
            handoffs: report.counts.handoffs as f64,
            median_claim_seconds: report.time_to_claim.median_seconds,
            p90_claim_seconds: report.time_to_claim.p90_seconds,
            median_resolve_seconds: report.time_to_resolve.median_seconds,
            p90_resolve_seconds: report.time_to_resolve.p90_seconds,
            sla_breaches: report.sla_breaches as f64,
        }
    }

    /// The mean of each figure over `days` (optional figures: over the days that have one).
    pub fn average(days: &[Figures]) -> Figures {
        let n = days.len().max(1) as f64;
        let mean = |f: fn(&Figures) -> f64| days.iter().map(f).sum::<f64>() / n;
        let mean_opt = |f: fn(&Figures) -> Option<f64>| {
            let present: Vec<f64> = days.iter().filter_map(f).collect();
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
        };
        Figures {
            conversations: mean(|d| d.conversations),
            questions: mean(|d| d.questions),
            deflection_rate: mean_opt(|d| d.deflection_rate),
            helpful: mean(|d| d.helpful),
            handoffs: mean(|d| d.handoffs),
            median_claim_seconds: mean_opt(|d| d.median_claim_seconds),
            p90_claim_seconds: mean_opt(|d| d.p90_claim_seconds),
            median_resolve_seconds: mean_opt(|d| d.median_resolve_seconds),
            p90_resolve_seconds: mean_opt(|d| d.p90_resolve_seconds),
            sla_breaches: mean(|d| d.sla_breaches),
        }
    }
}

/// Everything a digest message shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestData {
    /// The reported local day, `YYYY-MM-DD`.
    pub day: String,
    pub time_zone: String,
    pub sites: Vec<SiteId>,
    pub report: Report,
    pub today: Figures,
    pub previous_day: Figures,
    pub week_average: Figures,
    /// The 14 days ending with `day`, oldest first.
    pub series: Vec<DayPoint>,
    /// Satisfaction over the escalations resolved on `day`.
    pub csat: super::csat::CsatFigures,
    /// Who resolved most on `day`, and the team's time to first reply.
    pub team: super::agents::TeamFigures,
}

/// Builds the digest of `day` (a local date in `tz`), judging SLAs at `now_ms`.
pub async fn digest(
    store: &Store,
    sites: &[SiteId],
    tz: &TimeZone,
    time_zone_name: &str,
    day: Date,
    sla: &SlaSettings,
    now_ms: i64,
) -> Result<DigestData, StoreError> {
    let (from, to) = days::bounds(day, tz);
    let main = report(store, sites, from, to, sla, now_ms).await?;
    let mut previous = Vec::with_capacity(7);
    let mut date = day;
    for _ in 0..7 {
        date = date.yesterday().unwrap_or(date);
        let (from, to) = days::bounds(date, tz);
        previous.push(Figures::of_summary(
            &summary(store, sites, from, to, sla, now_ms).await?,
        ));
    }
    let first = day.checked_sub(jiff::Span::new().days(13)).unwrap_or(day);
    let series = days::series(store, sites, tz, first, day).await?;
    let csat = super::csat::figures(store, sites, from, to).await?;
    let team = super::agents::team(store, sites, from, to).await?;
    Ok(DigestData {
        day: day.to_string(),
        time_zone: time_zone_name.to_string(),
        sites: sites.to_vec(),
        today: Figures::of(&main),
        previous_day: previous.first().copied().unwrap_or_default(),
        week_average: Figures::average(&previous),
        report: main,
        series,
        csat,
        team,
    })
}
