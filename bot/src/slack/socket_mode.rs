//! Socket Mode: for installs without a public URL (`[bot.slack] socket_mode = true` and
//! `SLACK_APP_TOKEN`, an `xapp-…` token with `connections:write`).
//!
//! Slack then delivers interactions and events over a WebSocket the bot opens, so the
//! HTTP endpoints (and signing secret) are not needed; both paths call the same
//! [`SlackHandlers`]. Deduplication by `event_id` works the same. The test suite exercises
//! only a token Slack refuses (the stand-in speaks HTTP, not WebSocket): the bot then
//! stops with Slack's reason.

use std::sync::Arc;

use frontline_shared::shutdown::Shutdown;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use super::client::{self, Connector};
use super::SlackHandlers;

/// Why Socket Mode could not start.
#[derive(Debug, thiserror::Error)]
pub enum SocketModeError {
    #[error("cannot build the Slack client: {0}")]
    Client(#[from] std::io::Error),
    #[error("cannot open a Socket Mode connection: {0}")]
    Connect(#[from] SlackClientError),
}

/// Listens until `shutdown`; an error if Slack refuses the connection.
pub async fn run(
    handlers: SlackHandlers,
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
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_interaction_events(on_interaction)
        .with_push_events(on_push);
    let environment =
        Arc::new(SlackClientEventsListenerEnvironment::new(client).with_user_state(handlers));
    let listener = SlackClientSocketModeListener::new(
        &SlackClientSocketModeConfig::new(),
        environment,
        callbacks,
    );
    listener.listen_for(&token).await?;
    listener.start().await;
    tracing::info!("Slack Socket Mode connected");
    shutdown.wait().await;
    listener.shutdown().await;
    Ok(())
}

async fn handlers(state: &SlackClientEventsUserState) -> Option<SlackHandlers> {
    state
        .read()
        .await
        .get_user_state::<SlackHandlers>()
        .cloned()
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackClient<Connector>>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(handlers) = handlers(&state).await {
        handlers.interaction(event).await?;
    }
    Ok(())
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackClient<Connector>>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(handlers) = handlers(&state).await {
        handlers.event(event).await?;
    }
    Ok(())
}
