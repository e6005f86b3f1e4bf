//! Agent actions, the same on every platform: the store's conditional update decides, the
//! platform only shows the result.
//!
//! A won transition enqueues an `escalation_updated` outbox row, so the alert is
//! refreshed by the delivery worker (one code path for chat clicks and the web queue); a
//! refused one gets a private explanation naming whoever holds it.

use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::store::escalations::Transition;
use frontline_shared::store::{Store, StoreError};

/// A button an agent pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentAction {
    Claim,
    Release,
    Resolve,
}

impl AgentAction {
    /// Grammar: `claim` | `release` | `resolve`.
    pub fn parse(text: &str) -> Option<AgentAction> {
        match text {
            "claim" => Some(AgentAction::Claim),
            "release" => Some(AgentAction::Release),
            "resolve" => Some(AgentAction::Resolve),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgentAction::Claim => "claim",
            AgentAction::Release => "release",
            AgentAction::Resolve => "resolve",
        }
    }
}

/// What happened, for the platform to show.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionOutcome {
    /// This agent's click won; the alert will be refreshed from the outbox.
    Applied(Box<Escalation>),
    /// Not allowed now; `message` (plain text) tells the agent why.
    Refused {
        message: String,
    },
    NotFound,
}

/// Applies `action` by `agent` to escalation `id`.
pub async fn apply(
    store: &Store,
    action: AgentAction,
    id: &str,
    agent: &str,
) -> Result<ActionOutcome, StoreError> {
    let transition = match action {
        AgentAction::Claim => store.claim(id, agent).await?,
        AgentAction::Release => store.release(id, agent).await?,
        AgentAction::Resolve => store.resolve(id, agent).await?,
    };
    Ok(match transition {
        Transition::Applied(escalation) => {
            tracing::info!(escalation = %id, action = action.as_str(), agent, "agent action applied");
            ActionOutcome::Applied(Box::new(escalation))
        }
        Transition::Refused(escalation) => ActionOutcome::Refused {
            message: refusal(action, &escalation, agent),
        },
        Transition::NotFound => ActionOutcome::NotFound,
    })
}

/// Why `action` was refused, in a sentence naming the current holder.
fn refusal(action: AgentAction, escalation: &Escalation, agent: &str) -> String {
    let owner = escalation.claimed_by.as_deref().unwrap_or("someone");
    let resolver = escalation.resolved_by.as_deref().unwrap_or("someone");
    match (action, escalation.status) {
        (_, EscalationStatus::Resolved) => format!("Already resolved by @{resolver}."),
        (AgentAction::Claim, EscalationStatus::Claimed) if owner == agent => {
            "You already claimed this escalation.".to_string()
        }
        (AgentAction::Claim, _) => format!("Already claimed by @{owner}."),
        (AgentAction::Release, EscalationStatus::Queued) => {
            "This escalation is not claimed.".to_string()
        }
        (AgentAction::Release, _) => format!("Only @{owner}, who claimed it, can release it."),
        (AgentAction::Resolve, _) => {
            format!("Cannot resolve: it is {}.", escalation.status.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_from_their_names_only() {
        for action in [
            AgentAction::Claim,
            AgentAction::Release,
            AgentAction::Resolve,
        ] {
            assert_eq!(AgentAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AgentAction::parse("Claim"), None);
    }
}
