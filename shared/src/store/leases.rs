//! Leases: a named role that one process holds at a time across replicas (the Discord
//! gateway session, of which Discord allows one per bot token).
//!
//! A lease row has a holder and an expiry. [`Store::hold_lease`] takes a free or lapsed
//! lease, or renews one the caller already holds, in one conditional upsert: on
//! PostgreSQL `INSERT … ON CONFLICT DO UPDATE … WHERE` locks the row, on SQLite writers
//! are serialised, so of two replicas racing for a lapsed lease exactly one wins. A
//! holder that dies simply stops renewing and the lease lapses after its time to live.
//! Times come from the store's clock, so tests move them by hand.

use std::time::Duration;

use sqlx::Row;

use super::{Store, StoreError};

/// Who holds a lease, and until when (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub holder: String,
    pub expires_at_ms: i64,
}

impl Store {
    /// Takes lease `name` for `holder` for `ttl` from now, or renews it if `holder`
    /// already has it; `false` while another holder's lease has not lapsed.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = self.now_ms();
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2));
        let taken = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Gives lease `name` up if `holder` has it (a clean shutdown), so another replica
    /// can take it at once instead of waiting for it to lapse.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Who holds lease `name` now (`None`: nobody, or the last holder's lease lapsed).
    pub async fn lease_holder(&self, name: &str) -> Result<Option<LeaseHolder>, StoreError> {
        let row = sqlx::query(
            "SELECT holder, expires_at FROM leases WHERE name = $1 AND expires_at > $2",
        )
        .bind(name)
        .bind(self.now_ms())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(LeaseHolder {
                holder: row.try_get("holder")?,
                expires_at_ms: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }
}
