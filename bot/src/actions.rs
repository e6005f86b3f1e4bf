//! Agent actions from chat buttons. The core applies them
//! ([`frontline_shared::agent_action`]) exactly as it does for the dashboard and the admin
//! API; this module only turns the outcome into what the clicking agent sees, and counts
//! claims.
//!
//! A won action shows nothing here: its `escalation_updated` outbox row refreshes the
//! alert through the delivery worker. A refused one gets a private message in the core's
//! wording, agents written as handles (`Already claimed by @ana.`).

use frontline_shared::agent_action::{self, Outcome, Refusal};
use frontline_shared::config::ChatPlatform;
use frontline_shared::store::{Store, StoreError};

pub use frontline_shared::agent_action::AgentAction;

use crate::metrics::Metrics;

/// Applies button `action` by `agent` to escalation `escalation_id`, clicked on
/// `platform`; returns the private message for the agent, if there is one to show.
pub async fn click(
    store: &Store,
    metrics: &Metrics,
    platform: ChatPlatform,
    action: AgentAction,
    escalation_id: &str,
    agent: &str,
) -> Result<Option<String>, StoreError> {
    let refusal = match agent_action::apply(store, &action, escalation_id, agent).await? {
        Outcome::Applied(_) | Outcome::AlreadyApplied(_) => None,
        Outcome::Refused(refusal) => Some(refusal),
    };
    if action == AgentAction::Claim {
        match &refusal {
            None => metrics.claim(platform.as_str(), "won"),
            Some(Refusal::NotFound) => {}
            Some(_) => metrics.claim(platform.as_str(), "refused"),
        }
    }
    Ok(refusal.map(|refusal| refusal.chat_sentence()))
}
