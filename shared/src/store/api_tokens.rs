//! Personal API tokens: only each token's SHA-256 is kept.
//!
//! A bearer token is looked up by the hash of what the caller sent (an index on
//! `token_hash`), then the stored hash is compared with it in constant time, as
//! sessions are. A token works while it is not revoked and its account is not disabled,
//! and carries the account's role at the time of the request. `last_used_at` is
//! refreshed at most once a minute per token.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::{self, AuditRecord};
use super::{new_id, Store, StoreError};
use crate::accounts::tokens::{ApiToken, TOKEN_PREFIX};
use crate::accounts::AgentAccount;

/// How stale `last_used_at` may get before a use refreshes it.
const TOUCH_AFTER_MS: i64 = 60_000;

/// The stored key of a token: SHA-256, in hex.
fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn token(row: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        agent_id: row.try_get("agent_id")?,
        name: row.try_get("name")?,
        created_at_ms: row.try_get("created_at")?,
        last_used_at_ms: row.try_get("last_used_at")?,
        revoked_at_ms: row.try_get("revoked_at")?,
    })
}

const COLUMNS: &str = "id, agent_id, name, created_at, last_used_at, revoked_at";

impl Store {
    /// Creates a token named `name` for account `agent_id`, with `audit`'s row on it: the
    /// stored row and the token itself (`flt_` and 64 hex digits, 256 random bits), whose
    /// only copy is returned.
    pub async fn create_api_token(
        &self,
        agent_id: &str,
        name: &str,
        audit: AuditRecord<'_>,
    ) -> Result<(ApiToken, String), StoreError> {
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
        let id = new_id("tok");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, agent_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(agent_id)
        .bind(name)
        .bind(hash(&secret))
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?;
        audit::append_in(self, &mut tx, audit, Some(&id)).await?;
        tx.commit().await?;
        let created = self
            .api_token(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("api token {id} vanished")))?;
        Ok((created, secret))
    }

    pub async fn api_token(&self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(token)
            .transpose()
    }

    /// The tokens of account `agent_id`, newest first (revoked ones too).
    pub async fn api_tokens_of(&self, agent_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE agent_id = $1 ORDER BY created_at DESC, id DESC"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(agent_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(token)
            .collect()
    }

    /// Revokes token `id`, with `audit`'s row on it: the revoked row, or `None` when there
    /// is no such live token (then nothing is recorded).
    pub async fn revoke_api_token(
        &self,
        id: &str,
        audit: AuditRecord<'_>,
    ) -> Result<Option<ApiToken>, StoreError> {
        let mut tx = self.begin_write().await?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(self.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            return Ok(None);
        }
        audit::append_in(self, &mut tx, audit, Some(id)).await?;
        tx.commit().await?;
        self.api_token(id).await
    }

    /// The account a bearer token stands for, with the token's id: `None` when the token
    /// is unknown or revoked, or its account is disabled. A hit counts as a use.
    pub async fn api_token_account(
        &self,
        given: &str,
    ) -> Result<Option<(AgentAccount, String)>, StoreError> {
        let key = hash(given);
        let Some(row) = sqlx::query(
            "SELECT token_hash, id, agent_id, last_used_at FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(&key)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let stored: String = row.try_get("token_hash")?;
        if !constant_time_eq(stored.as_bytes(), key.as_bytes()) {
            return Ok(None);
        }
        let id: String = row.try_get("id")?;
        let agent_id: String = row.try_get("agent_id")?;
        let Some(account) = self.agent(&agent_id).await?.filter(|a| !a.disabled) else {
            return Ok(None);
        };
        let now = self.now_ms();
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|at| now.saturating_sub(at) >= TOUCH_AFTER_MS) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&id)
                .execute(self.writer())
                .await?;
        }
        Ok(Some((account, id)))
    }
}
