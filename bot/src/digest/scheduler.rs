//! The digest scheduler: at each check, every configured digest whose latest run is not
//! recorded yet is recorded and enqueued ([`Store::schedule_digest`]: one transaction,
//! a unique key per channel and day). Replicas checking at once race on the key and
//! exactly one wins; a bot that was down at the scheduled time records it on its first
//! check after start, marked late.

use std::time::Duration;

use frontline_shared::config::ChatPlatform;
use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::{Store, StoreError};
use jiff::Timestamp;

use super::DigestPlans;

/// A digest recorded more than this after its scheduled time is marked late.
pub const GRACE_MS: i64 = 5 * 60 * 1000;
/// Longest sleep between checks (also the delay after a store error).
const MAX_NAP: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct DigestScheduler {
    store: Store,
    plans: DigestPlans,
}

impl DigestScheduler {
    pub fn new(store: Store, plans: DigestPlans) -> Self {
        DigestScheduler { store, plans }
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.store.now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// One check: records every due digest not recorded yet; returns how many this
    /// replica recorded.
    pub async fn check_once(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let mut recorded = 0;
        for plan in self.plans.iter() {
            let Some(job) = plan.due(now, GRACE_MS) else {
                continue;
            };
            if self.store.schedule_digest(&job).await? {
                recorded += 1;
                tracing::info!(key = %job.key, late = job.late, "daily digest due; enqueued");
            }
        }
        Ok(recorded)
    }

    /// Enqueues today-so-far for `channel` (a `/frontline digest` command); `request_id`
    /// (Slack's trigger id, Discord's interaction id) makes a retried request apply once.
    pub async fn request_now(
        &self,
        platform: ChatPlatform,
        channel: &str,
        request_id: &str,
    ) -> Result<DigestJob, StoreError> {
        let job = self
            .plans
            .on_demand(platform, channel, request_id, self.now());
        if self.store.schedule_digest(&job).await? {
            tracing::info!(key = %job.key, "digest asked for on demand; enqueued");
        }
        Ok(job)
    }

    /// How long to sleep before the next check: until the next run, at most [`MAX_NAP`].
    fn nap(&self) -> Duration {
        let now = self.now();
        self.plans
            .iter()
            .filter_map(|plan| plan.next_run(now))
            .map(|at| (at.as_millisecond() - now.as_millisecond()).max(0))
            .min()
            .map(|ms| Duration::from_millis(ms.unsigned_abs() + 50))
            .unwrap_or(MAX_NAP)
            .min(MAX_NAP)
    }

    /// Checks at start and whenever a digest comes due, until `shutdown` (a worker runs
    /// until then even with no digest configured: ending earlier means it failed).
    pub async fn run(self, mut shutdown: Shutdown) {
        if self.plans.is_empty() {
            shutdown.wait().await;
            return;
        }
        loop {
            if let Err(error) = self.check_once().await {
                tracing::warn!(%error, "digest check failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.nap()) => {}
                _ = shutdown.wait() => return,
            }
        }
    }
}
