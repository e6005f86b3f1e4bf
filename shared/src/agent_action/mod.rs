//! Agent actions: what a person does to an escalation, the same from every door.
//!
//! Slack and Discord buttons, Slack thread replies, Discord reply modals, the admin API and
//! the dashboard all turn their input into one [`AgentAction`] and hand it to [`apply`];
//! the store's conditional update decides, and the [`Outcome`] says what happened. A
//! refused action carries a [`Refusal`], whose texts are the only ones any surface shows.
//!
//! A won transition enqueues an `escalation_updated` outbox row (so chat alerts are
//! refreshed by the bot's delivery worker, whichever door the action came through) and a
//! `status` event for the customer's widget; a reply goes into the transcript, onto the
//! customer's live stream and into every chat thread of the escalation.
//!
//! Every action that takes effect is recorded in the audit log with its [`Actor`] (name,
//! account, door, IP or chat id), so each door is covered by this one place.
//!
//! # Adding an action
//! One variant of [`AgentAction`], one arm in [`apply`] (its refusals, if new, one
//! variant of [`Refusal`] with its text), and one test in
//! `tests/tests/suite/agent_actions.rs`. Each surface then only offers it: a button or a
//! form whose value [`AgentAction::parse`] reads.

mod refusal;

pub use refusal::Refusal;

use crate::audit::{Actor, AuditAction};
use crate::config::ChatPlatform;
use crate::escalation::Escalation;
use crate::store::escalations::{ReplyOrigin, Transition};
use crate::store::{Store, StoreError};

/// What an agent does to an escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAction {
    /// Takes it: `queued` → `claimed` by the agent; of two agents at once exactly one wins.
    Claim,
    /// Gives it back: `claimed` → `queued`; only its owner may.
    Release,
    /// Closes it: `queued` or `claimed` → `resolved`.
    Resolve,
    /// Says something to the customer (into the transcript, onto their live stream and
    /// into the escalation's chat threads).
    Reply(Reply),
}

/// An agent's message to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// Set when typed in a chat: the callback's event, so a redelivered callback applies once.
    pub chat_event: Option<ChatEvent>,
    /// The saved reply's name when `text` is one rendered for this customer
    /// ([`crate::saved_replies::send`]): the chat threads say who sent which saved reply.
    pub saved_reply: Option<String>,
}

/// A chat callback an action came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatEvent {
    pub platform: ChatPlatform,
    /// Unique per callback on that platform (e.g. `slack-event:Ev0123`).
    pub id: String,
}

impl AgentAction {
    /// The action a button or form names. Grammar: `claim` | `release` | `resolve`
    /// (a reply carries its text and is built as [`AgentAction::Reply`]).
    pub fn parse(name: &str) -> Option<AgentAction> {
        match name {
            "claim" => Some(AgentAction::Claim),
            "release" => Some(AgentAction::Release),
            "resolve" => Some(AgentAction::Resolve),
            _ => None,
        }
    }

    /// How the audit log names it.
    pub fn audit_action(&self) -> AuditAction {
        match self {
            AgentAction::Claim => AuditAction::Claim,
            AgentAction::Release => AuditAction::Release,
            AgentAction::Resolve => AuditAction::Resolve,
            AgentAction::Reply(_) => AuditAction::Reply,
        }
    }

    /// The action's name (a button's `action_id`, a form's value, a log field).
    pub fn as_str(&self) -> &'static str {
        match self {
            AgentAction::Claim => "claim",
            AgentAction::Release => "release",
            AgentAction::Resolve => "resolve",
            AgentAction::Reply(_) => "reply",
        }
    }
}

/// What came of an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It took effect; the escalation as it is now.
    Applied(Box<Escalation>),
    /// A chat callback delivered again: it took effect the first time.
    AlreadyApplied(Box<Escalation>),
    /// Not allowed now; the refusal says why, in the words every surface shows.
    Refused(Refusal),
}

/// Applies `action` by `actor` to escalation `escalation_id`; an action that takes effect
/// is recorded in the audit log.
pub async fn apply(
    store: &Store,
    action: &AgentAction,
    escalation_id: &str,
    actor: &Actor,
) -> Result<Outcome, StoreError> {
    let outcome = decide(store, action, escalation_id, &actor.name).await?;
    if let Outcome::Applied(_) = outcome {
        // After the transition, not inside it: a failed append is logged loudly rather
        // than turned into an error for an action that did take effect.
        if let Err(error) = store
            .append_audit(actor, action.audit_action(), Some(escalation_id))
            .await
        {
            tracing::error!(%error, escalation = %escalation_id, action = action.as_str(), "audit row not recorded");
        }
    }
    Ok(outcome)
}

async fn decide(
    store: &Store,
    action: &AgentAction,
    escalation_id: &str,
    agent: &str,
) -> Result<Outcome, StoreError> {
    let transition = match action {
        AgentAction::Claim => store.claim(escalation_id, agent).await?,
        AgentAction::Release => store.release(escalation_id, agent).await?,
        AgentAction::Resolve => store.resolve(escalation_id, agent).await?,
        AgentAction::Reply(reply) => return send_reply(store, reply, escalation_id, agent).await,
    };
    Ok(match transition {
        Transition::Applied(escalation) => {
            tracing::info!(escalation = %escalation_id, action = action.as_str(), agent, "agent action applied");
            Outcome::Applied(Box::new(escalation))
        }
        Transition::Refused(escalation) => {
            Outcome::Refused(Refusal::of(action, &escalation, agent))
        }
        Transition::NotFound => Outcome::Refused(Refusal::NotFound),
    })
}

async fn send_reply(
    store: &Store,
    reply: &Reply,
    escalation_id: &str,
    agent: &str,
) -> Result<Outcome, StoreError> {
    let Some(escalation) = store.escalation(escalation_id).await? else {
        return Ok(Outcome::Refused(Refusal::NotFound));
    };
    let origin = match &reply.chat_event {
        Some(event) => ReplyOrigin::Chat {
            platform: event.platform,
            event: &event.id,
        },
        None => ReplyOrigin::Web,
    };
    let fresh = store
        .append_agent_message_as(
            escalation_id,
            agent,
            &reply.text,
            origin,
            reply.saved_reply.as_deref(),
        )
        .await?;
    if !fresh {
        return Ok(Outcome::AlreadyApplied(Box::new(escalation)));
    }
    tracing::info!(escalation = %escalation_id, agent, origin = origin.origin().as_str(), saved_reply = reply.saved_reply.as_deref(), "agent reply relayed to the customer");
    Ok(Outcome::Applied(Box::new(escalation)))
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
        assert_eq!(AgentAction::parse("reply"), None, "a reply needs its text");
        assert_eq!(AgentAction::parse(""), None);
    }
}
