//! Personal API tokens: an account's own credentials for the admin API.
//!
//! A token is `flt_` and 64 hex digits (256 random bits), shown once when created; the
//! store keeps only its SHA-256. Sent as `Authorization: Bearer`, it acts as its account
//! with the account's current role (an `agent`'s token gets 403 where the agent would),
//! until it is revoked or the account is disabled. Creating and revoking are audited, each
//! in the change's own transaction.

use serde::Serialize;

use super::{AgentAccount, Role};
use crate::audit::{Actor, AuditAction};
use crate::store::audit::AuditRecord;
use crate::store::{Store, StoreError};

/// How every personal token starts (so a leaked one is recognisable, and told apart from
/// the admin token).
pub const TOKEN_PREFIX: &str = "flt_";

/// A token as the store keeps it (without the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: String,
    /// The account it acts as.
    pub agent_id: String,
    /// What its owner called it, e.g. "CI export".
    pub name: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// Why a token use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("`name` must be 1 to 100 characters, without control characters")]
    Name,
    #[error("personal tokens belong to an account: sign in with one")]
    NoAccount,
    #[error("no such token")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A created token: its row and the token itself (its only copy).
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// A token's name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_name(raw: &str) -> Result<String, TokenError> {
    super::parse_display_name(raw).map_err(|_| TokenError::Name)
}

/// Creates a token named `name` for `by`'s own account.
pub async fn create(store: &Store, by: &Actor, name: &str) -> Result<CreatedToken, TokenError> {
    let name = parse_name(name)?;
    let agent_id = by.agent_id.as_deref().ok_or(TokenError::NoAccount)?;
    let audit = AuditRecord {
        actor: by,
        action: AuditAction::TokenCreated,
    };
    let (token, secret) = store.create_api_token(agent_id, &name, audit).await?;
    Ok(CreatedToken { token, secret })
}

/// The tokens of `by`'s account, newest first.
pub async fn list(store: &Store, by: &Actor) -> Result<Vec<ApiToken>, TokenError> {
    let agent_id = by.agent_id.as_deref().ok_or(TokenError::NoAccount)?;
    Ok(store.api_tokens_of(agent_id).await?)
}

/// Revokes token `id`: its owner may, and so may an admin (offboarding). Another
/// account's token is [`TokenError::NotFound`] to an agent, as is a revoked one.
pub async fn revoke(
    store: &Store,
    by: &Actor,
    role: Role,
    id: &str,
) -> Result<ApiToken, TokenError> {
    let token = store.api_token(id).await?.ok_or(TokenError::NotFound)?;
    let own = by.agent_id.as_deref() == Some(token.agent_id.as_str());
    if !own && role != Role::Admin {
        return Err(TokenError::NotFound);
    }
    let audit = AuditRecord {
        actor: by,
        action: AuditAction::TokenRevoked,
    };
    store
        .revoke_api_token(id, audit)
        .await?
        .ok_or(TokenError::NotFound)
}

/// The account a bearer `token` acts as, when it is a live personal token.
pub async fn authenticate(store: &Store, token: &str) -> Result<Option<AgentAccount>, StoreError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(store
        .api_token_account(token)
        .await?
        .map(|(account, _)| account))
}
