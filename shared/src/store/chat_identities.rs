//! Chat users linked to agent accounts with a one-time code (Discord's
//! `/frontline link CODE`), and those codes. Only a code's SHA-256 is kept; a code works
//! once, before it expires, and a newer code of the same account replaces it.

use sha2::{Digest, Sha256};
use sqlx::Row;
use std::time::Duration;

use super::audit::{self, AuditRecord};
use super::{Store, StoreError};
use crate::config::ChatPlatform;

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().to_uppercase().as_bytes()))
}

/// The alphabet of link codes: no 0/O or 1/I/L, so a code read aloud is typed right.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a link code (31^8 ≈ 8.5·10^11 codes, each valid minutes and once).
const CODE_CHARS: usize = 8;

impl Store {
    /// A new link code for account `agent_id`, valid for `valid_for`; earlier unused
    /// codes of the account stop working.
    pub async fn create_link_code(
        &self,
        agent_id: &str,
        valid_for: Duration,
    ) -> Result<String, StoreError> {
        let now = self.now_ms();
        let code: String = (0..CODE_CHARS)
            .map(|_| {
                let i = rand::random::<u32>() as usize % CODE_ALPHABET.len();
                char::from(CODE_ALPHABET[i])
            })
            .collect();
        let valid_ms = i64::try_from(valid_for.as_millis()).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE chat_link_codes SET used_at = $1 WHERE agent_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO chat_link_codes (code_hash, agent_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(hash(&code))
        .bind(agent_id)
        .bind(now.saturating_add(valid_ms))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(code)
    }

    /// The account whose unused, unexpired code `code` is (case-insensitive), if any;
    /// the code stays usable.
    pub async fn link_code_agent_id(&self, code: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT agent_id FROM chat_link_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash(code))
        .bind(self.now_ms())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("agent_id")).transpose()?)
    }

    /// Links chat user `user_id` on `platform` to the account whose unused, unexpired
    /// code `code` is (case-insensitive), with `audit`'s row on the account; the code is
    /// used up. Returns the account id, or `None` for an unknown, used or expired code
    /// (then nothing is recorded). A user linked before is relinked.
    pub async fn redeem_link_code(
        &self,
        platform: ChatPlatform,
        user_id: &str,
        code: &str,
        audit: AuditRecord<'_>,
    ) -> Result<Option<String>, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT agent_id FROM chat_link_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash(code))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let agent_id: String = row.try_get("agent_id")?;
        // Conditional on still unused: of two redemptions at once, one links.
        let used = sqlx::query(
            "UPDATE chat_link_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(hash(code))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO chat_identities (platform, chat_user_id, agent_id, linked_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (platform, chat_user_id) DO UPDATE SET agent_id = excluded.agent_id, linked_at = excluded.linked_at",
        )
        .bind(platform.as_str())
        .bind(user_id)
        .bind(&agent_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::append_in(self, &mut tx, audit, Some(&agent_id)).await?;
        tx.commit().await?;
        Ok(Some(agent_id))
    }

    /// The account chat user `user_id` on `platform` linked to, if any.
    pub async fn linked_agent_id(
        &self,
        platform: ChatPlatform,
        user_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT agent_id FROM chat_identities WHERE platform = $1 AND chat_user_id = $2",
        )
        .bind(platform.as_str())
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("agent_id")).transpose()?)
    }

    /// The chat user on `platform` linked to account `agent_id`, if any (the newest link).
    pub async fn linked_chat_user_id(
        &self,
        platform: ChatPlatform,
        agent_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT chat_user_id FROM chat_identities WHERE platform = $1 AND agent_id = $2 \
             ORDER BY linked_at DESC LIMIT 1",
        )
        .bind(platform.as_str())
        .bind(agent_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get("chat_user_id")).transpose()?)
    }
}
