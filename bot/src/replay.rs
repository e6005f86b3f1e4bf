//! Signed callbacks are accepted once, and only while fresh.
//!
//! After a platform's signature check passes, [`ReplayGuard::check`] refuses a request
//! whose timestamp is more than five minutes from now (stale) or whose
//! `(timestamp, signature)` pair was already seen (replayed). Seen pairs are kept in the
//! store, so every replica behind a load balancer refuses the replay; entries older than
//! a day are pruned by [`forget_old_callbacks`] (a replayed request that old is stale anyway).

use std::time::Duration;

use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::Store;
use sha2::{Digest, Sha256};

use crate::error::CallbackError;

/// How far a request timestamp may be from now, in seconds (Slack's documented window).
pub const WINDOW_SECS: i64 = 5 * 60;

/// How long seen callbacks (signatures, event ids) are remembered.
const KEEP: Duration = Duration::from_secs(24 * 3600);

/// Refuses stale and replayed callbacks.
#[derive(Debug, Clone)]
pub struct ReplayGuard {
    store: Store,
}

impl ReplayGuard {
    pub fn new(store: Store) -> Self {
        ReplayGuard { store }
    }

    /// Call only after the signature was verified: `timestamp` is the signed Unix-seconds
    /// header, `signature` the signature header.
    pub async fn check(
        &self,
        platform: &str,
        timestamp: &str,
        signature: &str,
    ) -> Result<(), CallbackError> {
        let at: i64 = timestamp.trim().parse().map_err(|_| CallbackError::Stale)?;
        let now = jiff::Timestamp::now().as_second();
        if (now - at).abs() > WINDOW_SECS {
            return Err(CallbackError::Stale);
        }
        let digest = hex::encode(Sha256::digest(signature.as_bytes()));
        let key = format!("signature:{platform}:{at}:{}", &digest[..32]);
        if self.store.mark_callback_processed(&key).await? {
            Ok(())
        } else {
            Err(CallbackError::Replayed)
        }
    }
}

/// Prunes remembered callbacks every hour until shutdown.
pub async fn forget_old_callbacks(store: Store, mut shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait() => return,
        }
        let keep_ms = i64::try_from(KEEP.as_millis()).unwrap_or(i64::MAX);
        match store
            .prune_processed_callbacks(store.now_ms() - keep_ms)
            .await
        {
            Ok(removed) => tracing::debug!(removed, "pruned remembered callbacks"),
            Err(error) => tracing::warn!(%error, "cannot prune remembered callbacks"),
        }
    }
}
