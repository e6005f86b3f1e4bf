//! The account use cases, the same from the admin API and the dashboard: create an
//! account (with an invitation link or a password), change it, issue a new link, set a
//! password, accept an invitation, sign in. Each change commits with its audit row (or
//! not at all); a sign-in's row commits with the session it starts (the widget server's
//! `start_session`), a failed sign-in's row is appended alone.

use std::time::Duration;

use super::{check_password, password, AccountInputError, AgentAccount, NewAgent};
use crate::audit::{Actor, AuditAction, Source};
use crate::store::agents::{new_agent_id, AgentChange};
use crate::store::audit::AuditRecord;
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
    let audit = AuditRecord {
        actor: by,
        action: AuditAction::AgentCreated,
    };
    let account = store
        .create_agent(&new_agent_id(), new, hashed.as_deref(), audit)
        .await?
        .ok_or(AccountError::EmailTaken)?;
    let invitation = match hashed {
        Some(_) => None,
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
    let audit = AuditRecord {
        actor: by,
        action: AuditAction::AgentChanged,
    };
    store
        .change_agent(id, change, audit)
        .await?
        .ok_or(AccountError::NotFound)
}

/// Issues a new invitation (password-reset) token for account `id`; earlier links stop
/// working.
pub async fn invite(store: &Store, by: &Actor, id: &str) -> Result<String, AccountError> {
    if store.agent(id).await?.is_none() {
        return Err(AccountError::NotFound);
    }
    let audit = AuditRecord {
        actor: by,
        action: AuditAction::Invitation,
    };
    Ok(store
        .create_invitation(id, INVITATION_VALID_FOR, audit)
        .await?)
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
    let audit = AuditRecord {
        actor: by,
        action: AuditAction::PasswordSet,
    };
    if !store.set_agent_password(id, &hashed, audit).await? {
        return Err(AccountError::NotFound);
    }
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
    // The invitee is the actor: their account, read by the link first; accepting it is
    // what decides (of two browsers racing, one wins and only its row is recorded).
    let invitee = store
        .invitation(token)
        .await?
        .ok_or(AccountError::InvitationInvalid)?;
    let hashed = hash(password).await?;
    let actor = account_actor(&invitee, Source::Web, origin);
    let audit = AuditRecord {
        actor: &actor,
        action: AuditAction::PasswordSet,
    };
    store
        .accept_invitation(token, &hashed, audit)
        .await?
        .ok_or(AccountError::InvitationInvalid)
}

/// The audit row of a sign-in by `actor`: the session store writes it with the session
/// ([`Store::create_account_session`], [`Store::create_admin_session`]), so a sign-in is
/// never recorded without its session, nor a session started without its row.
pub fn sign_in_record(actor: &Actor) -> AuditRecord<'_> {
    AuditRecord {
        actor,
        action: AuditAction::SignIn,
    }
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
/// enabled account with a password. A failure is recorded here; a success is recorded
/// with the session it starts ([`sign_in_record`]). The check takes as long for an
/// unknown e-mail as for a wrong password.
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
        Some(credentials) if matches => Ok(Some(credentials.account)),
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
