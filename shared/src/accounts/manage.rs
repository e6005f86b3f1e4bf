//! The account use cases, the same from the admin API and the dashboard: create an
//! account (with an invitation link or a password), change it, issue a new link, set a
//! password, accept an invitation, sign in. Each records itself in the audit log.

use std::time::Duration;

use super::{check_password, password, AccountInputError, AgentAccount, NewAgent};
use crate::audit::{Actor, AuditAction, Source};
use crate::store::agents::AgentChange;
use crate::store::{Store, StoreError};

/// How long an invitation or password-reset link works.
pub const INVITATION_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Why an account use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Input(#[from] AccountInputError),
    #[error("an account with this e-mail exists")]
    EmailTaken,
    #[error("no such agent")]
    NotFound,
    #[error("this link is unknown, used or expired")]
    InvitationInvalid,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A created account and, without a password, its invitation token.
#[derive(Debug, Clone)]
pub struct Created {
    pub account: AgentAccount,
    pub invitation: Option<String>,
}

/// argon2id off the async threads.
async fn hash(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Creates the account `new`; with `password` it can sign in at once, without one it
/// gets an invitation token.
pub async fn create(
    store: &Store,
    by: &Actor,
    new: &NewAgent,
    password: Option<String>,
) -> Result<Created, AccountError> {
    let hashed = match password {
        Some(password) => {
            check_password(&password)?;
            Some(hash(password).await?)
        }
        None => None,
    };
    let account = store
        .create_agent(new)
        .await?
        .ok_or(AccountError::EmailTaken)?;
    store
        .append_audit(by, AuditAction::AgentCreated, Some(&account.id))
        .await?;
    let invitation = match hashed {
        Some(hashed) => {
            store.set_agent_password(&account.id, &hashed).await?;
            None
        }
        None => Some(invite(store, by, &account.id).await?),
    };
    let account = store
        .agent(&account.id)
        .await?
        .ok_or(AccountError::NotFound)?;
    Ok(Created {
        account,
        invitation,
    })
}

/// Changes an account's name, role or disabled flag (its sessions end).
pub async fn change(
    store: &Store,
    by: &Actor,
    id: &str,
    change: &AgentChange,
) -> Result<AgentAccount, AccountError> {
    let account = store
        .change_agent(id, change)
        .await?
        .ok_or(AccountError::NotFound)?;
    store
        .append_audit(by, AuditAction::AgentChanged, Some(id))
        .await?;
    Ok(account)
}

/// Issues a new invitation (password-reset) token for account `id`; earlier links stop
/// working.
pub async fn invite(store: &Store, by: &Actor, id: &str) -> Result<String, AccountError> {
    if store.agent(id).await?.is_none() {
        return Err(AccountError::NotFound);
    }
    let token = store.create_invitation(id, INVITATION_VALID_FOR).await?;
    store
        .append_audit(by, AuditAction::Invitation, Some(id))
        .await?;
    Ok(token)
}

/// An admin sets account `id`'s password (its sessions end).
pub async fn set_password(
    store: &Store,
    by: &Actor,
    id: &str,
    password: String,
) -> Result<(), AccountError> {
    check_password(&password)?;
    let hashed = hash(password).await?;
    if !store.set_agent_password(id, &hashed).await? {
        return Err(AccountError::NotFound);
    }
    store
        .append_audit(by, AuditAction::PasswordSet, Some(id))
        .await?;
    Ok(())
}

/// The invitee sets their password with the link's `token`.
pub async fn accept_invitation(
    store: &Store,
    token: &str,
    password: String,
    origin: Option<String>,
) -> Result<AgentAccount, AccountError> {
    check_password(&password)?;
    let hashed = hash(password).await?;
    let account = store
        .accept_invitation(token, &hashed)
        .await?
        .ok_or(AccountError::InvitationInvalid)?;
    let actor = account_actor(&account, Source::Web, origin);
    store
        .append_audit(&actor, AuditAction::PasswordSet, Some(&account.id))
        .await?;
    Ok(account)
}

/// The actor an account is in the audit log.
pub fn account_actor(account: &AgentAccount, source: Source, origin: Option<String>) -> Actor {
    Actor {
        name: account.display_name.clone(),
        agent_id: Some(account.id.clone()),
        source,
        origin,
        role: account.role,
    }
}

/// Checks `email` and `password` (from `origin`, an IP): the account when they match an
/// enabled account with a password. Both outcomes are recorded; the check takes as long
/// for an unknown e-mail as for a wrong password.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: String,
    origin: Option<String>,
) -> Result<Option<AgentAccount>, AccountError> {
    let email = email.trim().to_lowercase();
    let credentials = store.agent_credentials(&email).await?;
    let stored = credentials
        .as_ref()
        .filter(|c| !c.account.disabled)
        .and_then(|c| c.password_hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .map_err(|e| AccountError::Hash(e.to_string()))?;
    match credentials {
        Some(credentials) if matches => {
            let account = credentials.account;
            let actor = account_actor(&account, Source::Web, origin);
            store
                .append_audit(&actor, AuditAction::SignIn, Some(&account.id))
                .await?;
            Ok(Some(account))
        }
        known => {
            // The typed e-mail is the actor of a failed sign-in (bounded, it is input).
            let actor = match &known {
                Some(c) => account_actor(&c.account, Source::Web, origin),
                None => Actor::unlinked(
                    &email.chars().take(254).collect::<String>(),
                    Source::Web,
                    origin,
                ),
            };
            let object = known.as_ref().map(|c| c.account.id.as_str());
            store
                .append_audit(&actor, AuditAction::SignInFailed, object)
                .await?;
            Ok(None)
        }
    }
}
