//! Satisfaction figures (CSAT) of a period, over the escalations resolved in it.

use serde::Serialize;

use crate::site_id::SiteId;
use crate::store::csat::ResolvedRating;
use crate::store::{Store, StoreError};

/// How many lowest-rated comments a report lists.
pub const LOWEST: usize = 5;

/// CSAT figures for a set of resolved escalations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsatFigures {
    /// Escalations resolved in the period.
    pub resolved: i64,
    /// Of them, rated.
    pub ratings: i64,
    /// Ratings of 4 or 5, in percent of all ratings; `None` without ratings.
    pub csat_percent: Option<f64>,
    /// The mean rating; `None` without ratings.
    pub average: Option<f64>,
    /// Rated of resolved, in percent; `None` when nothing was resolved.
    pub response_rate_percent: Option<f64>,
    /// Rated escalations with a comment, lowest rating first (up to [`LOWEST`]).
    pub lowest: Vec<RatedComment>,
    /// The same figures per agent who resolved, by name.
    pub by_agent: Vec<AgentCsat>,
    /// The same figures per site.
    pub by_site: Vec<SiteCsat>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatedComment {
    pub rating: i64,
    pub comment: String,
    pub agent: Option<String>,
    pub site_id: SiteId,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentCsat {
    pub agent: String,
    pub resolved: i64,
    pub ratings: i64,
    pub csat_percent: Option<f64>,
    pub average: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteCsat {
    pub site_id: SiteId,
    pub resolved: i64,
    pub ratings: i64,
    pub csat_percent: Option<f64>,
    pub average: Option<f64>,
}

/// `(resolved, ratings, csat %, average)` of `rows`.
fn tally<'a>(
    rows: impl Iterator<Item = &'a ResolvedRating>,
) -> (i64, i64, Option<f64>, Option<f64>) {
    let (mut resolved, mut ratings, mut happy, mut sum) = (0i64, 0i64, 0i64, 0i64);
    for row in rows {
        resolved += 1;
        if let Some(rating) = row.rating {
            ratings += 1;
            sum += rating;
            if rating >= 4 {
                happy += 1;
            }
        }
    }
    let per_rating = |n: i64| (ratings > 0).then(|| n as f64 / ratings as f64);
    (
        resolved,
        ratings,
        per_rating(happy).map(|r| r * 100.0),
        per_rating(sum),
    )
}

/// The figures of `rows` (see [`figures`]).
pub fn of(rows: &[ResolvedRating]) -> CsatFigures {
    let (resolved, ratings, csat_percent, average) = tally(rows.iter());
    let mut lowest: Vec<RatedComment> = rows
        .iter()
        .filter_map(|r| {
            let comment = r.comment.clone().filter(|c| !c.trim().is_empty())?;
            Some(RatedComment {
                rating: r.rating?,
                comment,
                agent: r.agent.clone(),
                site_id: r.site_id.clone(),
            })
        })
        .collect();
    lowest.sort_by_key(|c| c.rating);
    lowest.truncate(LOWEST);
    let mut agents: Vec<String> = rows.iter().filter_map(|r| r.agent.clone()).collect();
    agents.sort();
    agents.dedup();
    let by_agent = agents
        .into_iter()
        .map(|agent| {
            let (resolved, ratings, csat_percent, average) = tally(
                rows.iter()
                    .filter(|r| r.agent.as_deref() == Some(agent.as_str())),
            );
            AgentCsat {
                agent,
                resolved,
                ratings,
                csat_percent,
                average,
            }
        })
        .collect();
    let mut sites: Vec<SiteId> = rows.iter().map(|r| r.site_id.clone()).collect();
    sites.sort();
    sites.dedup();
    let by_site = sites
        .into_iter()
        .map(|site_id| {
            let (resolved, ratings, csat_percent, average) =
                tally(rows.iter().filter(|r| r.site_id == site_id));
            SiteCsat {
                site_id,
                resolved,
                ratings,
                csat_percent,
                average,
            }
        })
        .collect();
    CsatFigures {
        resolved,
        ratings,
        csat_percent,
        average,
        response_rate_percent: (resolved > 0).then(|| ratings as f64 * 100.0 / resolved as f64),
        lowest,
        by_agent,
        by_site,
    }
}

/// CSAT of the escalations of `sites` resolved in `[from_ms, to_ms)`.
pub async fn figures(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    to_ms: i64,
) -> Result<CsatFigures, StoreError> {
    let mut rows = Vec::new();
    for site in sites {
        rows.extend(store.resolved_ratings(site, from_ms, to_ms).await?);
    }
    Ok(of(&rows))
}
