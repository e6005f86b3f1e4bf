//! Per-agent figures of a period (issue 21): for each person who claimed or resolved an
//! escalation, read from the audit log's claims and resolves:
//! - **claims**, **resolves**: actions recorded in the period;
//! - **time to claim** (**to resolve**): the action's time − the escalation's creation,
//!   median and p90 by nearest rank, as the team figures ([`super::Percentiles`]);
//! - **CSAT** over the distinct escalations they resolved in the period: ratings, share of
//!   4–5 ratings in percent, mean rating.
//!
//! A person is their account when they acted with one, else the name they acted under (an
//! unlinked chat user or token sign-in). An agent sees their own figures, an admin everyone's.

use serde::Serialize;
use std::collections::BTreeMap;

use super::Percentiles;
use crate::audit::AuditAction;
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
        .handled_escalations(from_ms, until_ms, agent_id)
        .await?;
    Ok(tally(&rows))
}

#[derive(Default)]
struct Tally {
    agent_id: Option<String>,
    agent: String,
    claims: Vec<i64>,
    resolves: Vec<i64>,
    /// Rating (if any) by resolved escalation, each counted once.
    resolved: BTreeMap<String, Option<i64>>,
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
            }
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
    AgentFigures {
        agent_id: tally.agent_id,
        agent: tally.agent,
        claims: tally.claims.len(),
        resolves: tally.resolves.len(),
        time_to_claim: Percentiles::of(tally.claims),
        time_to_resolve: Percentiles::of(tally.resolves),
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
    }
}
