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
//! account, door, IP or chat id), in the transaction of the change it records (so a
//! change is never left without its row, nor a row without its change), and each door is
//! covered by this one place.
//!
//! # Adding an action
//! One variant of [`AgentAction`], one arm in [`apply`] (its refusals, if new, one
//! variant of [`Refusal`] with its text), and one test in
//! `tests/tests/suite/agent_actions.rs`. Each surface then only offers it: a button or a
//! form whose value [`AgentAction::parse`] reads.

mod assignment;
mod refusal;

pub use refusal::Refusal;

use crate::attachments::{message_line, Upload};
use crate::audit::{Actor, AuditAction};
use crate::config::ChatPlatform;
use crate::escalation::Escalation;
use crate::store::audit::AuditRecord;
use crate::store::escalations::{Owner, ReplyExtras, ReplyOrigin, Transition};
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
    /// Gives a queued escalation to the account `agent_id` (admins only): `queued` →
    /// `claimed` by them through the claim's own conditional update, so of an assignment
    /// and claims racing for it exactly one wins.
    Assign { agent_id: String },
    /// Gives a claimed escalation to another account `agent_id` (admins only): `claimed`
    /// by someone → `claimed` by them, conditional on the owner seen.
    Reassign { agent_id: String },
    /// Takes a claimed escalation from its owner (admins only): `claimed` by someone
    /// else → `claimed` by the actor, conditional on the owner seen.
    TakeOver,
}

/// An agent's message to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What the agent wrote (may be empty when `files` are sent alone).
    pub text: String,
    /// Files sent with it, checked by [`Upload::check`] at the door they came through
    /// (dashboard, admin API, a chat thread's shared files): stored with the line, shown in
    /// the customer's widget, named in the chat threads and mailed with the reply.
    pub files: Vec<Upload>,
    /// Set when typed in a chat: the callback's event, so a redelivered callback applies once.
    pub chat_event: Option<ChatEvent>,
    /// The saved reply's name when `text` is one rendered for this customer
    /// ([`crate::saved_replies::send`]): the chat threads say who sent which saved reply.
    pub saved_reply: Option<String>,
}

impl Reply {
    /// A reply of `text` alone (no files), as most doors send.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            text: text.into(),
            files: Vec::new(),
            chat_event: None,
            saved_reply: None,
        }
    }

    /// The transcript line: the text, then `📎` and the files' names when there are any
    /// ([`message_line`]).
    pub fn line(&self) -> String {
        if self.files.is_empty() {
            self.text.clone()
        } else {
            message_line(Some(&self.text), &self.files)
        }
    }
}

/// A chat callback an action came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatEvent {
    pub platform: ChatPlatform,
    /// Unique per callback on that platform (e.g. `slack-event:Ev0123`).
    pub id: String,
}

impl AgentAction {
    /// The action a button or form names. Grammar: `claim` | `release` | `resolve` |
    /// `take_over` (a reply carries its text and an assignment its agent: they are built
    /// as [`AgentAction::Reply`], [`AgentAction::Assign`] and [`AgentAction::Reassign`]).
    pub fn parse(name: &str) -> Option<AgentAction> {
        match name {
            "claim" => Some(AgentAction::Claim),
            "release" => Some(AgentAction::Release),
            "resolve" => Some(AgentAction::Resolve),
            "take_over" => Some(AgentAction::TakeOver),
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
            AgentAction::Assign { .. } => AuditAction::Assign,
            AgentAction::Reassign { .. } => AuditAction::Reassign,
            AgentAction::TakeOver => AuditAction::TakeOver,
        }
    }

    /// The action's name (a button's `action_id`, a form's value, a log field).
    pub fn as_str(&self) -> &'static str {
        match self {
            AgentAction::Claim => "claim",
            AgentAction::Release => "release",
            AgentAction::Resolve => "resolve",
            AgentAction::Reply(_) => "reply",
            AgentAction::Assign { .. } => "assign",
            AgentAction::Reassign { .. } => "reassign",
            AgentAction::TakeOver => "take_over",
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
/// is recorded in the audit log, in its own transaction.
pub async fn apply(
    store: &Store,
    action: &AgentAction,
    escalation_id: &str,
    actor: &Actor,
) -> Result<Outcome, StoreError> {
    let agent = actor.name.as_str();
    let audit = AuditRecord {
        actor,
        action: action.audit_action(),
    };
    let attempt = match action {
        AgentAction::Claim => {
            let me = Owner {
                name: agent,
                agent_id: actor.agent_id.as_deref(),
            };
            Ok(store.claim_for(escalation_id, me, Some(audit)).await?)
        }
        AgentAction::Release => Ok(store
            .release_recorded(escalation_id, agent, Some(audit))
            .await?),
        AgentAction::Resolve => Ok(store
            .resolve_recorded(escalation_id, agent, Some(audit))
            .await?),
        AgentAction::Reply(reply) => return send_reply(store, reply, escalation_id, audit).await,
        AgentAction::Assign { agent_id } => {
            assignment::assign(store, agent_id, escalation_id, audit).await?
        }
        AgentAction::Reassign { agent_id } => {
            assignment::reassign(store, agent_id, escalation_id, audit).await?
        }
        AgentAction::TakeOver => assignment::take_over(store, escalation_id, audit).await?,
    };
    Ok(match attempt {
        Ok(Transition::Applied(escalation)) => {
            tracing::info!(escalation = %escalation_id, action = action.as_str(), agent, owner = escalation.claimed_by.as_deref(), "agent action applied");
            Outcome::Applied(Box::new(escalation))
        }
        Ok(Transition::Refused(escalation)) => {
            Outcome::Refused(Refusal::of(action, &escalation, agent))
        }
        Ok(Transition::NotFound) => Outcome::Refused(Refusal::NotFound),
        Err(refusal) => Outcome::Refused(refusal),
    })
}

async fn send_reply(
    store: &Store,
    reply: &Reply,
    escalation_id: &str,
    audit: AuditRecord<'_>,
) -> Result<Outcome, StoreError> {
    let agent = audit.actor.name.as_str();
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
            &reply.line(),
            origin,
            ReplyExtras {
                saved_reply: reply.saved_reply.as_deref(),
                files: &reply.files,
                audit: Some(audit),
            },
        )
        .await?;
    if !fresh {
        return Ok(Outcome::AlreadyApplied(Box::new(escalation)));
    }
    tracing::info!(escalation = %escalation_id, agent, origin = origin.origin().as_str(), saved_reply = reply.saved_reply.as_deref(), files = reply.files.len(), "agent reply relayed to the customer");
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
            AgentAction::TakeOver,
        ] {
            assert_eq!(AgentAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(
            AgentAction::parse("assign"),
            None,
            "an assignment needs its agent"
        );
        assert_eq!(
            AgentAction::parse("reassign"),
            None,
            "so does a reassignment"
        );
        assert_eq!(AgentAction::parse("Claim"), None);
        assert_eq!(AgentAction::parse("reply"), None, "a reply needs its text");
        assert_eq!(AgentAction::parse(""), None);
    }
}
