//! Agent actions from chat buttons. The core applies them
//! ([`frontline_shared::agent_action`]) exactly as it does for the dashboard and the admin
//! API; this module only turns the outcome into what the clicking agent sees, and counts
//! claims.
//!
//! A won action shows nothing here: its `escalation_updated` outbox row refreshes the
//! alert through the delivery worker. A refused one gets a private message in the core's
//! wording, agents written as handles (`Already claimed by @ana.`).

use frontline_shared::agent_action::{self, ChatEvent, Outcome, Refusal, Reply};
use frontline_shared::audit::Actor;
use frontline_shared::config::ChatPlatform;
use frontline_shared::store::{Store, StoreError};

pub use frontline_shared::agent_action::AgentAction;

use crate::metrics::Metrics;

/// The chat user `user_id`, shown as `agent`, as the audit log records them (unlinked:
/// chat identities are not mapped to accounts yet).
pub fn chat_actor(platform: ChatPlatform, agent: &str, user_id: &str) -> Actor {
    Actor::unlinked(agent, platform.into(), Some(user_id.to_string()))
}

/// Applies button `action` by `agent` (chat user `user_id`) to escalation
/// `escalation_id`, clicked on `platform`; returns the private message for the agent, if
/// there is one to show.
pub async fn click(
    store: &Store,
    metrics: &Metrics,
    platform: ChatPlatform,
    action: AgentAction,
    escalation_id: &str,
    (agent, user_id): (&str, &str),
) -> Result<Option<String>, StoreError> {
    let actor = chat_actor(platform, agent, user_id);
    let refusal = match agent_action::apply(store, &action, escalation_id, &actor).await? {
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

/// Relays what `agent` wrote in an alert's thread (Slack thread reply, Discord thread
/// message or reply to the alert) to the customer of `escalation_id`. `chat_event` keys
/// it, so a platform's retry or replay is relayed once; a refusal (e.g. resolved) is
/// logged, not shown: nobody clicked anything.
pub async fn thread_reply(
    store: &Store,
    escalation_id: &str,
    (agent, user_id): (&str, &str),
    text: String,
    chat_event: ChatEvent,
) -> Result<(), StoreError> {
    let event = chat_event.id.clone();
    let actor = chat_actor(chat_event.platform, agent, user_id);
    let action = AgentAction::Reply(Reply {
        text,
        chat_event: Some(chat_event),
        saved_reply: None,
    });
    match agent_action::apply(store, &action, escalation_id, &actor).await? {
        Outcome::Applied(_) => {
            tracing::info!(escalation = %escalation_id, %event, "thread reply relayed");
        }
        Outcome::AlreadyApplied(_) => {
            tracing::debug!(%event, "thread reply already relayed (a retry or replay)");
        }
        Outcome::Refused(refusal) => {
            tracing::info!(escalation = %escalation_id, %refusal, "thread reply not relayed");
        }
    }
    Ok(())
}
