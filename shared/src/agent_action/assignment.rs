//! Assignment, reassignment and take-over: an admin gives an escalation to a named agent
//! account, or takes a claimed one for themselves.
//!
//! An assignment of a queued escalation runs the very update a claim runs
//! ([`Store::claim_for`]), so an assignment and claims racing for it leave exactly one
//! owner. A reassignment or take-over reads the owner, then moves the escalation with
//! [`Store::reassign`], which changes nothing if the owner changed meanwhile. A loser gets
//! the escalation as it is now, refused in [`Refusal::of`]'s words (`already claimed by
//! Ana`). An assignment or reassignment that wins also tells the assignee through the
//! outbox (`assigned`), in the same transaction; a take-over tells the agent it was taken
//! from, and the alert's thread (`taken_over`), the same way.

use super::Refusal;
use crate::accounts::AgentAccount;
use crate::audit::Actor;
use crate::contracts::outbox::{Assignment, OutboxMessage, TakeOver};
use crate::escalation::EscalationStatus;
use crate::store::audit::AuditRecord;
use crate::store::escalations::{Owner, Transition};
use crate::store::{Store, StoreError};

/// What an assignment, reassignment or take-over did, or why it was refused before any
/// update ran.
pub(super) type Attempt = Result<Transition, Refusal>;

/// `queued` → `claimed` by account `agent_id`.
pub(super) async fn assign(
    store: &Store,
    agent_id: &str,
    escalation_id: &str,
    audit: AuditRecord<'_>,
) -> Result<Attempt, StoreError> {
    let actor = audit.actor;
    let account = match assignee(store, agent_id, actor).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let to = Owner {
        name: &account.display_name,
        agent_id: Some(&account.id),
    };
    let notice = notice(&account, actor);
    Ok(Ok(store.assign(escalation_id, to, &notice, audit).await?))
}

/// `claimed` by someone → `claimed` by account `agent_id`.
pub(super) async fn reassign(
    store: &Store,
    agent_id: &str,
    escalation_id: &str,
    audit: AuditRecord<'_>,
) -> Result<Attempt, StoreError> {
    let actor = audit.actor;
    let account = match assignee(store, agent_id, actor).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(escalation) = store.escalation(escalation_id).await? else {
        return Ok(Err(Refusal::NotFound));
    };
    let to = Owner {
        name: &account.display_name,
        agent_id: Some(&account.id),
    };
    match (escalation.status, escalation.claimed_by.as_deref()) {
        (EscalationStatus::Claimed, Some(owner))
            if escalation.claimed_by_agent_id.as_deref() != Some(account.id.as_str()) =>
        {
            let told = OutboxMessage::Assigned(notice(&account, actor));
            Ok(Ok(store
                .reassign(escalation_id, owner, to, told, audit)
                .await?))
        }
        // Queued, resolved or already theirs: refused in `Refusal::of`'s words.
        _ => Ok(Ok(Transition::Refused(escalation))),
    }
}

/// `claimed` by someone else → `claimed` by `actor`.
pub(super) async fn take_over(
    store: &Store,
    escalation_id: &str,
    audit: AuditRecord<'_>,
) -> Result<Attempt, StoreError> {
    let actor = audit.actor;
    if let Some(refusal) = Refusal::assigning(actor) {
        return Ok(Err(refusal));
    }
    let Some(escalation) = store.escalation(escalation_id).await? else {
        return Ok(Err(Refusal::NotFound));
    };
    let me = Owner {
        name: &actor.name,
        agent_id: actor.agent_id.as_deref(),
    };
    match (escalation.status, escalation.claimed_by.as_deref()) {
        (EscalationStatus::Claimed, Some(owner)) if owner != actor.name => {
            let previous = match escalation.claimed_by_agent_id.as_deref() {
                Some(id) => store.agent(id).await?,
                None => None,
            };
            let told = OutboxMessage::TakenOver(TakeOver {
                from: owner.to_string(),
                from_agent_id: previous.as_ref().map(|a| a.id.clone()),
                from_email: previous.map(|a| a.email),
                by: actor.name.clone(),
            });
            Ok(Ok(store
                .reassign(escalation_id, owner, me, told, audit)
                .await?))
        }
        // Queued, resolved or already the actor's: refused in `Refusal::of`'s words.
        _ => Ok(Ok(Transition::Refused(escalation))),
    }
}

/// What tells `account` that `actor` gave them an escalation.
fn notice(account: &AgentAccount, actor: &Actor) -> Assignment {
    Assignment {
        agent_id: account.id.clone(),
        agent: account.display_name.clone(),
        email: account.email.clone(),
        by: actor.name.clone(),
    }
}

/// The enabled account `agent_id`, when `actor` may assign to it.
async fn assignee(
    store: &Store,
    agent_id: &str,
    actor: &Actor,
) -> Result<Result<AgentAccount, Refusal>, StoreError> {
    if let Some(refusal) = Refusal::assigning(actor) {
        return Ok(Err(refusal));
    }
    Ok(store
        .agent(agent_id)
        .await?
        .filter(|account| !account.disabled)
        .ok_or(Refusal::UnknownAgent))
}
