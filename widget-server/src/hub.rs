//! The event hub: wakes a conversation's live streams when its events change.
//!
//! The store is the source of truth (any replica, or the bot, may write an event); the hub
//! only says "look again". On PostgreSQL it listens to `NOTIFY frontline_events`; on SQLite
//! it polls the newest event ids every `poll` (one indexed range read for all streams).
//! Streams also re-read on a slow timer, so a missed wake-up costs latency, never an event.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::events::EVENTS_CHANNEL;
use frontline_shared::store::{Backend, Store};
use tokio::sync::{broadcast, oneshot};

/// Fan-out of "conversation X changed" signals to its streams, and the register of open
/// streams that enforces `streams_per_conversation` and `streams_per_ip`.
#[derive(Debug, Default)]
pub struct EventHub {
    inner: Mutex<Streams>,
}

#[derive(Debug, Default)]
struct Streams {
    /// One entry per conversation with at least one open stream (removed with its last).
    conversations: HashMap<String, Watched>,
    per_ip: HashMap<IpAddr, usize>,
    next_id: u64,
}

#[derive(Debug)]
struct Watched {
    wake: broadcast::Sender<()>,
    /// Open streams, oldest first, each with the signal that ends it early.
    streams: VecDeque<(u64, oneshot::Sender<()>)>,
}

/// Caps on open streams (from `[server.limits]`).
#[derive(Debug, Clone, Copy)]
pub struct StreamCaps {
    pub per_conversation: usize,
    pub per_ip: usize,
}

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many live streams from this address")]
pub struct TooManyStreams;

/// One open stream: woken when its conversation changes, ended early when a newer stream
/// of the same conversation replaces it. Dropping it unregisters the stream.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<EventHub>,
    conversation_id: String,
    ip: IpAddr,
    id: u64,
    wake: broadcast::Receiver<()>,
    replaced: oneshot::Receiver<()>,
}

impl EventHub {
    fn streams(&self) -> std::sync::MutexGuard<'_, Streams> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a stream of `conversation_id` for a client at `ip`. Beyond
    /// `caps.per_conversation` the oldest stream of the conversation is ended; beyond
    /// `caps.per_ip` the new one is refused.
    pub fn open(
        self: &Arc<Self>,
        conversation_id: &str,
        ip: IpAddr,
        caps: StreamCaps,
    ) -> Result<Subscription, TooManyStreams> {
        let ip = ip.to_canonical();
        let mut streams = self.streams();
        let Streams {
            conversations,
            per_ip,
            next_id,
        } = &mut *streams;
        let from_ip = per_ip.entry(ip).or_insert(0);
        if *from_ip >= caps.per_ip {
            if *from_ip == 0 {
                per_ip.remove(&ip);
            }
            return Err(TooManyStreams);
        }
        *from_ip += 1;
        *next_id += 1;
        let id = *next_id;
        let watched = conversations
            .entry(conversation_id.to_string())
            .or_insert_with(|| Watched {
                wake: broadcast::channel(4).0,
                streams: VecDeque::new(),
            });
        while watched.streams.len() >= caps.per_conversation.max(1) {
            if let Some((_, end)) = watched.streams.pop_front() {
                let _ = end.send(());
            }
        }
        let (end, replaced) = oneshot::channel();
        watched.streams.push_back((id, end));
        Ok(Subscription {
            hub: Arc::clone(self),
            conversation_id: conversation_id.to_string(),
            ip,
            id,
            wake: watched.wake.subscribe(),
            replaced,
        })
    }

    /// Wakes `conversation_id`'s streams, if it has any.
    pub fn wake(&self, conversation_id: &str) {
        if let Some(watched) = self.streams().conversations.get(conversation_id) {
            let _ = watched.wake.send(());
        }
    }

    /// Wakes every stream (after a reconnect, when notifications may have been missed).
    pub fn wake_all(&self) {
        for watched in self.streams().conversations.values() {
            let _ = watched.wake.send(());
        }
    }

    /// Open streams.
    pub fn open_streams(&self) -> usize {
        let streams = self.streams();
        streams
            .conversations
            .values()
            .map(|w| w.streams.len())
            .sum()
    }

    /// Conversations with at least one open stream (the entries the hub keeps).
    pub fn watched_conversations(&self) -> usize {
        self.streams().conversations.len()
    }
}

/// What a [`Subscription`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The conversation may have new events.
    Changed,
    /// A newer stream of the same conversation has replaced this one.
    Replaced,
}

impl Subscription {
    /// The next signal for this stream.
    pub async fn next(&mut self) -> Signal {
        let Subscription { wake, replaced, .. } = self;
        let changed = async {
            loop {
                match wake.recv().await {
                    Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                    // The hub keeps the sender while this stream is registered.
                    Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                }
            }
        };
        tokio::select! {
            () = changed => Signal::Changed,
            // An error (unregistered without a signal) cannot happen while `self` lives.
            _ = replaced => Signal::Replaced,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut streams = self.hub.streams();
        if let Some(watched) = streams.conversations.get_mut(&self.conversation_id) {
            watched.streams.retain(|(id, _)| *id != self.id);
            if watched.streams.is_empty() {
                streams.conversations.remove(&self.conversation_id);
            }
        }
        if let Some(from_ip) = streams.per_ip.get_mut(&self.ip) {
            *from_ip = from_ip.saturating_sub(1);
            if *from_ip == 0 {
                streams.per_ip.remove(&self.ip);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const CAPS: StreamCaps = StreamCaps {
        per_conversation: 2,
        per_ip: 3,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }

    #[tokio::test]
    async fn a_third_stream_of_a_conversation_replaces_the_oldest() {
        let hub = Arc::new(EventHub::default());
        let mut first = hub.open("c1", ip(1), CAPS).expect("first");
        let _second = hub.open("c1", ip(1), CAPS).expect("second");
        let _third = hub.open("c1", ip(2), CAPS).expect("third");
        let signal = tokio::time::timeout(Duration::from_secs(5), first.next())
            .await
            .expect("the oldest stream is told to end");
        assert_eq!(signal, Signal::Replaced);
        drop(first);
        assert_eq!(hub.open_streams(), 2);
    }

    #[tokio::test]
    async fn streams_beyond_the_per_ip_cap_are_refused_until_one_closes() {
        let hub = Arc::new(EventHub::default());
        let open: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|c| hub.open(c, ip(1), CAPS).expect("within the cap"))
            .collect();
        assert_eq!(hub.open("d", ip(1), CAPS).err(), Some(TooManyStreams));
        let _other = hub.open("d", ip(2), CAPS).expect("another address");
        drop(open);
        let _again = hub.open("d", ip(1), CAPS).expect("places were freed");
    }

    #[tokio::test]
    async fn a_conversation_is_forgotten_with_its_last_stream_and_wakes_the_others() {
        let hub = Arc::new(EventHub::default());
        let gone = hub.open("gone", ip(1), CAPS).expect("open");
        let mut kept = hub.open("kept", ip(1), CAPS).expect("open");
        drop(gone);
        assert_eq!(hub.watched_conversations(), 1, "no entry left for `gone`");
        hub.wake("gone");
        hub.wake("kept");
        let signal = tokio::time::timeout(Duration::from_secs(5), kept.next())
            .await
            .expect("woken");
        assert_eq!(signal, Signal::Changed);
        drop(kept);
        assert_eq!(hub.watched_conversations(), 0);
        assert!(hub.streams().per_ip.is_empty());
    }
}
