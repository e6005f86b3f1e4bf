//! The delivery worker: leases outbox rows and applies them, at least once, in order per
//! escalation.
//!
//! [`DeliveryWorker::try_deliver_once`] is one step (lease a batch, deliver it, complete or
//! reschedule each row) that tests drive directly; [`DeliveryWorker::run`] keeps up to
//! `[bot.delivery] concurrency` deliveries in flight and wakes on PostgreSQL `NOTIFY`, or
//! every `poll` on SQLite. Each process has its own worker id, so several replicas can
//! share a store: a row is leased by one of them at a time, and a crashed replica's rows
//! come back when their lease expires.
//!
//! # Layout
//! - [`effects`]: what each kind of row does on each platform.
//! - [`files`]: customers' files into the thread, exactly once; erasure in the thread.
//! - [`chat_files`]: files agents share in the thread, fetched and relayed to the customer.
//! - [`retry`]: back-off and `Retry-After`.

pub mod chat_files;
pub mod effects;
pub mod files;
pub mod retry;

use std::sync::Arc;
use std::time::Duration;

use frontline_shared::config::DeliverySettings;
use frontline_shared::contracts::Contract;
use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::outbox::{OutboxRow, OUTBOX_CHANNEL};
use frontline_shared::store::{Backend, Listener, Store, StoreError};
use tokio::task::JoinSet;

use crate::error::DeliveryError;
pub use effects::Effects;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due.
    Idle,
    /// Rows were leased: `delivered` completed, `retried` rescheduled.
    Worked { delivered: usize, retried: usize },
}

/// How one row went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivered {
    Done,
    Rescheduled,
}

/// Works through the outbox; cheap to clone (one shared inside).
#[derive(Debug, Clone)]
pub struct DeliveryWorker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    effects: Effects,
    /// Unique per process: leases are taken in this name.
    id: String,
    lease: Duration,
    poll: Duration,
    concurrency: usize,
    /// A delivery taking longer is abandoned (and retried); half the lease, so a row is
    /// never delivered by two replicas at once.
    call_timeout: Duration,
}

impl DeliveryWorker {
    pub fn new(effects: Effects, settings: &DeliverySettings) -> Self {
        let lease = settings.lease.unsigned_abs();
        let id = format!(
            "bot-{}-{}",
            std::process::id(),
            hex::encode(rand::random::<[u8; 4]>())
        );
        DeliveryWorker {
            inner: Arc::new(Inner {
                effects,
                id,
                lease,
                poll: settings.poll.unsigned_abs(),
                concurrency: usize::try_from(settings.concurrency).unwrap_or(1).max(1),
                call_timeout: (lease / 2).min(Duration::from_secs(30)),
            }),
        }
    }

    /// The name this worker leases rows under.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    fn store(&self) -> &Store {
        &self.inner.effects.store
    }

    /// Leases what is due (up to `concurrency` rows) and delivers it.
    pub async fn try_deliver_once(&self) -> Result<Outcome, StoreError> {
        let events = self.lease(self.inner.concurrency).await?;
        if events.is_empty() {
            return Ok(Outcome::Idle);
        }
        let results =
            futures_util::future::join_all(events.into_iter().map(|e| self.deliver(e))).await;
        let delivered = results.iter().filter(|r| **r == Delivered::Done).count();
        Ok(Outcome::Worked {
            delivered,
            retried: results.len() - delivered,
        })
    }

    async fn lease(&self, max: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let max = i64::try_from(max).unwrap_or(1);
        self.store()
            .lease_outbox(&self.inner.id, max, self.inner.lease)
            .await
    }

    /// Delivers one leased row and completes or reschedules it. Its log lines carry the
    /// escalation id, as the widget server's `handoff stored` line does.
    #[tracing::instrument(name = "delivery", skip_all,
        fields(outbox = event.id, escalation = %event.subject, kind = event.message.kind()))]
    async fn deliver(&self, event: OutboxRow) -> Delivered {
        let inner = &self.inner;
        let kind = event.message.kind();
        let result = tokio::time::timeout(inner.call_timeout, inner.effects.apply(&event))
            .await
            .unwrap_or(Err(DeliveryError::TimedOut(inner.call_timeout)));
        let store = self.store();
        match result {
            Ok(()) => {
                if let Err(error) = store.complete_outbox(event.id).await {
                    // Redelivered after the lease expires; effects are recorded, so harmless.
                    tracing::warn!(%error, outbox = event.id, "cannot mark a delivered row");
                }
                inner.effects.metrics.delivered(kind, "ok");
                tracing::info!("delivered");
                Delivered::Done
            }
            Err(error) => {
                let wait = retry::with_jitter(retry::delay(&error, event.attempts));
                let wait_ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 4);
                if matches!(error, DeliveryError::NotYet(_)) {
                    tracing::info!(outbox = event.id, retry_in_ms = wait_ms, "not due yet");
                } else {
                    tracing::warn!(%error, outbox = event.id, subject = %event.subject, kind,
                        attempts = event.attempts, retry_in_ms = wait_ms, "delivery failed; will retry");
                }
                let at = store.now_ms() + wait_ms;
                if let Err(store_error) = store.retry_outbox(event.id, at, &error.to_string()).await
                {
                    tracing::warn!(error = %store_error, outbox = event.id, "cannot reschedule; the lease will expire");
                }
                inner.effects.metrics.retried(error.reason());
                inner.effects.metrics.delivered(kind, "retry");
                Delivered::Rescheduled
            }
        }
    }

    /// Delivers until `shutdown`, then waits for deliveries in flight.
    pub async fn run(self, mut shutdown: Shutdown) {
        let backend = self.store().backend();
        // With NOTIFY the timer only catches retries coming due and missed notifications.
        let poll = match backend {
            Backend::Postgres => self.inner.poll.max(Duration::from_secs(1)),
            Backend::Sqlite => self.inner.poll,
        };
        let mut listener: Option<Listener> = None;
        let mut in_flight: JoinSet<Delivered> = JoinSet::new();
        let mut store_down = Duration::ZERO;
        tracing::info!(worker = %self.inner.id, "delivery worker started");
        loop {
            if backend == Backend::Postgres && listener.is_none() {
                listener = self
                    .store()
                    .listen(OUTBOX_CHANNEL)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::warn!(%error, "cannot listen for outbox notifications; polling");
                        None
                    });
            }
            while in_flight.try_join_next().is_some() {}
            let free = self.inner.concurrency.saturating_sub(in_flight.len());
            if free > 0 {
                match self.lease(free).await {
                    Ok(events) => {
                        store_down = Duration::ZERO;
                        for event in events {
                            let worker = self.clone();
                            in_flight.spawn(async move { worker.deliver(event).await });
                        }
                    }
                    Err(error) => {
                        store_down = (store_down * 2).clamp(poll, Duration::from_secs(5));
                        tracing::warn!(%error, "cannot lease outbox rows");
                    }
                }
            }
            let nap = poll.max(store_down);
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                woken = notified(&mut listener) => if !woken { listener = None },
                _ = tokio::time::sleep(nap) => {}
                _ = shutdown.wait() => break,
            }
        }
        while in_flight.join_next().await.is_some() {}
        tracing::info!(worker = %self.inner.id, "delivery worker stopped");
    }
}

/// Waits for a notification; false when the listener broke. Never returns without one.
async fn notified(listener: &mut Option<Listener>) -> bool {
    match listener {
        Some(listener) => listener.recv().await.is_ok(),
        None => std::future::pending().await,
    }
}
