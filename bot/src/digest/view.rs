//! What a digest says, before any markup: the values `digest.slack.hbs` and
//! `digest.discord.hbs` render.
//!
//! Template data: `day`, `time_zone`, `sites` (display names, joined), `late`,
//! `on_demand`, `figures[].{label, value, vs_previous, vs_week}` (pre-formatted),
//! `unclaimed_now`, `top_intents[].{intent, count}`, `top_unanswered[].{example, count}`,
//! and the raw numbers as `today`, `previous_day`, `week_average` (see
//! `frontline_shared::stats::digest::Figures`), `planning[]` per site (`site`, its
//! display name, `site_id`, `tomorrow`, `yesterday`, `rota_warning`, `confidence_note`;
//! see `frontline_shared::planning::DigestLines`), `csat` and `team` (pre-formatted lines,
//! absent when there is nothing to say). Text from customers (the unanswered
//! examples) is escaped by the registry like any other value.

use frontline_shared::planning::DigestLines;
use frontline_shared::stats::agents::TeamFigures;
use frontline_shared::stats::csat::CsatFigures;
use frontline_shared::stats::digest::{DigestData, Figures};
use frontline_shared::store::digests::DigestJob;
use serde::Serialize;

use crate::view::{humanize_ms, one_line, SiteNames};

/// Rows shown in the top-intents and top-unanswered lists.
const TOP_ROWS: usize = 5;
/// Longest unanswered example shown, in characters.
const EXAMPLE_CHARS: usize = 140;
/// Longest agent name in the team line, in characters.
const NAME_CHARS: usize = 40;

#[derive(Debug, Clone, Serialize)]
pub struct DigestView {
    pub day: String,
    pub time_zone: String,
    pub sites: String,
    pub late: bool,
    pub on_demand: bool,
    pub figures: Vec<FigureLine>,
    pub unclaimed_now: i64,
    pub top_intents: Vec<RankedLine>,
    pub top_unanswered: Vec<RankedLine>,
    pub today: Figures,
    pub previous_day: Figures,
    pub week_average: Figures,
    /// Forecast lines per site: tomorrow, yesterday against its forecast, rota warnings.
    pub planning: Vec<PlanningView>,
    /// "100 % satisfied · 4.5 average · 2 of 3 rated", when anything was resolved.
    pub csat: Option<String>,
    /// "Ana 3 resolved, bo 1 resolved · median first reply 2m 00s", when anyone resolved
    /// or sent a first reply.
    pub team: Option<String>,
}

/// The digest's team line: the top resolvers and the median time to first reply, when
/// anyone resolved or sent a first reply that day.
pub fn team_line(team: &TeamFigures) -> Option<String> {
    if team.is_empty() {
        return None;
    }
    let resolvers = if team.top_resolvers.is_empty() {
        "nobody resolved".to_string()
    } else {
        team.top_resolvers
            .iter()
            .map(|(name, n)| format!("{} {n} resolved", one_line(name, NAME_CHARS)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first_reply = match team.first_reply.median_seconds {
        Some(seconds) => format!(
            "median first reply {}",
            humanize_ms((seconds * 1000.0).round() as i64)
        ),
        None => "no first replies".to_string(),
    };
    Some(format!("{resolvers} · {first_reply}"))
}

/// One site's planning lines as the digest shows them: every field of [`DigestLines`]
/// (its `site_id` among them) and the site's display name as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanningView {
    pub site: String,
    #[serde(flatten)]
    pub lines: DigestLines,
}

/// The digest's satisfaction line, when anything was resolved that day.
pub fn csat_line(csat: &CsatFigures) -> Option<String> {
    if csat.resolved == 0 {
        return None;
    }
    let rated = format!("{} of {} rated", csat.ratings, csat.resolved);
    Some(match (csat.csat_percent, csat.average) {
        (Some(percent), Some(average)) => {
            format!("{percent:.0} % satisfied · {average:.1} average · {rated}")
        }
        _ => format!("no ratings yet ({rated})"),
    })
}

/// One figure with its two comparisons, ready to print.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FigureLine {
    pub label: &'static str,
    pub value: String,
    pub vs_previous: String,
    pub vs_week: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankedLine {
    pub text: String,
    pub count: i64,
}

/// How one figure is read and printed.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Count,
    Percent,
    Seconds,
}

type Getter = fn(&Figures) -> Option<f64>;

const ROWS: &[(&str, Kind, Getter)] = &[
    ("Conversations", Kind::Count, |f| Some(f.conversations)),
    ("Questions asked", Kind::Count, |f| Some(f.questions)),
    ("Deflection rate", Kind::Percent, |f| f.deflection_rate),
    ("Marked helpful", Kind::Count, |f| Some(f.helpful)),
    ("Handoffs", Kind::Count, |f| Some(f.handoffs)),
    ("Time to claim (median)", Kind::Seconds, |f| {
        f.median_claim_seconds
    }),
    ("Time to claim (p90)", Kind::Seconds, |f| {
        f.p90_claim_seconds
    }),
    ("Time to resolve (median)", Kind::Seconds, |f| {
        f.median_resolve_seconds
    }),
    ("Time to resolve (p90)", Kind::Seconds, |f| {
        f.p90_resolve_seconds
    }),
    ("SLA breaches", Kind::Count, |f| Some(f.sla_breaches)),
];

impl DigestView {
    /// This view with the customers' unanswered examples masked by `redactor`.
    pub fn masked(&self, redactor: &frontline_shared::privacy::Redactor) -> DigestView {
        let mut view = self.clone();
        for line in &mut view.top_unanswered {
            line.text = redactor.mask_owned(&line.text);
        }
        view
    }

    pub fn new(
        data: &DigestData,
        job: &DigestJob,
        sites: &SiteNames,
        planning: Vec<DigestLines>,
    ) -> DigestView {
        let figures = ROWS
            .iter()
            .map(|(label, kind, get)| FigureLine {
                label,
                value: value(*kind, get(&data.today)),
                vs_previous: compare(*kind, get(&data.today), get(&data.previous_day)),
                vs_week: compare(*kind, get(&data.today), get(&data.week_average)),
            })
            .collect();
        let names: Vec<&str> = data.sites.iter().map(|id| sites.name(id)).collect();
        DigestView {
            day: data.day.clone(),
            time_zone: data.time_zone.clone(),
            sites: names.join(", "),
            late: job.late,
            on_demand: job.on_demand,
            figures,
            unclaimed_now: data.report.unclaimed_now,
            top_intents: data
                .report
                .top_intents
                .iter()
                .take(TOP_ROWS)
                .map(|i| RankedLine {
                    text: i.intent.clone(),
                    count: i.count,
                })
                .collect(),
            top_unanswered: data
                .report
                .top_unanswered
                .iter()
                .take(TOP_ROWS)
                .map(|c| RankedLine {
                    text: one_line(&c.example, EXAMPLE_CHARS),
                    count: i64::try_from(c.count).unwrap_or(i64::MAX),
                })
                .collect(),
            csat: csat_line(&data.csat),
            team: team_line(&data.team),
            today: data.today,
            previous_day: data.previous_day,
            week_average: data.week_average,
            planning: planning
                .into_iter()
                .map(|lines| PlanningView {
                    site: sites.name(&lines.site_id).to_string(),
                    lines,
                })
                .collect(),
        }
    }
}

fn value(kind: Kind, figure: Option<f64>) -> String {
    match (kind, figure) {
        (_, None) => "n/a".to_string(),
        (Kind::Count, Some(n)) => number(n),
        (Kind::Percent, Some(p)) => format!("{p:.1}%"),
        (Kind::Seconds, Some(s)) => humanize_ms((s * 1000.0).round() as i64),
    }
}

/// `+12`, `−3.5 pts`, `+1m 05s`, `same`, or `n/a` when either side is missing.
fn compare(kind: Kind, now: Option<f64>, then: Option<f64>) -> String {
    let (Some(now), Some(then)) = (now, then) else {
        return "n/a".to_string();
    };
    let delta = now - then;
    if delta.abs() < 0.05 {
        return "same".to_string();
    }
    let sign = if delta > 0.0 { "+" } else { "−" };
    let size = delta.abs();
    match kind {
        Kind::Count => format!("{sign}{}", number(size)),
        Kind::Percent => format!("{sign}{size:.1} pts"),
        Kind::Seconds => format!("{sign}{}", humanize_ms((size * 1000.0).round() as i64)),
    }
}

/// Whole numbers without decimals, averages with one.
fn number(n: f64) -> String {
    if (n - n.round()).abs() < 1e-9 {
        format!("{}", n.round() as i64)
    } else {
        format!("{n:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_read_as_signed_differences() {
        assert_eq!(compare(Kind::Count, Some(12.0), Some(10.0)), "+2");
        assert_eq!(compare(Kind::Count, Some(10.0), Some(12.5)), "−2.5");
        assert_eq!(compare(Kind::Percent, Some(60.0), Some(62.5)), "−2.5 pts");
        assert_eq!(compare(Kind::Seconds, Some(125.0), Some(60.0)), "+1m 05s");
        assert_eq!(compare(Kind::Count, Some(3.0), Some(3.0)), "same");
        assert_eq!(compare(Kind::Seconds, None, Some(3.0)), "n/a");
    }

    #[test]
    fn values_print_like_people_write_them() {
        assert_eq!(value(Kind::Count, Some(42.0)), "42");
        assert_eq!(value(Kind::Count, Some(4.25)), "4.2");
        assert_eq!(value(Kind::Percent, Some(62.54)), "62.5%");
        assert_eq!(value(Kind::Seconds, Some(185.0)), "3m 05s");
        assert_eq!(value(Kind::Seconds, None), "n/a");
    }
}
