//! Single sign-ons in flight: what the callback needs to finish one, kept server-side.
//!
//! `/admin/sso` stores the state it sends to the provider (only its SHA-256), the nonce
//! the ID token must carry and the PKCE verifier; the callback takes the row by the state
//! it gets back, deleting it in the same statement, so a state (and with it its nonce
//! and verifier) works exactly once, before it expires. Two callbacks racing with one
//! state: exactly one gets the row.

use sha2::{Digest, Sha256};
use sqlx::Row;
use std::time::Duration;

use super::{Store, StoreError};

/// What a started sign-on left for its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSso {
    /// The nonce sent in the authorization request; the ID token must carry it.
    pub nonce: String,
    /// The PKCE code verifier whose S256 challenge was sent.
    pub pkce_verifier: String,
}

fn hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

impl Store {
    /// Keeps a started sign-on for `valid_for`; rows past their expiry are pruned.
    pub async fn start_sso(
        &self,
        state: &str,
        pending: &PendingSso,
        valid_for: Duration,
    ) -> Result<(), StoreError> {
        let now = self.now_ms();
        sqlx::query("DELETE FROM sso_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(self.writer())
            .await?;
        sqlx::query(
            "INSERT INTO sso_logins (state_hash, nonce, pkce_verifier, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash(state))
        .bind(&pending.nonce)
        .bind(&pending.pkce_verifier)
        .bind(now)
        .bind(now.saturating_add(i64::try_from(valid_for.as_millis()).unwrap_or(i64::MAX)))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Takes the sign-on started with `state`: `None` when unknown, already taken or
    /// expired. The row is gone afterwards either way.
    pub async fn take_sso(&self, state: &str) -> Result<Option<PendingSso>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM sso_logins WHERE state_hash = $1 \
             RETURNING nonce, pkce_verifier, expires_at",
        )
        .bind(hash(state))
        .fetch_optional(self.writer())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= self.now_ms() {
            return Ok(None);
        }
        Ok(Some(PendingSso {
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
        }))
    }
}
