//! The event hub: wakes a conversation's live streams when its events change.
//!
//! The store is the source of truth (any replica, or the bot, may write an event); the hub
//! only says "look again". On PostgreSQL it listens to `NOTIFY frontline_events`; on SQLite
//! it polls the newest event ids every `poll` (one indexed range read for all streams).
//! Streams also re-read on a slow timer, so a missed wake-up costs latency, never an event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::events::EVENTS_CHANNEL;
use frontline_shared::store::{Backend, Store};
use tokio::sync::broadcast;

/// Fan-out of "conversation X changed" signals to its streams.
#[derive(Debug, Default)]
pub struct EventHub {
    channels: Mutex<HashMap<String, broadcast::Sender<()>>>,
}

impl EventHub {
    /// A receiver woken whenever `conversation_id` gets new events.
    pub fn subscribe(&self, conversation_id: &str) -> broadcast::Receiver<()> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(conversation_id.to_string())
            .or_insert_with(|| broadcast::channel(4).0)
            .subscribe()
    }

    /// Wakes `conversation_id`'s streams; forgets conversations nobody watches any more.
    pub fn wake(&self, conversation_id: &str) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = channels.get(conversation_id) {
            if sender.send(()).is_err() {
                channels.remove(conversation_id);
            }
        }
    }

    /// Wakes every stream (after a reconnect, when notifications may have been missed).
    pub fn wake_all(&self) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.retain(|_, sender| sender.send(()).is_ok());
    }

    pub fn streams(&self) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.values().map(|s| s.receiver_count()).sum()
    }
}

/// Feeds the hub from the store until shutdown.
pub async fn run(hub: Arc<EventHub>, store: Store, poll: Duration, shutdown: Shutdown) {
    match store.backend() {
        Backend::Postgres => listen_postgres(hub, store, shutdown).await,
        Backend::Sqlite => poll_store(hub, store, poll, shutdown).await,
    }
}

async fn poll_store(hub: Arc<EventHub>, store: Store, poll: Duration, mut shutdown: Shutdown) {
    let mut last = store.latest_event_id().await.unwrap_or(0);
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.wait() => return,
        }
        match store.events_since(last).await {
            Ok(events) => {
                for (id, conversation_id) in events {
                    last = last.max(id);
                    hub.wake(&conversation_id);
                }
            }
            Err(error) => tracing::warn!(%error, "event poll failed"),
        }
    }
}

async fn listen_postgres(hub: Arc<EventHub>, store: Store, mut shutdown: Shutdown) {
    let mut delay = Duration::from_millis(100);
    loop {
        match store.listen(EVENTS_CHANNEL).await {
            Ok(Some(mut listener)) => {
                delay = Duration::from_millis(100);
                hub.wake_all();
                loop {
                    tokio::select! {
                        payload = listener.recv() => match payload {
                            Ok(conversation_id) => hub.wake(&conversation_id),
                            Err(error) => { tracing::warn!(%error, "event listener lost"); break; }
                        },
                        _ = shutdown.wait() => return,
                    }
                }
            }
            Ok(None) => return,
            Err(error) => tracing::warn!(%error, "cannot connect the event listener"),
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait() => return,
        }
        delay = (delay * 2).min(Duration::from_secs(5));
        hub.wake_all();
    }
}
