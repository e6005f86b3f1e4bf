//! Per-agent figures of a period (issue 21): for each person who claimed or resolved an
//! escalation, read from the audit log's claims and resolves:
//! - **claims**, **resolves**: actions recorded in the period;
//! - **time to claim** (**to resolve**): the action's time − the escalation's creation,
//!   median and p90 by nearest rank, as the team figures ([`super::Percentiles`]);
//! - **time to first reply**: for each escalation whose first reply to the customer (by
//!   anyone) was sent in the period, that reply's time − the escalation's creation,
//!   credited to whoever sent it (`first_replies` counts them);
//! - **reopen rate** over the distinct escalations they resolved in the period: those the
//!   customer reopened after their resolve (`reopened`), in percent (`reopen_percent`);
//! - **CSAT** over the distinct escalations they resolved in the period: ratings, share of
//!   4–5 ratings in percent, mean rating.
//!
//! A person is their account when they acted with one, else the name they acted under (an
//! unlinked chat user or token sign-in). An agent sees their own figures, an admin everyone's.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use super::Percentiles;
use crate::audit::AuditAction;
use crate::site_id::SiteId;
use crate::store::audit::HandledEscalation;
use crate::store::{Store, StoreError};

/// One person's figures over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentFigures {
    /// The account; `None` for an actor without one (recorded by name).
    pub agent_id: Option<String>,
    /// The name they last acted under in the period.
    pub agent: String,
    pub claims: usize,
    pub resolves: usize,
    pub time_to_claim: Percentiles,
    pub time_to_resolve: Percentiles,
    /// Escalations whose first reply they sent in the period.
    pub first_replies: usize,
    pub time_to_first_reply: Percentiles,
    /// Escalations they resolved in the period that were reopened after it.
    pub reopened: usize,
    /// `reopened` in percent of the distinct escalations they resolved; `None` without
    /// resolves.
    pub reopen_percent: Option<f64>,
    /// Ratings of the escalations they resolved in the period.
    pub ratings: usize,
    /// Ratings of 4 or 5, in percent of `ratings`; `None` without ratings.
    pub csat_percent: Option<f64>,
    /// Mean rating; `None` without ratings.
    pub average_rating: Option<f64>,
}

/// Figures of `[from_ms, until_ms)`: of account `agent_id` only when given, else of
/// everyone who acted; by name.
pub async fn figures(
    store: &Store,
    from_ms: i64,
    until_ms: i64,
    agent_id: Option<&str>,
) -> Result<Vec<AgentFigures>, StoreError> {
    let rows = store
        .handled_escalations(from_ms, until_ms, agent_id, None)
        .await?;
    Ok(tally(&rows))
}

/// How many agents the digest's team line names.
pub const TEAM_TOP: usize = 3;

/// The digest's team section for `sites` over `[from_ms, until_ms)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamFigures {
    /// Up to [`TEAM_TOP`] people who resolved the most escalations, most first (ties by
    /// name): `(name, resolves)`.
    pub top_resolvers: Vec<(String, usize)>,
    /// Time to first reply over every escalation whose first reply was sent in the period.
    pub first_reply: Percentiles,
}

impl TeamFigures {
    /// Whether anyone resolved or first-replied in the period.
    pub fn is_empty(&self) -> bool {
        self.top_resolvers.is_empty() && self.first_reply.count == 0
    }
}

/// [`TeamFigures`] of escalations of `sites`.
pub async fn team(
    store: &Store,
    sites: &[SiteId],
    from_ms: i64,
    until_ms: i64,
) -> Result<TeamFigures, StoreError> {
    let mut rows = Vec::new();
    for site in sites {
        rows.extend(
            store
                .handled_escalations(from_ms, until_ms, None, Some(site))
                .await?,
        );
    }
    rows.sort_by_key(|r| r.at_ms);
    Ok(team_of(&rows))
}

/// [`TeamFigures`] of `rows` (oldest first).
pub fn team_of(rows: &[HandledEscalation]) -> TeamFigures {
    let mut people = tally(rows);
    people.retain(|p| p.resolves > 0);
    people.sort_by(|a, b| {
        b.resolves
            .cmp(&a.resolves)
            .then_with(|| a.agent.cmp(&b.agent))
    });
    let first_replies = rows
        .iter()
        .filter(|r| r.action == AuditAction::Reply)
        .map(|r| (r.at_ms - r.created_at_ms).max(0))
        .collect();
    TeamFigures {
        top_resolvers: people
            .into_iter()
            .take(TEAM_TOP)
            .map(|p| (p.agent, p.resolves))
            .collect(),
        first_reply: Percentiles::of(first_replies),
    }
}

#[derive(Default)]
struct Tally {
    agent_id: Option<String>,
    agent: String,
    claims: Vec<i64>,
    resolves: Vec<i64>,
    first_replies: Vec<i64>,
    /// Rating (if any) by resolved escalation, each counted once.
    resolved: BTreeMap<String, Option<i64>>,
    /// Resolved escalations reopened after one of their resolves.
    reopened: BTreeSet<String>,
}

/// The figures of `rows` (oldest first), by person.
pub fn tally(rows: &[HandledEscalation]) -> Vec<AgentFigures> {
    let mut people: BTreeMap<String, Tally> = BTreeMap::new();
    for row in rows {
        let key = match &row.actor_id {
            Some(id) => format!("account:{id}"),
            None => format!("name:{}", row.actor),
        };
        let tally = people.entry(key).or_default();
        tally.agent_id.clone_from(&row.actor_id);
        tally.agent.clone_from(&row.actor);
        let waited = (row.at_ms - row.created_at_ms).max(0);
        match row.action {
            AuditAction::Resolve => {
                tally.resolves.push(waited);
                tally.resolved.insert(row.escalation_id.clone(), row.rating);
                if row.reopened {
                    tally.reopened.insert(row.escalation_id.clone());
                }
            }
            AuditAction::Reply => tally.first_replies.push(waited),
            _ => tally.claims.push(waited),
        }
    }
    let mut figures: Vec<AgentFigures> = people.into_values().map(finish).collect();
    figures.sort_by(|a, b| (&a.agent, &a.agent_id).cmp(&(&b.agent, &b.agent_id)));
    figures
}

fn finish(tally: Tally) -> AgentFigures {
    let ratings: Vec<i64> = tally.resolved.values().flatten().copied().collect();
    let count = ratings.len();
    let share = |n: usize| (count > 0).then(|| n as f64 / count as f64);
    let happy = ratings.iter().filter(|r| **r >= 4).count();
    let resolved = tally.resolved.len();
    let reopened = tally.reopened.len();
    AgentFigures {
        agent_id: tally.agent_id,
        agent: tally.agent,
        claims: tally.claims.len(),
        resolves: tally.resolves.len(),
        time_to_claim: Percentiles::of(tally.claims),
        time_to_resolve: Percentiles::of(tally.resolves),
        first_replies: tally.first_replies.len(),
        time_to_first_reply: Percentiles::of(tally.first_replies),
        reopened,
        reopen_percent: (resolved > 0).then(|| reopened as f64 * 100.0 / resolved as f64),
        ratings: count,
        csat_percent: share(happy).map(|s| s * 100.0),
        average_rating: (count > 0).then(|| ratings.iter().sum::<i64>() as f64 / count as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        actor: &str,
        id: Option<&str>,
        action: AuditAction,
        esc: &str,
        at: i64,
        rating: Option<i64>,
    ) -> HandledEscalation {
        HandledEscalation {
            actor: actor.into(),
            actor_id: id.map(String::from),
            action,
            escalation_id: esc.into(),
            at_ms: at,
            created_at_ms: 0,
            rating,
            reopened: false,
        }
    }

    #[test]
    fn each_person_gets_counts_medians_and_csat_of_what_they_resolved() {
        let rows = vec![
            row(
                "Ana",
                Some("agt_1"),
                AuditAction::Claim,
                "e1",
                60_000,
                Some(5),
            ),
            row(
                "Ana",
                Some("agt_1"),
                AuditAction::Claim,
                "e2",
                120_000,
                None,
            ),
            row(
                "Ana",
                Some("agt_1"),
                AuditAction::Claim,
                "e3",
                300_000,
                Some(2),
            ),
            row(
                "Ana",
                Some("agt_1"),
                AuditAction::Resolve,
                "e1",
                600_000,
                Some(5),
            ),
            row(
                "Ana",
                Some("agt_1"),
                AuditAction::Resolve,
                "e3",
                900_000,
                Some(2),
            ),
            row("bob", None, AuditAction::Resolve, "e2", 30_000, None),
        ];
        let figures = tally(&rows);
        assert_eq!(figures.len(), 2);
        let ana = &figures[0];
        assert_eq!(
            (ana.agent.as_str(), ana.claims, ana.resolves),
            ("Ana", 3, 2)
        );
        assert_eq!(ana.time_to_claim.median_seconds, Some(120.0));
        assert_eq!(ana.time_to_resolve.median_seconds, Some(600.0));
        assert_eq!(
            (ana.ratings, ana.csat_percent, ana.average_rating),
            (2, Some(50.0), Some(3.5))
        );
        let bob = &figures[1];
        assert_eq!(
            (
                bob.agent_id.as_deref(),
                bob.claims,
                bob.resolves,
                bob.ratings
            ),
            (None, 0, 1, 0)
        );
        assert_eq!(bob.csat_percent, None);
        assert_eq!((bob.reopened, bob.reopen_percent), (0, Some(0.0)));
    }

    #[test]
    fn first_replies_and_reopens_are_credited_and_the_team_ranks_by_resolves() {
        let mut reopened = row("Ana", None, AuditAction::Resolve, "e1", 600_000, None);
        reopened.reopened = true;
        let rows = vec![
            row("Ana", None, AuditAction::Reply, "e1", 120_000, None),
            row("bo", None, AuditAction::Reply, "e2", 60_000, None),
            row("bo", None, AuditAction::Reply, "e3", 240_000, None),
            reopened,
            row("Ana", None, AuditAction::Resolve, "e2", 700_000, None),
            row("bo", None, AuditAction::Resolve, "e3", 800_000, None),
            row("Cy", None, AuditAction::Claim, "e4", 10_000, None),
        ];
        let figures = tally(&rows);
        let ana = &figures[0];
        assert_eq!(
            (ana.first_replies, ana.time_to_first_reply.median_seconds),
            (1, Some(120.0))
        );
        assert_eq!((ana.reopened, ana.reopen_percent), (1, Some(50.0)));
        let team = team_of(&rows);
        assert_eq!(
            team.top_resolvers,
            vec![("Ana".to_string(), 2), ("bo".to_string(), 1)],
            "Cy resolved nothing"
        );
        // 60, 120, 240 s: nearest-rank median 120.
        assert_eq!(team.first_reply.median_seconds, Some(120.0));
    }
}
