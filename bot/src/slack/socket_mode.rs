//! Socket Mode: for installs without a public URL (`[bot.slack] socket_mode = true` and
//! `SLACK_APP_TOKEN`, an app-level `xapp-…` token with the `connections:write` scope).
//!
//! The bot calls `apps.connections.open` and Slack delivers interactions (`interactive`),
//! events (`events_api`) and slash commands (`slash_commands`) as envelopes over the
//! WebSocket it returns (<https://api.slack.com/apis/socket-mode>), so the HTTP endpoints
//! and the signing secret are not needed. Every envelope reaches the same code as over
//! HTTP: [`SlackHandlers::interaction`], [`SlackHandlers::event`] and
//! [`commands::answer`].
//!
//! - **Acknowledged at once.** Slack wants each envelope acknowledged within 3 s.
//!   slack-morphism sends the ack when our callback returns, so interactions and events
//!   are only queued there (acked in milliseconds) and one worker applies them in arrival
//!   order; a slash command's ack carries its answer, which is one store write. A full
//!   queue leaves the envelope unacknowledged, and Slack delivers it again.
//! - **Acts once.** Slack re-delivers an envelope that was not acknowledged (a dropped
//!   socket, a reconnect), possibly to another replica's connection. The payload's own id
//!   (`event_id`, or the interaction's `trigger_id`) is remembered in the store's replay
//!   memory before it acts, so a re-delivery is acknowledged and dropped on every
//!   replica; a re-delivered slash command enqueues its digest once (its `trigger_id`).
//! - **Reconnects.** slack-morphism opens a fresh connection (`apps.connections.open`
//!   again) when Slack sends `disconnect` (`refresh_requested`, `warning`, …), when the
//!   socket closes or errors, and when pongs stop for [`PING_INTERVAL_SECS`] ×
//!   [`PING_FAILURES`]. One connection per bot process; each replica holds its own.
//!
//! The suite drives all of it through a loopback Socket Mode stand-in
//! (`tests/src/slack_socket_mode.rs`, suite module `socket_mode`). An acknowledged envelope
//! whose work then fails (the store is down) is logged and not retried: Slack does not
//! send it again.

use std::sync::Arc;

use frontline_shared::shutdown::Shutdown;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio::sync::mpsc;

use super::client::{self, Connector};
use super::{commands, SlackHandlers};
use crate::digest::DigestScheduler;

/// Envelopes acknowledged but not yet applied; beyond this, envelopes go unacknowledged
/// and Slack delivers them again.
const QUEUE: usize = 256;

/// Seconds between pings to Slack.
pub const PING_INTERVAL_SECS: u64 = 10;
/// Pings without a pong before the connection is reopened.
pub const PING_FAILURES: u64 = 3;

/// Why Socket Mode could not start.
#[derive(Debug, thiserror::Error)]
pub enum SocketModeError {
    #[error("cannot build the Slack client: {0}")]
    Client(#[from] std::io::Error),
    #[error("cannot open a Socket Mode connection: {0}")]
    Connect(#[from] SlackClientError),
}

/// An acknowledged envelope's work.
#[derive(Debug)]
enum Work {
    Interaction(Box<SlackInteractionEvent>),
    Event(Box<SlackPushEventCallback>),
}

impl Work {
    /// The replay-memory key of the payload (Slack keeps it across re-deliveries).
    fn key(&self) -> Option<String> {
        match self {
            Work::Interaction(event) => match event.as_ref() {
                SlackInteractionEvent::BlockActions(actions) => {
                    Some(format!("slack-socket:interaction:{}", actions.trigger_id))
                }
                _ => None,
            },
            Work::Event(callback) => Some(format!("slack-socket:event:{}", callback.event_id)),
        }
    }
}

/// What the callbacks reach through slack-morphism's user state.
#[derive(Debug, Clone)]
struct Receiver {
    queue: mpsc::Sender<Work>,
    digests: DigestScheduler,
}

/// Listens until `shutdown`; an error if Slack refuses the first connection.
pub async fn run(
    handlers: SlackHandlers,
    digests: DigestScheduler,
    api_url: String,
    app_token: String,
    mut shutdown: Shutdown,
) -> Result<(), SocketModeError> {
    let client = Arc::new(SlackClient::new(client::connector(&api_url)?));
    let token = SlackApiToken::new(SlackApiTokenValue::new(app_token));
    // slack-morphism retries a refused connection in the background for ever; a token
    // Slack refuses (revoked, missing `connections:write`) ends this worker instead, with
    // Slack's reason, so the bot stops and says why.
    client
        .open_session(&token)
        .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await?;
    let (queue, mut inbox) = mpsc::channel(QUEUE);
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_hello_events(on_hello)
        .with_interaction_events(on_interaction)
        .with_push_events(on_push)
        .with_command_events(on_command);
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(client)
            .with_user_state(Receiver { queue, digests }),
    );
    let config = SlackClientSocketModeConfig::new()
        .with_max_connections_count(1)
        .with_ping_interval_in_seconds(PING_INTERVAL_SECS)
        .with_ping_failure_threshold_times(PING_FAILURES);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    listener.listen_for(&token).await?;
    listener.start().await;
    loop {
        tokio::select! {
            work = inbox.recv() => match work {
                Some(work) => apply(&handlers, work).await,
                None => break,
            },
            _ = shutdown.wait() => break,
        }
    }
    listener.shutdown().await;
    // What was acknowledged is still applied.
    while let Ok(work) = inbox.try_recv() {
        apply(&handlers, work).await;
    }
    Ok(())
}

/// Applies one envelope's work once across re-deliveries and replicas.
#[tracing::instrument(skip_all)]
async fn apply(handlers: &SlackHandlers, work: Work) {
    if let Some(key) = work.key() {
        match handlers.store.mark_callback_processed(&key).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(%key, "Socket Mode envelope already applied (re-delivery)");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, %key, "cannot remember a Socket Mode envelope; dropped");
                return;
            }
        }
    }
    let applied = match work {
        Work::Interaction(event) => handlers.interaction(*event).await,
        Work::Event(callback) => handlers.event(*callback).await,
    };
    if let Err(error) = applied {
        tracing::warn!(%error, "a Socket Mode envelope failed after its acknowledgement");
    }
}

async fn receiver(state: &SlackClientEventsUserState) -> Option<Receiver> {
    state.read().await.get_user_state::<Receiver>().cloned()
}

/// Queues `work`; an error (no acknowledgement, so Slack re-delivers) when the queue is
/// full or closed.
async fn enqueue(state: &SlackClientEventsUserState, work: Work) -> UserCallbackResult<()> {
    let receiver = receiver(state).await.ok_or("no Socket Mode receiver")?;
    receiver.queue.try_send(work).map_err(|error| {
        tracing::warn!(%error, "Socket Mode queue full; Slack will deliver the envelope again");
        format!("Socket Mode queue: {error}")
    })?;
    Ok(())
}

/// Slack's `hello` (generic: slack-morphism does not export the event's type by name).
async fn on_hello<Hello: std::fmt::Debug>(
    hello: Hello,
    _client: Arc<SlackClient<Connector>>,
    _state: SlackClientEventsUserState,
) {
    tracing::info!(?hello, "Slack Socket Mode connected");
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackClient<Connector>>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    enqueue(&state, Work::Interaction(Box::new(event))).await
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackClient<Connector>>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    enqueue(&state, Work::Event(Box::new(event))).await
}

/// A slash command's answer goes back in its acknowledgement (an ephemeral message).
async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackClient<Connector>>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let receiver = receiver(&state).await.ok_or("no Socket Mode receiver")?;
    let text = commands::answer(
        &receiver.digests,
        event.command.as_ref(),
        event.text.as_deref().unwrap_or_default(),
        event.channel_id.as_ref(),
        event.trigger_id.as_ref(),
    )
    .await?;
    Ok(
        SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text))
            .with_response_type(SlackMessageResponseType::Ephemeral),
    )
}
