//! `[privacy] keep_conversations`: conversations older than that are erased the way a
//! customer's erasure request erases them (`Store::erase_conversation`): personal data
//! goes, the rows the figures count stay, so rollups do not change. `[privacy]
//! keep_attachments`: files older than that are deleted (no figure counts them).
//!
//! Every replica runs the job, and each hour exactly one of them does the work: the first
//! to record the hour's slot (`installation` key `retention:<hour>`, inserted once)
//! purges; the others see the slot taken and wait for the next hour. A replica that dies
//! halfway leaves the rest to the next hour's run, which picks up every conversation still
//! older than the limit; a conversation is erased at most once whoever runs.

use std::time::Duration;

use jiff::SignedDuration;

use crate::config::PrivacySettings;
use crate::shutdown::Shutdown;
use crate::store::{Store, StoreError};

/// How often a replica tries to take the job.
pub const EVERY: Duration = Duration::from_secs(60 * 60);
const HOUR_MS: i64 = 60 * 60 * 1000;
/// Conversations erased per batch.
const BATCH: i64 = 200;

/// What one try did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purge {
    /// This replica took the hour's slot and erased this many conversations.
    Ran { erased: u64 },
    /// Another replica (or an earlier try) already ran this hour.
    TakenElsewhere,
}

/// The retention job of one replica.
#[derive(Debug, Clone)]
pub struct Retention {
    store: Store,
    /// `keep_conversations` (unset: conversations are kept).
    keep: Option<SignedDuration>,
    /// `keep_attachments` (unset: files are kept with their conversation).
    keep_attachments: Option<SignedDuration>,
}

impl Retention {
    /// Erases conversations older than `keep`.
    pub fn new(store: Store, keep: SignedDuration) -> Self {
        Retention {
            store,
            keep: Some(keep),
            keep_attachments: None,
        }
    }

    /// The job `[privacy]` asks for, if it asks for one.
    pub fn from_settings(store: Store, privacy: &PrivacySettings) -> Option<Self> {
        (privacy.keep_conversations.is_some() || privacy.keep_attachments.is_some()).then(|| {
            Retention {
                store,
                keep: privacy.keep_conversations,
                keep_attachments: privacy.keep_attachments,
            }
        })
    }

    /// Also deletes files older than `keep`.
    pub fn keeping_attachments(mut self, keep: SignedDuration) -> Self {
        self.keep_attachments = Some(keep);
        self
    }

    /// Takes the current hour's slot if free, then erases every conversation created
    /// more than `keep` ago (by the store's clock) that is not erased yet.
    #[tracing::instrument(skip_all)]
    pub async fn try_purge_once(&self) -> Result<Purge, StoreError> {
        let now = self.store.now_ms();
        let slot = format!("retention:{}", now.div_euclid(HOUR_MS));
        if !self.store.take_job_slot(&slot).await? {
            return Ok(Purge::TakenElsewhere);
        }
        let before = |keep: SignedDuration| {
            now.saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX))
        };
        if let Some(keep) = self.keep_attachments {
            let deleted = self.store.purge_attachments(before(keep)).await?;
            if deleted > 0 {
                tracing::info!(
                    deleted,
                    "attachments past [privacy] keep_attachments deleted"
                );
            }
        }
        let Some(keep) = self.keep else {
            return Ok(Purge::Ran { erased: 0 });
        };
        let before = before(keep);
        let mut erased = 0;
        loop {
            let due = self.store.conversations_to_purge(before, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for id in due {
                self.store.erase_conversation(&id).await?;
                erased += 1;
            }
        }
        if erased > 0 {
            tracing::info!(
                erased,
                "conversations past [privacy] keep_conversations erased"
            );
        }
        Ok(Purge::Ran { erased })
    }

    /// Tries every [`EVERY`] until shutdown; errors are logged and retried next time.
    pub async fn run(self, mut shutdown: Shutdown) {
        loop {
            if let Err(error) = self.try_purge_once().await {
                tracing::warn!(%error, "retention purge failed; trying again next hour");
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = shutdown.wait() => return,
            }
        }
    }
}
