//! Away: an agent marks themselves away (or back), from the dashboard or the API.
//!
//! While an agent is away, the SLA watcher treats what they own as unowned: an escalation
//! they hold past its SLA is re-alerted to the managers, naming them
//! ([`crate::store::Store::escalations_due_for_realert`]).

use super::AgentAccount;
use crate::audit::{Actor, AuditAction};
use crate::store::audit::AuditRecord;
use crate::store::{Store, StoreError};

/// Sets the actor's own account away (`true`) or back, with its audit row. `None`
/// when the actor has no account (the admin token, a token sign-in, an unlinked chat
/// user): away is a person's state.
pub async fn set_away(
    store: &Store,
    actor: &Actor,
    away: bool,
) -> Result<Option<AgentAccount>, StoreError> {
    let Some(agent_id) = actor.agent_id.as_deref() else {
        return Ok(None);
    };
    let audit = AuditRecord {
        actor,
        action: AuditAction::Away,
    };
    let Some(account) = store.set_agent_away(agent_id, away, audit).await? else {
        return Ok(None);
    };
    tracing::info!(agent = %agent_id, away, "agent away state set");
    Ok(Some(account))
}
