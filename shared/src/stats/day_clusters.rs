//! Clustering each closed UTC day's unanswered questions once, so reports over long
//! periods read a few stored clusters per day ([`super::gaps`]) instead of clustering a
//! sample of the newest questions.
//!
//! A day is closed [`GRACE_MS`] (one hour) after its UTC midnight: questions are stamped
//! by the recording replica's clock when they arrive, so by then every replica has
//! written the day's questions. A question stamped into a day already clustered (a
//! replica's clock more than an hour behind) is not counted in that day's clusters;
//! nothing else is lost.
//!
//! Every widget-server replica runs the job every [`EVERY`]: it clusters every closed day
//! with unanswered questions and no mark yet, oldest first, [`BATCH`] days per query,
//! until none is left. That is also the backfill after an upgrade: days an earlier release
//! stored have raw questions and no mark. Two replicas may cluster the same day at once;
//! only the first to store the day's mark stores its clusters
//! ([`Store::record_day_clusters`]), so nothing is counted twice.

use std::collections::HashMap;
use std::time::Duration;

use super::clusters::{self, Cluster};
use crate::shutdown::Shutdown;
use crate::site_id::SiteId;
use crate::store::rollups::DAY_MS;
use crate::store::unanswered_days::DayCluster;
use crate::store::{Store, StoreError};

/// How long after its UTC midnight a day counts as closed.
pub const GRACE_MS: i64 = 60 * 60 * 1000;
/// How often a replica looks for closed days.
pub const EVERY: Duration = Duration::from_secs(10 * 60);
/// Days found per query.
pub const BATCH: i64 = 50;
/// Clusters kept per site and day, the largest (a report over 400 days reads at most
/// 80,000 rows per site).
pub const KEPT: usize = 200;
/// Similarity at which questions join a cluster (as in reports).
const THRESHOLD: f64 = 0.5;

/// What one catch-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatchUp {
    /// Days this replica clustered and stored.
    pub stored: usize,
    /// Days another replica stored first.
    pub taken_elsewhere: usize,
}

/// The day-clustering job of one replica.
#[derive(Debug, Clone)]
pub struct DayClustering {
    store: Store,
}

impl DayClustering {
    pub fn new(store: Store) -> Self {
        DayClustering { store }
    }

    /// Clusters every closed day not clustered yet (by the store's clock), oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn catch_up(&self) -> Result<CatchUp, StoreError> {
        let mut done = CatchUp::default();
        loop {
            let closed_before = (self.store.now_ms() - GRACE_MS).div_euclid(DAY_MS) * DAY_MS;
            let due = self
                .store
                .unclustered_unanswered_days(closed_before, BATCH)
                .await?;
            if due.is_empty() {
                return Ok(done);
            }
            for (site, day) in due {
                if cluster_day(&self.store, &site, day).await? {
                    done.stored += 1;
                } else {
                    done.taken_elsewhere += 1;
                }
            }
        }
    }

    /// Catches up every [`EVERY`] until shutdown; errors are logged and retried next time.
    pub async fn run(self, mut shutdown: Shutdown) {
        loop {
            match self.catch_up().await {
                Ok(done) if done.stored > 0 => {
                    tracing::info!(days = done.stored, "unanswered questions clustered")
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "clustering unanswered questions failed; trying again later")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = shutdown.wait() => return,
            }
        }
    }
}

/// Clusters `site`'s unanswered questions of UTC day `day` and stores the [`KEPT`]
/// largest clusters; `false` when the day was already stored.
pub async fn cluster_day(store: &Store, site: &SiteId, day: i64) -> Result<bool, StoreError> {
    let questions = store.unanswered_questions_of_day(site, day).await?;
    // The first (newest) message of each phrasing stands for it.
    let mut ids: HashMap<String, i64> = HashMap::new();
    for question in &questions {
        ids.entry(question.body.trim().to_string())
            .or_insert(question.id);
    }
    let bodies: Vec<String> = questions.iter().map(|q| q.body.clone()).collect();
    let stored: Vec<DayCluster> = clusters::cluster(&bodies, THRESHOLD, KEPT)
        .iter()
        .filter_map(|c| by_id(c, &ids))
        .collect();
    store
        .record_day_clusters(site, day, questions.len() as i64, &stored)
        .await
}

/// `cluster` with its phrasings named by message id.
fn by_id(cluster: &Cluster, ids: &HashMap<String, i64>) -> Option<DayCluster> {
    Some(DayCluster {
        count: i64::try_from(cluster.count).ok()?,
        example_id: *ids.get(&cluster.example)?,
        other_ids: cluster
            .others
            .iter()
            .filter_map(|other| ids.get(other).copied())
            .collect(),
    })
}
