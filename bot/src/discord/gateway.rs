//! The Discord gateway (`[bot.discord] gateway = true`): agents answer a customer by
//! simply writing in the alert's thread, or replying to the alert, as Slack agents do.
//!
//! Without a gateway connection the bot cannot read channel messages (Discord delivers
//! them only over the gateway, https://discord.com/developers/docs/events/gateway), so the
//! alert's **Reply** modal was the only way; it stays as an alternative.
//!
//! serenity's gateway client keeps the connection: it identifies with the
//! `GUILD_MESSAGES` and privileged `MESSAGE_CONTENT` intents (enable "Message Content
//! Intent" on the bot's page in the developer portal), sends heartbeats, and on a dropped
//! connection or a `Reconnect` (op 7) resumes the session (op 6), so Discord replays what
//! was dispatched meanwhile. Messages are handed to one worker that relays them in order
//! ([`super::relay`]).
//!
//! # Several replicas: one session, elected by a lease
//!
//! Discord allows one session per bot token (and shard) at a time, so of several bot
//! replicas with `gateway = true` only the holder of the store's `discord-gateway` lease
//! connects. The holder renews it every [`RENEW_EVERY`]; the others try to take it as
//! often, and succeed once it has not been renewed for [`LEASE_TTL`]. So a replica
//! killed with `kill -9` is replaced within `LEASE_TTL + RENEW_EVERY` (18 s) plus the
//! connection's start. A holder that cannot renew (the store says someone else has it,
//! or the store is unreachable for longer than is safe) shuts its shard down and goes
//! back to standing by; one that stops cleanly gives the lease up at once.
//!
//! A new session, whether after a takeover or because Discord would not resume, is not
//! told what happened before it: on `READY` the holder catches up from the channels'
//! history ([`super::catch_up`]) before relaying what the session delivers.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::Store;
use serenity::all::{
    ClientBuilder, Context, EventHandler, GatewayIntents, HttpBuilder, Message, Ready,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::catch_up;
use super::relay::ThreadRelay;
use super::DiscordRest;

/// The store lease that elects the replica holding the gateway session.
pub const LEASE: &str = "discord-gateway";
/// How long a lease lasts without renewal (well under the 30 s a failover may take).
pub const LEASE_TTL: Duration = Duration::from_secs(15);
/// How often the holder renews the lease, and the others try to take it.
pub const RENEW_EVERY: Duration = Duration::from_secs(3);
/// Tries of a catch-up that failed (Discord or the store unavailable), 2 s apart.
const CATCH_UP_TRIES: u32 = 5;

/// Why the gateway worker ended with an error.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the Discord gateway connection failed: {0}")]
    Client(#[from] serenity::Error),
}

/// What the gateway worker needs.
#[derive(Debug, Clone)]
pub struct DiscordGateway {
    pub api_url: String,
    pub bot_token: String,
    pub store: Store,
    /// For reading channel history when catching up.
    pub rest: DiscordRest,
    /// The channels alerts are posted to (their cursors are kept).
    pub alert_channels: HashSet<String>,
    /// `[bot] allow_unlinked`: users who did not `/frontline link` may reply.
    pub allow_unlinked: bool,
}

/// The intents the bot asks for: guild messages and their content (privileged).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// How a term as the lease holder ended.
enum Term {
    /// The bot is stopping.
    Stopped,
    /// Another replica may hold the lease now: stand by again.
    LeaseLost,
    /// The gateway client stopped by itself.
    Ended(Result<(), serenity::Error>),
}

/// Stands by until this replica holds the gateway lease, keeps the session while it
/// does, and stands by again when it loses it; until `shutdown`.
pub async fn run(gateway: DiscordGateway, mut shutdown: Shutdown) -> Result<(), GatewayError> {
    let holder = format!(
        "pid{}-{}",
        std::process::id(),
        hex::encode(rand::random::<[u8; 4]>())
    );
    let store = gateway.store.clone();
    loop {
        if !wait_for_lease(&store, &holder, &mut shutdown).await {
            return Ok(());
        }
        tracing::info!(%holder, "holding the Discord gateway lease; connecting");
        let term = hold_session(&gateway, &holder, &mut shutdown).await;
        match term {
            Term::LeaseLost => continue,
            Term::Stopped => {
                release(&store, &holder).await;
                return Ok(());
            }
            Term::Ended(ended) => {
                release(&store, &holder).await;
                ended?;
                return Ok(());
            }
        }
    }
}

/// Tries to take the lease every [`RENEW_EVERY`]; false when `shutdown` came first.
async fn wait_for_lease(store: &Store, holder: &str, shutdown: &mut Shutdown) -> bool {
    let mut said = false;
    loop {
        match store.hold_lease(LEASE, holder, LEASE_TTL).await {
            Ok(true) => return true,
            Ok(false) if !said => {
                tracing::info!(%holder, "another replica holds the Discord gateway lease; standing by");
                said = true;
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot read the Discord gateway lease"),
        }
        tokio::select! {
            () = tokio::time::sleep(RENEW_EVERY) => {}
            () = shutdown.wait() => return false,
        }
    }
}

async fn release(store: &Store, holder: &str) {
    if let Err(error) = store.release_lease(LEASE, holder).await {
        tracing::warn!(%error, "cannot give the Discord gateway lease up; it lapses by itself");
    }
}

/// Runs one gateway client while renewing the lease.
async fn hold_session(gateway: &DiscordGateway, holder: &str, shutdown: &mut Shutdown) -> Term {
    let token = gateway
        .bot_token
        .trim()
        .trim_start_matches("Bot ")
        .to_string();
    let http = HttpBuilder::new(&token)
        .proxy(gateway.api_url.trim_end_matches('/'))
        .ratelimiter_disabled(true)
        .build();
    let (queue, inbox) = mpsc::unbounded_channel();
    let relay = ThreadRelay {
        store: gateway.store.clone(),
        alert_channels: gateway.alert_channels.clone(),
        allow_unlinked: gateway.allow_unlinked,
    };
    let worker = tokio::spawn(apply_in_order(relay, gateway.rest.clone(), inbox));
    let term = match ClientBuilder::new_with_http(http, intents())
        .event_handler(Dispatches { queue })
        .await
    {
        Ok(mut client) => {
            let shards = client.shard_manager.clone();
            let term = {
                let connection = client.start();
                renew_while(&gateway.store, holder, connection, shutdown).await
            };
            if !matches!(term, Term::Ended(_)) {
                shards.shutdown_all().await;
            }
            term
        }
        Err(error) => Term::Ended(Err(error)),
    };
    // The client (and with it the queue's sender) is gone: what was queued is applied.
    if tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .is_err()
    {
        tracing::warn!("Discord messages still being relayed after the session ended");
    }
    term
}

/// Renews the lease every [`RENEW_EVERY`] until `connection` ends, `shutdown`, or the
/// lease cannot be kept.
async fn renew_while(
    store: &Store,
    holder: &str,
    connection: impl std::future::Future<Output = Result<(), serenity::Error>>,
    shutdown: &mut Shutdown,
) -> Term {
    tokio::pin!(connection);
    let mut renewed = Instant::now();
    loop {
        tokio::select! {
            ended = &mut connection => return Term::Ended(ended),
            () = shutdown.wait() => return Term::Stopped,
            () = tokio::time::sleep(RENEW_EVERY) => {}
        }
        match store.hold_lease(LEASE, holder, LEASE_TTL).await {
            Ok(true) => renewed = Instant::now(),
            Ok(false) => {
                tracing::warn!(%holder, "the Discord gateway lease was taken over; disconnecting");
                return Term::LeaseLost;
            }
            // Past this, the lease may lapse before the next try: another replica
            // could connect while this one still is.
            Err(error) if renewed.elapsed() + RENEW_EVERY >= LEASE_TTL => {
                tracing::warn!(%error, "cannot renew the Discord gateway lease; disconnecting");
                return Term::LeaseLost;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot renew the Discord gateway lease; trying again")
            }
        }
    }
}

/// What the session hands the worker, in the order it arrives.
#[derive(Debug)]
enum Dispatch {
    /// A new session started: catch up from the history first.
    Ready,
    Message(Box<Message>),
}

/// serenity's event handler: queues dispatches for [`apply_in_order`] (serenity runs
/// each handler call as its own task, which would relay in any order).
struct Dispatches {
    queue: mpsc::UnboundedSender<Dispatch>,
}

#[async_trait]
impl EventHandler for Dispatches {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(session = %ready.session_id, "Discord gateway session started");
        let _ = self.queue.send(Dispatch::Ready);
    }

    async fn message(&self, _ctx: Context, message: Message) {
        let _ = self.queue.send(Dispatch::Message(Box::new(message)));
    }
}

/// Applies dispatches one at a time until the session's handler is dropped.
async fn apply_in_order(
    relay: ThreadRelay,
    rest: DiscordRest,
    mut inbox: mpsc::UnboundedReceiver<Dispatch>,
) {
    while let Some(dispatch) = inbox.recv().await {
        match dispatch {
            Dispatch::Ready => catch_up_with_tries(&relay, &rest).await,
            Dispatch::Message(message) => {
                if let Err(error) = relay.handle(&message).await {
                    tracing::warn!(message = %message.id, %error, "Discord thread message not relayed");
                }
            }
        }
    }
}

async fn catch_up_with_tries(relay: &ThreadRelay, rest: &DiscordRest) {
    for attempt in 1..=CATCH_UP_TRIES {
        match catch_up::catch_up(relay, rest).await {
            Ok(caught) => {
                tracing::info!(
                    channels = caught.channels,
                    messages = caught.messages,
                    "caught up from the Discord channel history"
                );
                return;
            }
            Err(error) if attempt < CATCH_UP_TRIES => {
                tracing::warn!(%error, attempt, "cannot catch up from the Discord history; trying again");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot catch up from the Discord history; messages written while no replica was connected may be missing");
            }
        }
    }
}
