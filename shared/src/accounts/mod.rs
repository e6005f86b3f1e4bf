//! Agents as people: accounts with an e-mail, a display name, a role and a password.
//!
//! `FRONTLINE_ADMIN_TOKEN` stays the bootstrap and automation credential; accounts are
//! created through the admin API or the dashboard's Agents page, and sign in to `/admin`
//! with their e-mail and password. A new account gets an invitation link that expires;
//! the invitee sets the password there. An admin resets a password by issuing a new link.
//!
//! # Layout
//! - [`password`]: argon2id hashing and constant-time verification.
//! - [`manage`]: the use cases (create, change, invite, set a password, accept an
//!   invitation, sign in), each recorded in the audit log.
//! - [`sso`]: single sign-on once the provider vouched: allowed domains, the role,
//!   linking or creating the account.
//! - [`tokens`]: personal API tokens (create, list, revoke, authenticate).
//! - this module: [`Role`], [`NewAgent`] and the rules for names and passwords.
//!   The rows live in [`crate::store::agents`].

pub mod away;
pub mod manage;
pub mod password;
pub mod sso;
pub mod tokens;

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::email::Email;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The queue, conversations and replies.
    Agent,
    /// Everything, including agents, settings, exports, erasure, webhooks and the audit log.
    Admin,
}

impl Role {
    /// Grammar: `agent` | `admin`.
    pub fn parse(raw: &str) -> Option<Role> {
        match raw.trim() {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account as the store keeps it (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentAccount {
    pub id: String,
    /// Lower-case.
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// A password is set (the invitation was accepted).
    pub active: bool,
    pub disabled: bool,
    /// The agent set themselves away: the SLA re-alert tells admins about what they own.
    pub away: bool,
    pub created_at_ms: i64,
}

/// A checked request to create an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgent {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
}

/// Why account input was refused; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountInputError {
    #[error("`email`: {0}")]
    Email(String),
    #[error("`display_name` must be 1 to 100 characters, without control characters")]
    DisplayName,
    #[error("`role` must be agent or admin")]
    Role,
    #[error("`password` must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    Password,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (argon2 would take any length; this bounds the work per try).
pub const MAX_PASSWORD_CHARS: usize = 256;

impl NewAgent {
    pub fn parse(
        email: &str,
        display_name: &str,
        role: &str,
    ) -> Result<NewAgent, AccountInputError> {
        Ok(NewAgent {
            email: parse_email(email)?,
            display_name: parse_display_name(display_name)?,
            role: Role::parse(role).ok_or(AccountInputError::Role)?,
        })
    }
}

/// An account's e-mail: a valid address, compared lower-case.
pub fn parse_email(raw: &str) -> Result<Email, AccountInputError> {
    Email::parse(&raw.trim().to_lowercase()).map_err(AccountInputError::Email)
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_display_name(raw: &str) -> Result<String, AccountInputError> {
    let name = raw.trim();
    let count = name.chars().count();
    if count == 0 || count > 100 || name.chars().any(char::is_control) {
        return Err(AccountInputError::DisplayName);
    }
    Ok(name.to_string())
}

/// A new password: 10 to 256 characters.
pub fn check_password(raw: &str) -> Result<(), AccountInputError> {
    let count = raw.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&count) {
        return Err(AccountInputError::Password);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_input_is_checked_field_by_field() {
        let ok = NewAgent::parse(" Ana@Example.COM ", " Ana ", "agent").expect("valid");
        assert_eq!(ok.email.as_str(), "ana@example.com");
        assert_eq!(ok.display_name, "Ana");
        assert_eq!(ok.role, Role::Agent);
        assert_eq!(
            NewAgent::parse("ana@example.com", "Ana", "owner"),
            Err(AccountInputError::Role)
        );
        assert_eq!(
            NewAgent::parse("ana@example.com", "  ", "admin"),
            Err(AccountInputError::DisplayName)
        );
        assert!(NewAgent::parse("not-an-address", "Ana", "admin").is_err());
        assert_eq!(check_password("short"), Err(AccountInputError::Password));
        assert_eq!(check_password("long enough pass"), Ok(()));
    }
}
