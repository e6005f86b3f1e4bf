//! The audit log's vocabulary: who ([`Actor`]), through which door ([`Source`]), did what
//! ([`AuditAction`]) to which object. Rows are written by the use cases themselves (agent
//! actions in [`crate::agent_action::apply`], accounts, tokens, saved replies, chat links,
//! sign-ins, erasures), each in the transaction of the change it records
//! ([`crate::store::audit::AuditRecord`]); what changes nothing (a failed sign-in, an
//! export, a sign-out) is appended alone. Rows are never changed: see
//! [`crate::store::audit`].

use serde::Serialize;
use std::fmt;

use crate::accounts::Role;

/// Through which door an action came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The `/admin` dashboard (a browser session).
    Web,
    /// The admin API with a bearer token.
    Api,
    Slack,
    Discord,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Web => "web",
            Source::Api => "api",
            Source::Slack => "slack",
            Source::Discord => "discord",
        }
    }
}

impl From<crate::config::ChatPlatform> for Source {
    fn from(platform: crate::config::ChatPlatform) -> Self {
        match platform {
            crate::config::ChatPlatform::Slack => Source::Slack,
            crate::config::ChatPlatform::Discord => Source::Discord,
        }
    }
}

/// Who acts: a display name, the account when there is one, the door and where from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name shown in history: an account's display name, a chat user's name, or the
    /// name typed at a token sign-in (an unlinked actor).
    pub name: String,
    /// The account, when the actor signed in with one.
    pub agent_id: Option<String>,
    pub source: Source,
    /// The client IP (web, API) or the chat user id (Slack, Discord).
    pub origin: Option<String>,
    /// What the actor may do: an account's role; the admin token and its sign-ins are
    /// admins; an unlinked chat user is an agent.
    pub role: Role,
}

impl Actor {
    /// An actor known only by name (no account), e.g. a chat user or a token sign-in,
    /// with the `agent` role (see [`Actor::with_role`]).
    pub fn unlinked(name: &str, source: Source, origin: Option<String>) -> Actor {
        Actor {
            name: name.to_string(),
            agent_id: None,
            source,
            origin,
            role: Role::Agent,
        }
    }

    /// The same actor with `role`.
    pub fn with_role(self, role: Role) -> Actor {
        Actor { role, ..self }
    }
}

/// What is recorded. The names (`as_str`) are the `action` column and the filter values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    /// A dashboard session was ended by its user.
    SignOut,
    Claim,
    Release,
    Resolve,
    Reply,
    /// An admin gave a queued escalation to an agent.
    Assign,
    /// An admin gave a claimed escalation to another agent.
    Reassign,
    /// An admin took a claimed escalation from its owner.
    TakeOver,
    /// An agent set themselves away or back.
    Away,
    /// A chat user linked themselves to an account (`/frontline link`).
    ChatLinked,
    /// An account was created.
    AgentCreated,
    /// An account's name, role or disabled flag changed.
    AgentChanged,
    /// An invitation (or password-reset) link was issued.
    Invitation,
    /// A password was set (invitation accepted, or set by an admin).
    PasswordSet,
    Export,
    Erasure,
    /// A saved reply was created, changed or deleted (the object is its id).
    SavedReplyChanged,
    /// A personal API token was created.
    TokenCreated,
    /// A personal API token was revoked.
    TokenRevoked,
    /// Masked customer text was shown unmasked in the dashboard ("Reveal"; the object is
    /// the escalation).
    Reveal,
}

impl AuditAction {
    pub const ALL: [AuditAction; 22] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::Claim,
        AuditAction::Release,
        AuditAction::Resolve,
        AuditAction::Reply,
        AuditAction::Assign,
        AuditAction::Reassign,
        AuditAction::TakeOver,
        AuditAction::Away,
        AuditAction::ChatLinked,
        AuditAction::AgentCreated,
        AuditAction::AgentChanged,
        AuditAction::Invitation,
        AuditAction::PasswordSet,
        AuditAction::Export,
        AuditAction::Erasure,
        AuditAction::SavedReplyChanged,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::Reveal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::Claim => "claim",
            AuditAction::Release => "release",
            AuditAction::Resolve => "resolve",
            AuditAction::Reply => "reply",
            AuditAction::Assign => "assign",
            AuditAction::Reassign => "reassign",
            AuditAction::TakeOver => "take_over",
            AuditAction::Away => "away",
            AuditAction::ChatLinked => "chat_linked",
            AuditAction::AgentCreated => "agent_created",
            AuditAction::AgentChanged => "agent_changed",
            AuditAction::Invitation => "invitation",
            AuditAction::PasswordSet => "password_set",
            AuditAction::Export => "export",
            AuditAction::Erasure => "erasure",
            AuditAction::SavedReplyChanged => "saved_reply_changed",
            AuditAction::TokenCreated => "token_created",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::Reveal => "reveal",
        }
    }

    /// Grammar: one of the names above.
    pub fn parse(raw: &str) -> Option<AuditAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw.trim())
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub actor: String,
    pub actor_id: Option<String>,
    pub source: String,
    pub origin: Option<String>,
    pub action: String,
    pub object_id: Option<String>,
}

/// Which rows to list: every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Exact actor name.
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    /// From this Unix millisecond, inclusive.
    pub from_ms: Option<i64>,
    /// Until this Unix millisecond, exclusive.
    pub until_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_from_their_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("delete"), None);
    }
}
