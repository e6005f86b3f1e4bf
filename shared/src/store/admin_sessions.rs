//! Dashboard sessions: random ids held by the browser, only their SHA-256 stored.
//!
//! A session is created at sign-in (a fresh id every time), looked up by the hash of the
//! id the cookie carries, refused once idle longer than the caller's timeout, and deleted
//! at sign-out. Rows live in the store, so every replica accepts a session any replica
//! issued. `last_seen_at` is refreshed at most once a minute per session, so a busy
//! dashboard does not turn every page view into a write.

use sha2::{Digest, Sha256};
use sqlx::Row;
use std::time::Duration;

use super::audit::{self, AuditRecord};
use super::{Store, StoreError};
use crate::accounts::{AgentAccount, Role};

/// How stale `last_seen_at` may get before a lookup refreshes it.
const TOUCH_AFTER_MS: i64 = 60_000;

/// A signed-in dashboard user, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// The agent's display name: the account's, or the name typed at a token sign-in.
    pub agent: String,
    /// The account signed in; `None` for a token sign-in (a bootstrap admin).
    pub agent_id: Option<String>,
    pub role: Role,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
}

/// The stored key of a session id: SHA-256, in hex.
fn hash(session_id: &str) -> String {
    hex::encode(Sha256::digest(session_id.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Starts a session for `agent` (a bootstrap admin: the admin token and a typed name)
    /// and returns its id (64 hex characters, 256 random bits), the only copy of which goes
    /// to the browser; `audit` (the sign-in) commits with it. Sessions idle longer than
    /// `idle` are pruned on the way.
    pub async fn create_admin_session(
        &self,
        agent: &str,
        idle: Duration,
        audit: AuditRecord<'_>,
    ) -> Result<String, StoreError> {
        self.create_session(agent, None, Role::Admin, idle, audit)
            .await
    }

    /// Starts a session for `account` (a local or single sign-on), as
    /// [`Store::create_admin_session`]; `audit`'s object is the account.
    pub async fn create_account_session(
        &self,
        account: &AgentAccount,
        idle: Duration,
        audit: AuditRecord<'_>,
    ) -> Result<String, StoreError> {
        let (name, id) = (&account.display_name, Some(account.id.as_str()));
        self.create_session(name, id, account.role, idle, audit)
            .await
    }

    async fn create_session(
        &self,
        agent: &str,
        agent_id: Option<&str>,
        role: Role,
        idle: Duration,
        audit: AuditRecord<'_>,
    ) -> Result<String, StoreError> {
        let now = self.now_ms();
        let id = hex::encode(rand::random::<[u8; 32]>());
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM admin_sessions WHERE last_seen_at < $1")
            .bind(now.saturating_sub(millis(idle)))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO admin_sessions (id_hash, agent, agent_id, role, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(hash(&id))
        .bind(agent)
        .bind(agent_id)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::append_in(self, &mut tx, audit, agent_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The live session with this id: `None` when unknown, ended, or idle longer than
    /// `idle`. A hit counts as activity.
    pub async fn admin_session(
        &self,
        session_id: &str,
        idle: Duration,
    ) -> Result<Option<AdminSession>, StoreError> {
        let key = hash(session_id);
        let Some(row) = sqlx::query(
            "SELECT id_hash, agent, agent_id, role, created_at, last_seen_at FROM admin_sessions WHERE id_hash = $1",
        )
        .bind(&key)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let stored: String = row.try_get("id_hash")?;
        if !constant_time_eq(stored.as_bytes(), key.as_bytes()) {
            return Ok(None);
        }
        let now = self.now_ms();
        let role: String = row.try_get("role")?;
        let session = AdminSession {
            agent: row.try_get("agent")?,
            agent_id: row.try_get("agent_id")?,
            // An unreadable role grants the least.
            role: Role::parse(&role).unwrap_or(Role::Agent),
            created_at_ms: row.try_get("created_at")?,
            last_seen_at_ms: row.try_get("last_seen_at")?,
        };
        if now.saturating_sub(session.last_seen_at_ms) > millis(idle) {
            return Ok(None);
        }
        if now.saturating_sub(session.last_seen_at_ms) >= TOUCH_AFTER_MS {
            sqlx::query(
                "UPDATE admin_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1",
            )
            .bind(now)
            .bind(&key)
            .execute(self.writer())
            .await?;
        }
        Ok(Some(session))
    }

    /// Ends the session with this id (sign-out); `false` when there was none.
    pub async fn end_admin_session(&self, session_id: &str) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM admin_sessions WHERE id_hash = $1")
            .bind(hash(session_id))
            .execute(self.writer())
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_key_is_not_the_id() {
        let key = hash("abc");
        assert_eq!(key.len(), 64);
        assert_ne!(key, "abc");
        assert_eq!(key, hash("abc"));
    }
}
