//! Daily digests, exactly once per channel per day: the digest's key is recorded and its
//! delivery enqueued in one transaction; a second replica (or a restart) trying the same
//! key finds it taken. Delivery then goes through the outbox like any alert, with the
//! same idempotent retries.

use serde::{Deserialize, Serialize};

use super::outbox::{self, OutboxKind};
use super::{Store, StoreError};

/// One digest to post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestJob {
    /// `platform:channel:YYYY-MM-DD` for scheduled digests; unique per request on demand.
    pub key: String,
    pub platform: String,
    pub channel: String,
    /// The reported local day, `YYYY-MM-DD`.
    pub day: String,
    pub time_zone: String,
    /// Sites summarised (empty: all).
    pub sites: Vec<String>,
    /// Posted after its scheduled time because the bot was down.
    pub late: bool,
    /// Asked for with a command: today so far, not a finished day.
    pub on_demand: bool,
}

impl DigestJob {
    /// The key of the scheduled digest of `day` for a channel.
    pub fn scheduled_key(platform: &str, channel: &str, day: &str) -> String {
        format!("{platform}:{channel}:{day}")
    }
}

impl Store {
    /// Records `job` and enqueues its delivery; `false` when the key was already taken.
    pub async fn schedule_digest(&self, job: &DigestJob) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO digests (key, platform, channel, day, late, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(&job.key)
        .bind(&job.platform)
        .bind(&job.channel)
        .bind(&job.day)
        .bind(i64::from(job.late))
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            let payload =
                serde_json::to_value(job).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            outbox::enqueue(
                self,
                &mut tx,
                &format!("digest:{}", job.key),
                OutboxKind::Digest,
                &payload,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(inserted == 1)
    }
}
