//! The re-alert watcher: escalations nobody claimed within their SLA get nudged again.
//!
//! Each tick asks the store for queued escalations (and claimed ones whose owner is away)
//! whose last alert is older than their priority's SLA (`[bot.sla]`) and records a re-alert for each; the record is a
//! conditional update on the re-alert count, so when several replicas tick at once
//! exactly one wins and enqueues the `realert` outbox row. The delivery worker then posts
//! it (thread nudge, or the managers' channel after `realerts_before_managers`).

use std::time::Duration;

use frontline_shared::config::SlaSettings;
use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::{Store, StoreError};

/// Looks for overdue escalations every `tick`.
#[derive(Debug, Clone)]
pub struct SlaWatcher {
    store: Store,
    sla: SlaSettings,
    tick: Duration,
}

impl SlaWatcher {
    /// Ticks at a quarter of the shortest SLA, between 50 ms and 5 s.
    pub fn new(store: Store, sla: SlaSettings) -> Self {
        let shortest = [sla.urgent, sla.high, sla.normal, sla.low]
            .into_iter()
            .map(|d| d.unsigned_abs())
            .min()
            .unwrap_or(Duration::from_secs(60));
        let tick = (shortest / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
        SlaWatcher { store, sla, tick }
    }

    pub fn tick(&self) -> Duration {
        self.tick
    }

    /// One pass: records a re-alert for every overdue escalation; returns how many this
    /// replica recorded.
    pub async fn check_once(&self) -> Result<usize, StoreError> {
        let sla = self.sla.clone();
        let sla_ms = move |priority| {
            i64::try_from(sla.for_priority(priority).unsigned_abs().as_millis()).unwrap_or(i64::MAX)
        };
        let due = self.store.escalations_due_for_realert(&sla_ms).await?;
        let mut recorded = 0;
        for escalation in due {
            if self.store.record_realert(&escalation).await? {
                recorded += 1;
                tracing::info!(escalation = %escalation.id, priority = escalation.priority.as_str(),
                    realert = escalation.realerts + 1, away_owner = escalation.claimed_by.as_deref(),
                    "unclaimed (or its owner away) past its SLA; re-alerting");
            }
        }
        Ok(recorded)
    }

    /// Checks every tick until `shutdown`.
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut ticker = tokio::time::interval(self.tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.wait() => return,
            }
            if let Err(error) = self.check_once().await {
                tracing::warn!(%error, "SLA check failed");
            }
        }
    }
}
