//! Why an agent action was refused: one set of texts for every surface.
//!
//! Each refusal has one wording. Surfaces differ only in typography: the admin API's
//! error messages are lower-case clauses (`already claimed by Ana`), the dashboard shows
//! a sentence (`Already claimed by Ana.`), and chat writes agents as handles
//! (`Already claimed by @ana.`).

use std::fmt;

use super::AgentAction;
use crate::accounts::Role;
use crate::audit::{Actor, Source};
use crate::config::ChatPlatform;
use crate::escalation::{Escalation, EscalationStatus};

/// Why an action was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// There is no such escalation (a wrong id, or an alert whose escalation was erased).
    NotFound,
    /// Someone else claimed it first.
    AlreadyClaimed { owner: String },
    /// The agent claims what they already hold.
    AlreadyYours,
    /// A release of an escalation nobody holds.
    NotClaimed,
    /// A release by someone other than its owner.
    NotYours { owner: String },
    /// It is resolved; only a customer's new message reopens it.
    AlreadyResolved { by: String },
    /// An assignment or take-over by someone without the admin role.
    AdminsOnly,
    /// An assignment or take-over by a chat user linked to no account (acting by their
    /// chat name, with `[bot] allow_unlinked`): they have no role, so they may not; the
    /// words say how to fix it on `platform`.
    UnlinkedAdminsOnly { platform: ChatPlatform },
    /// An assignment to an account that does not exist or is disabled.
    UnknownAgent,
    /// An assignment to the agent who already owns it.
    AlreadyAssigned { owner: String },
    /// Anything else the escalation's state forbids (e.g. it changed a moment ago).
    NotPossible { status: EscalationStatus },
}

impl Refusal {
    /// Why `actor` may not assign, reassign or take over, if they may not: only admins
    /// may, and a chat user linked to no account is told to link first.
    pub fn assigning(actor: &Actor) -> Option<Refusal> {
        if actor.role == Role::Admin {
            return None;
        }
        Some(match (actor.agent_id.as_deref(), actor.source) {
            (None, Source::Slack) => Refusal::UnlinkedAdminsOnly {
                platform: ChatPlatform::Slack,
            },
            (None, Source::Discord) => Refusal::UnlinkedAdminsOnly {
                platform: ChatPlatform::Discord,
            },
            _ => Refusal::AdminsOnly,
        })
    }

    /// Why `action` by `agent` was refused, given the escalation as it is now.
    pub fn of(action: &AgentAction, escalation: &Escalation, agent: &str) -> Refusal {
        let owner = || escalation.claimed_by.clone().unwrap_or_else(someone);
        match (action, escalation.status) {
            (_, EscalationStatus::Resolved) => Refusal::AlreadyResolved {
                by: escalation.resolved_by.clone().unwrap_or_else(someone),
            },
            (AgentAction::Claim, EscalationStatus::Claimed)
                if escalation.claimed_by.as_deref() == Some(agent) =>
            {
                Refusal::AlreadyYours
            }
            (AgentAction::Claim, EscalationStatus::Claimed) => {
                Refusal::AlreadyClaimed { owner: owner() }
            }
            (
                AgentAction::Assign { agent_id } | AgentAction::Reassign { agent_id },
                EscalationStatus::Claimed,
            ) if escalation.claimed_by_agent_id.as_deref() == Some(agent_id.as_str()) => {
                Refusal::AlreadyAssigned { owner: owner() }
            }
            (AgentAction::TakeOver, EscalationStatus::Claimed)
                if escalation.claimed_by.as_deref() == Some(agent) =>
            {
                Refusal::AlreadyYours
            }
            (
                AgentAction::Assign { .. } | AgentAction::Reassign { .. } | AgentAction::TakeOver,
                EscalationStatus::Claimed,
            ) => Refusal::AlreadyClaimed { owner: owner() },
            (
                AgentAction::Release | AgentAction::Reassign { .. } | AgentAction::TakeOver,
                EscalationStatus::Queued,
            ) => Refusal::NotClaimed,
            (AgentAction::Release, EscalationStatus::Claimed) => {
                Refusal::NotYours { owner: owner() }
            }
            (_, status) => Refusal::NotPossible { status },
        }
    }

    /// As a sentence for people on the web: `Already claimed by Ana.`
    pub fn sentence(&self) -> String {
        sentence(&self.words(|name| name.to_string()))
    }

    /// As a sentence in chat, agents written as handles: `Already claimed by @ana.`
    pub fn chat_sentence(&self) -> String {
        sentence(&self.words(|name| format!("@{name}")))
    }

    /// The one wording of each refusal, agents' names written by `name`.
    fn words(&self, name: impl Fn(&str) -> String) -> String {
        match self {
            Refusal::NotFound => "no such escalation".to_string(),
            Refusal::AlreadyClaimed { owner } => format!("already claimed by {}", name(owner)),
            Refusal::AlreadyYours => "you already claimed this escalation".to_string(),
            Refusal::AdminsOnly => "only an admin can assign or take over escalations".to_string(),
            Refusal::UnlinkedAdminsOnly {
                platform: ChatPlatform::Slack,
            } => "only an admin can assign or take over escalations, and your Slack account is \
                  not linked to a Frontline account: ask an admin to give you an admin account \
                  with your Slack e-mail address, or to assign it from the dashboard"
                .to_string(),
            Refusal::UnlinkedAdminsOnly {
                platform: ChatPlatform::Discord,
            } => "only an admin can assign or take over escalations, and your Discord account \
                  is not linked to a Frontline account: take a link code from your queue page \
                  in Frontline and type /frontline link CODE here (an admin's account can \
                  assign), or ask an admin to assign it from the dashboard"
                .to_string(),
            Refusal::UnknownAgent => "no such agent account, or it is disabled".to_string(),
            Refusal::AlreadyAssigned { owner } => format!("already assigned to {}", name(owner)),
            Refusal::NotClaimed => "this escalation is not claimed".to_string(),
            Refusal::NotYours { owner } => {
                format!("only {}, who claimed it, can release it", name(owner))
            }
            Refusal::AlreadyResolved { by } => format!("already resolved by {}", name(by)),
            Refusal::NotPossible { status } => {
                format!("not possible while the escalation is {}", status.as_str())
            }
        }
    }
}

/// As an API error message: `already claimed by Ana`.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(|name| name.to_string()))
    }
}

fn someone() -> String {
    "someone".to_string()
}

/// `words` → `Words.`
fn sentence(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_reads_the_same_on_every_surface_but_for_typography() {
        let claimed = Refusal::AlreadyClaimed {
            owner: "ana".into(),
        };
        assert_eq!(claimed.to_string(), "already claimed by ana");
        assert_eq!(claimed.sentence(), "Already claimed by ana.");
        assert_eq!(claimed.chat_sentence(), "Already claimed by @ana.");
        let not_yours = Refusal::NotYours {
            owner: "Ana".into(),
        };
        assert_eq!(
            not_yours.chat_sentence(),
            "Only @Ana, who claimed it, can release it."
        );
        assert_eq!(
            Refusal::NotPossible {
                status: EscalationStatus::Queued
            }
            .sentence(),
            "Not possible while the escalation is queued."
        );
        assert_eq!(Refusal::NotFound.chat_sentence(), "No such escalation.");
        assert_eq!(
            Refusal::AdminsOnly.chat_sentence(),
            "Only an admin can assign or take over escalations."
        );
        let unlinked = Actor::unlinked("max", Source::Slack, Some("U0MAX".into()));
        assert_eq!(
            Refusal::assigning(&unlinked).map(|r| r.chat_sentence()),
            Some(
                "Only an admin can assign or take over escalations, and your Slack account is \
                 not linked to a Frontline account: ask an admin to give you an admin account \
                 with your Slack e-mail address, or to assign it from the dashboard."
                    .to_string()
            )
        );
        let on_the_web = Actor::unlinked("Max", Source::Web, None);
        assert_eq!(Refusal::assigning(&on_the_web), Some(Refusal::AdminsOnly));
        assert_eq!(
            Refusal::assigning(&unlinked.with_role(Role::Admin)),
            None,
            "a role is what counts"
        );
        assert_eq!(
            Refusal::AlreadyAssigned {
                owner: "ana".into()
            }
            .chat_sentence(),
            "Already assigned to @ana."
        );
    }
}
