//! Chat identities: which agent account a Slack or Discord user is, so what they do in
//! chat is theirs in the audit log and carries their role.
//!
//! - **Slack** maps by e-mail: the bot reads the clicking user's `users.info` profile
//!   e-mail (cached with their name) and the account with that e-mail is theirs.
//! - **Discord** links once: the agent takes a one-time code from their queue page and
//!   types `/frontline link CODE`; the link is stored ([`crate::store::chat_identities`]).
//!
//! A linked user acts as their account (its display name, its role). An unlinked user
//! acts by their chat name and id as before when `[bot] allow_unlinked = true` (the
//! default); otherwise they are refused with [`NotLinked`]'s text.

use std::time::Duration;

use crate::accounts::manage::account_actor;
use crate::accounts::AgentAccount;
use crate::audit::{Actor, AuditAction};
use crate::config::ChatPlatform;
use crate::store::audit::AuditRecord;
use crate::store::{Store, StoreError};

/// How long a link code works.
pub const LINK_CODE_VALID_FOR: Duration = Duration::from_secs(15 * 60);

/// A chat user as a callback names them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChatUser {
    pub platform: ChatPlatform,
    /// The platform's user id (`U0…`, a Discord snowflake).
    pub id: String,
    /// Their chat display name.
    pub name: String,
    /// Their e-mail, when the platform tells it (Slack `users.info`).
    pub email: Option<String>,
}

/// An unlinked chat user where `[bot] allow_unlinked = false`: the private answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotLinked {
    #[error("Your Slack account is not linked to a Frontline agent. Ask an admin for an agent account with your Slack e-mail address.")]
    Slack,
    #[error("Your Discord account is not linked to a Frontline agent. Take a link code from your queue page in Frontline and type /frontline link CODE here.")]
    Discord,
}

/// Who `user` acts as: their account when linked, else (when `allow_unlinked`) an
/// unlinked actor named by chat name and id.
pub async fn actor(
    store: &Store,
    user: &ChatUser,
    allow_unlinked: bool,
) -> Result<Result<Actor, NotLinked>, StoreError> {
    let source = user.platform.into();
    if let Some(account) = linked_account(store, user).await? {
        return Ok(Ok(account_actor(&account, source, Some(user.id.clone()))));
    }
    if allow_unlinked {
        return Ok(Ok(Actor::unlinked(
            &user.name,
            source,
            Some(user.id.clone()),
        )));
    }
    Ok(Err(match user.platform {
        ChatPlatform::Slack => NotLinked::Slack,
        ChatPlatform::Discord => NotLinked::Discord,
    }))
}

/// The enabled account `user` is, if any.
pub async fn linked_account(
    store: &Store,
    user: &ChatUser,
) -> Result<Option<AgentAccount>, StoreError> {
    let account = match user.platform {
        ChatPlatform::Slack => match user.email.as_deref() {
            Some(email) => store
                .agent_credentials(&email.trim().to_lowercase())
                .await?
                .map(|c| c.account),
            None => None,
        },
        ChatPlatform::Discord => match store.linked_agent_id(user.platform, &user.id).await? {
            Some(id) => store.agent(&id).await?,
            None => None,
        },
    };
    Ok(account.filter(|a| !a.disabled))
}

/// A new link code for `actor`'s own account (`None` without an account).
pub async fn link_code(store: &Store, actor: &Actor) -> Result<Option<String>, StoreError> {
    let Some(agent_id) = actor.agent_id.as_deref() else {
        return Ok(None);
    };
    Ok(Some(
        store
            .create_link_code(agent_id, LINK_CODE_VALID_FOR)
            .await?,
    ))
}

/// Links `user` to the account whose code `code` is; the account, or `None` for an
/// unknown, used or expired code. The link commits with its audit row, under the account.
pub async fn link(
    store: &Store,
    user: &ChatUser,
    code: &str,
) -> Result<Option<AgentAccount>, StoreError> {
    // The account is the actor: read by the code first; redeeming it decides.
    let Some(agent_id) = store.link_code_agent_id(code).await? else {
        return Ok(None);
    };
    let Some(account) = store.agent(&agent_id).await? else {
        return Ok(None);
    };
    let actor = account_actor(&account, user.platform.into(), Some(user.id.clone()));
    let audit = AuditRecord {
        actor: &actor,
        action: AuditAction::ChatLinked,
    };
    let redeemed = store
        .redeem_link_code(user.platform, &user.id, code, audit)
        .await?;
    Ok(redeemed.map(|_| account))
}
