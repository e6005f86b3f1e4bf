//! The overview's satisfaction section: the period's CSAT figures
//! ([`frontline_shared::stats::csat`], the same as `/api/v1/admin/stats`) shaped for the
//! template, overall, per site (by display name) and per agent, with the lowest-rated
//! comments. Figures without ratings show "–".

use frontline_shared::stats::csat::CsatFigures;
use serde::Serialize;

use crate::sites::Sites;

#[derive(Debug, Serialize)]
pub struct SatisfactionView {
    /// "87.5%": ratings of 4 or 5 of all ratings.
    pub csat: String,
    /// "4.2" of 5.
    pub average: String,
    /// "40.0%": rated of resolved.
    pub response_rate: String,
    pub ratings: i64,
    pub resolved: i64,
    pub by_site: Vec<Row>,
    pub by_agent: Vec<Row>,
    pub lowest: Vec<Comment>,
}

/// One site's or agent's figures.
#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub resolved: i64,
    pub ratings: i64,
    pub csat: String,
    pub average: String,
}

#[derive(Debug, Serialize)]
pub struct Comment {
    pub rating: i64,
    pub comment: String,
    pub agent: String,
    pub site: String,
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.1}%"))
}

fn average(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.1}"))
}

/// `figures` for the overview; site ids become their display names.
pub fn view(figures: &CsatFigures, sites: &Sites) -> SatisfactionView {
    let site_name = |id: &str| {
        sites
            .get(id)
            .map_or_else(|| id.to_string(), |s| s.settings.name.clone())
    };
    SatisfactionView {
        csat: percent(figures.csat_percent),
        average: average(figures.average),
        response_rate: percent(figures.response_rate_percent),
        ratings: figures.ratings,
        resolved: figures.resolved,
        by_site: figures
            .by_site
            .iter()
            .map(|s| Row {
                name: site_name(s.site_id.as_str()),
                resolved: s.resolved,
                ratings: s.ratings,
                csat: percent(s.csat_percent),
                average: average(s.average),
            })
            .collect(),
        by_agent: figures
            .by_agent
            .iter()
            .map(|a| Row {
                name: a.agent.clone(),
                resolved: a.resolved,
                ratings: a.ratings,
                csat: percent(a.csat_percent),
                average: average(a.average),
            })
            .collect(),
        lowest: figures
            .lowest
            .iter()
            .map(|c| Comment {
                rating: c.rating,
                comment: c.comment.clone(),
                agent: c.agent.clone().unwrap_or_else(|| "–".into()),
                site: site_name(c.site_id.as_str()),
            })
            .collect(),
    }
}
