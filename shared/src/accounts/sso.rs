//! Single sign-on, once the provider has vouched for someone: who they are here.
//!
//! The widget server speaks OpenID Connect (discovery, PKCE, the ID token's signature,
//! issuer, audience, expiry and nonce); this module takes the verified identity and
//! applies Frontline's rules: the e-mail's domain must be allowed, an account with that
//! e-mail is linked (its role follows what single sign-on says, the change audited),
//! otherwise one is created on first sign-in; a disabled account stays out. Every
//! outcome, and every failure the widget server reports, is in the audit log: a creation
//! or role change with the change, a success with the session it starts (the widget
//! server's `start_session`), a refusal alone.

use super::manage::account_actor;
use super::{parse_display_name, parse_email, AgentAccount, NewAgent};
use crate::audit::{Actor, AuditAction, Source};
use crate::config::OidcSettings;
use crate::store::agents::{new_agent_id, AgentChange};
use crate::store::audit::AuditRecord;
use crate::store::{Store, StoreError};

/// The audit log's actor for a failed single sign-on before anyone is known.
pub const SSO_ACTOR: &str = "single sign-on";

/// What a verified ID token says about the person.
#[derive(Debug, Clone, PartialEq)]
pub struct SsoIdentity {
    /// The `email` claim.
    pub email: String,
    /// The `email_verified` claim, when present.
    pub email_verified: Option<bool>,
    /// The `name` claim, when present.
    pub name: Option<String>,
    /// The value of `role_claim`, when configured and present.
    pub role_claim: Option<serde_json::Value>,
}

/// Why a verified person may not sign in (each is audited as a failed sign-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SsoRefusal {
    #[error("the ID token has no usable e-mail address")]
    NoEmail,
    #[error("the provider says this e-mail address is not verified")]
    EmailNotVerified,
    #[error("people of this e-mail domain may not sign in here")]
    DomainNotAllowed,
    #[error("this account is disabled")]
    Disabled,
}

/// Signs `identity` in from `origin` (an IP): the account to start a session for, or
/// why not. Creates or links the account; records a creation, a role change and a
/// refusal (the sign-in itself is recorded with its session).
pub async fn sign_in(
    store: &Store,
    settings: &OidcSettings,
    identity: &SsoIdentity,
    origin: Option<String>,
) -> Result<Result<AgentAccount, SsoRefusal>, StoreError> {
    let email = match parse_email(&identity.email) {
        Ok(email) => email,
        Err(_) => return refuse(store, None, SsoRefusal::NoEmail, origin).await,
    };
    let address = email.as_str().to_string();
    if identity.email_verified == Some(false) {
        return refuse(store, Some(&address), SsoRefusal::EmailNotVerified, origin).await;
    }
    if !settings.allows(&address) {
        return refuse(store, Some(&address), SsoRefusal::DomainNotAllowed, origin).await;
    }
    let role = settings.role_for(&address, identity.role_claim.as_ref());
    let account = match store.agent_credentials(&address).await? {
        Some(known) => known.account,
        None => {
            let display_name = identity
                .name
                .as_deref()
                .and_then(|n| parse_display_name(n).ok())
                .or_else(|| {
                    let local = address.split('@').next().unwrap_or_default();
                    parse_display_name(local).ok()
                })
                .unwrap_or_else(|| address.clone());
            // The new account creates itself: it is the actor of its creation.
            let id = new_agent_id();
            let actor = Actor {
                name: display_name.clone(),
                agent_id: Some(id.clone()),
                source: Source::Web,
                origin: origin.clone(),
                role,
            };
            let new = NewAgent {
                email,
                display_name,
                role,
            };
            let audit = AuditRecord {
                actor: &actor,
                action: AuditAction::AgentCreated,
            };
            match store.create_agent(&id, &new, None, audit).await? {
                Some(created) => created,
                // Created by a concurrent first sign-in: link to it.
                None => match store.agent_credentials(&address).await? {
                    Some(known) => known.account,
                    None => {
                        return refuse(store, Some(&address), SsoRefusal::NoEmail, origin).await
                    }
                },
            }
        }
    };
    if account.disabled {
        let actor = account_actor(&account, Source::Web, origin);
        store
            .append_audit(&actor, AuditAction::SignInFailed, Some(&account.id))
            .await?;
        return Ok(Err(SsoRefusal::Disabled));
    }
    let account = if account.role != role {
        let change = AgentChange {
            role: Some(role),
            ..AgentChange::default()
        };
        let actor = account_actor(&account, Source::Web, origin).with_role(role);
        let audit = AuditRecord {
            actor: &actor,
            action: AuditAction::AgentChanged,
        };
        store
            .change_agent(&account.id, &change, audit)
            .await?
            .unwrap_or(account)
    } else {
        account
    };
    Ok(Ok(account))
}

/// Records a refused single sign-on of `email` (when known).
async fn refuse(
    store: &Store,
    email: Option<&str>,
    why: SsoRefusal,
    origin: Option<String>,
) -> Result<Result<AgentAccount, SsoRefusal>, StoreError> {
    failed(store, email, origin).await?;
    Ok(Err(why))
}

/// Records a failed single sign-on from `origin`: by `email` when the provider named one,
/// else by [`SSO_ACTOR`] (a bad state, a refused or forged ID token).
pub async fn failed(
    store: &Store,
    email: Option<&str>,
    origin: Option<String>,
) -> Result<(), StoreError> {
    let name: String = email.unwrap_or(SSO_ACTOR).chars().take(254).collect();
    let known = match email {
        Some(email) => store.agent_credentials(email).await?.map(|c| c.account),
        None => None,
    };
    let actor = match &known {
        Some(account) => account_actor(account, Source::Web, origin),
        None => Actor::unlinked(&name, Source::Web, origin),
    };
    store
        .append_audit(
            &actor,
            AuditAction::SignInFailed,
            known.as_ref().map(|a| a.id.as_str()),
        )
        .await
}
