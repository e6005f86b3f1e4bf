//! Agent accounts and their invitation links.
//!
//! E-mails are stored lower-case and unique. An invitation (or a password-reset link,
//! the same thing for an existing account) is a random token whose SHA-256 alone is
//! kept; it works once, before it expires. Disabling an account or changing its role
//! ends its sessions, so the change holds from the next request.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::time::Duration;

use super::audit::{self, AuditRecord};
use super::{new_id, Store, StoreError};
use crate::accounts::{AgentAccount, NewAgent, Role};

/// A fresh account id, for [`Store::create_agent`] (known before the account exists, so
/// an account that creates itself, at a first single sign-on, can be the audit's actor).
pub fn new_agent_id() -> String {
    new_id("agt")
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn account(row: &AnyRow) -> Result<AgentAccount, StoreError> {
    let role: String = row.try_get("role")?;
    let password: Option<String> = row.try_get("password_hash")?;
    let disabled: i64 = row.try_get("disabled")?;
    Ok(AgentAccount {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).unwrap_or(Role::Agent),
        active: password.is_some(),
        disabled: disabled != 0,
        away: row.try_get::<i64, _>("away")? != 0,
        created_at_ms: row.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, email, display_name, role, password_hash, disabled, away, created_at";

/// An account with what sign-in checks.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account: AgentAccount,
    /// The argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
}

/// What changes an account (`None` keeps the field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

impl Store {
    /// Creates account `id` (from [`new_agent_id`]), with `password_hash` when given (it can
    /// sign in at once), and `audit`'s row on it in the same transaction; `None` when the
    /// e-mail is taken (then nothing is recorded).
    pub async fn create_agent(
        &self,
        id: &str,
        new: &NewAgent,
        password_hash: Option<&str>,
        audit: AuditRecord<'_>,
    ) -> Result<Option<AgentAccount>, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO agents (id, email, display_name, role, password_hash, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $6) ON CONFLICT (email) DO NOTHING",
        )
        .bind(id)
        .bind(new.email.as_str())
        .bind(&new.display_name)
        .bind(new.role.as_str())
        .bind(password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(None);
        }
        audit::append_in(self, &mut tx, audit, Some(id)).await?;
        tx.commit().await?;
        self.agent(id).await
    }

    pub async fn agent(&self, id: &str) -> Result<Option<AgentAccount>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM agents WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(account)
            .transpose()
    }

    /// Sets account `id` away (or back), with `audit`'s row on it; the account as it is
    /// now, `None` when unknown (then nothing is recorded).
    pub async fn set_agent_away(
        &self,
        id: &str,
        away: bool,
        audit: AuditRecord<'_>,
    ) -> Result<Option<AgentAccount>, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query("UPDATE agents SET away = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(away))
            .bind(self.now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        audit::append_in(self, &mut tx, audit, Some(id)).await?;
        tx.commit().await?;
        self.agent(id).await
    }

    /// Every account, by e-mail.
    pub async fn agents(&self) -> Result<Vec<AgentAccount>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM agents ORDER BY email");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(account)
            .collect()
    }

    /// The account signing in with `email` (lower-case), with its password hash.
    pub async fn agent_credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM agents WHERE email = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(Credentials {
                account: account(&row)?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    /// Applies `change`, with `audit`'s row on the account; `None` when there is no such
    /// account. A role change or disabling ends the account's sessions.
    pub async fn change_agent(
        &self,
        id: &str,
        change: &AgentChange,
        audit: AuditRecord<'_>,
    ) -> Result<Option<AgentAccount>, StoreError> {
        let Some(before) = self.agent(id).await? else {
            return Ok(None);
        };
        let name = change
            .display_name
            .as_deref()
            .unwrap_or(&before.display_name);
        let role = change.role.unwrap_or(before.role);
        let disabled = change.disabled.unwrap_or(before.disabled);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE agents SET display_name = $1, role = $2, disabled = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(i64::from(disabled))
        .bind(self.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if role != before.role || disabled || name != before.display_name {
            sqlx::query("DELETE FROM admin_sessions WHERE agent_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        audit::append_in(self, &mut tx, audit, Some(id)).await?;
        tx.commit().await?;
        self.agent(id).await
    }

    /// Stores a new password hash for the account (and ends its sessions), with `audit`'s
    /// row on it; `false` when there is no such account (then nothing is recorded).
    pub async fn set_agent_password(
        &self,
        id: &str,
        password_hash: &str,
        audit: AuditRecord<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed =
            sqlx::query("UPDATE agents SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(self.now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM admin_sessions WHERE agent_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::append_in(self, &mut tx, audit, Some(id)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Issues an invitation (or reset) link token for the account, valid for `valid_for`,
    /// with `audit`'s row on the account. Earlier unused links of the account stop working.
    pub async fn create_invitation(
        &self,
        agent_id: &str,
        valid_for: Duration,
        audit: AuditRecord<'_>,
    ) -> Result<String, StoreError> {
        let now = self.now_ms();
        let token = hex::encode(rand::random::<[u8; 32]>());
        let valid_ms = i64::try_from(valid_for.as_millis()).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE agent_invitations SET used_at = $1 WHERE agent_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO agent_invitations (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash(&token))
        .bind(agent_id)
        .bind(now)
        .bind(now.saturating_add(valid_ms))
        .execute(&mut *tx)
        .await?;
        audit::append_in(self, &mut tx, audit, Some(agent_id)).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The account an unused, unexpired invitation token opens.
    pub async fn invitation(&self, token: &str) -> Result<Option<AgentAccount>, StoreError> {
        let row = sqlx::query(
            "SELECT agent_id FROM agent_invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash(token))
        .bind(self.now_ms())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => self.agent(&row.try_get::<String, _>("agent_id")?).await,
            None => Ok(None),
        }
    }

    /// Uses the invitation: sets the account's password once, with `audit`'s row on the
    /// account. `None` when the token is unknown, used or expired (two browsers racing:
    /// exactly one wins, and only its row is recorded).
    pub async fn accept_invitation(
        &self,
        token: &str,
        password_hash: &str,
        audit: AuditRecord<'_>,
    ) -> Result<Option<AgentAccount>, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE agent_invitations SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING agent_id",
        )
        .bind(now)
        .bind(hash(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let agent_id: String = row.try_get("agent_id")?;
        sqlx::query("UPDATE agents SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now)
            .bind(&agent_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM admin_sessions WHERE agent_id = $1")
            .bind(&agent_id)
            .execute(&mut *tx)
            .await?;
        audit::append_in(self, &mut tx, audit, Some(&agent_id)).await?;
        tx.commit().await?;
        self.agent(&agent_id).await
    }
}
