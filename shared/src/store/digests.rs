//! Daily digests, exactly once per channel per day: the digest's key is recorded and its
//! delivery enqueued in one transaction; a second replica (or a restart) trying the same
//! key finds it taken. Delivery then goes through the outbox like any alert, with the
//! same idempotent retries.

use serde::{Deserialize, Serialize};

use super::outbox;
use super::{Store, StoreError};
use crate::config::ChatPlatform;
use crate::contracts::outbox::OutboxMessage;
use crate::contracts::Subject;
use crate::site_id::SiteId;

/// One digest to post: the payload of an [`OutboxMessage::Digest`] row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestJob {
    /// `platform:channel:YYYY-MM-DD` for scheduled digests; unique per request on demand.
    pub key: String,
    pub platform: ChatPlatform,
    pub channel: String,
    /// The reported local day, `YYYY-MM-DD`.
    pub day: String,
    pub time_zone: String,
    /// Sites summarised (empty: all).
    pub sites: Vec<SiteId>,
    /// Posted after its scheduled time because the bot was down.
    pub late: bool,
    /// Asked for with a command: today so far, not a finished day.
    pub on_demand: bool,
}

impl DigestJob {
    /// The key of the scheduled digest of `day` for a channel.
    pub fn scheduled_key(platform: ChatPlatform, channel: &str, day: &str) -> String {
        format!("{}:{channel}:{day}", platform.as_str())
    }

    /// What its outbox row and chat posts are about.
    pub fn subject(&self) -> Subject {
        Subject::Digest(self.key.clone())
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
        .bind(job.platform.as_str())
        .bind(&job.channel)
        .bind(&job.day)
        .bind(i64::from(job.late))
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            let message = OutboxMessage::Digest(job.clone());
            outbox::enqueue(self, &mut tx, &job.subject(), &message).await?;
        }
        tx.commit().await?;
        Ok(inserted == 1)
    }
}
