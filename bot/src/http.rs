//! The bot's listener (`[bot] listen`, `FRONTLINE_BOT_LISTEN`, default `127.0.0.1:8081`).
//!
//! | route | what |
//! |---|---|
//! | `POST /slack/interactions` | Slack interactivity (button clicks), signed |
//! | `POST /slack/events` | Slack Events API (thread replies, `url_verification`), signed |
//! | `POST /slack/commands` | the `/frontline digest` slash command, signed |
//! | `POST /discord/interactions` | Discord interactions (PING, buttons, modals, `/frontline digest`), Ed25519-signed |
//! | `GET /healthz` | liveness |
//! | `GET /metrics` | Prometheus text format |
//!
//! Unsigned, forged, stale or replayed callbacks get `401` and change nothing.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use frontline_shared::store::Store;

use crate::digest::DigestScheduler;
use crate::discord::DiscordEndpoint;
use crate::error::CallbackError;
use crate::metrics::Metrics;
use crate::slack::{SlackHandlers, SlackVerifier};

/// Largest callback body accepted (Slack and Discord payloads are a few KiB).
const BODY_LIMIT: usize = 256 * 1024;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// Present when `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET` are set.
    pub slack: Option<SlackEndpoint>,
    /// Present when `DISCORD_BOT_TOKEN` and `DISCORD_PUBLIC_KEY` are set.
    pub discord: Option<Arc<DiscordEndpoint>>,
    /// Takes on-demand digest requests from the slash commands.
    pub digests: DigestScheduler,
}

/// Slack's HTTP callbacks: who verifies them and who acts on them.
#[derive(Debug, Clone)]
pub struct SlackEndpoint {
    pub verifier: SlackVerifier,
    pub handlers: SlackHandlers,
}

impl AppState {
    /// The Slack endpoint, once `body` is verified as a fresh, first-seen request signed
    /// by Slack; the callback is counted under `endpoint` as accepted or refused.
    pub async fn verified_slack(
        &self,
        endpoint: &'static str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<&SlackEndpoint, CallbackError> {
        let slack = self
            .slack
            .as_ref()
            .ok_or(CallbackError::NotConfigured("Slack"))?;
        let verified = slack.verifier.verify(headers, body).await;
        let outcome = if verified.is_ok() {
            "accepted"
        } else {
            "refused"
        };
        self.metrics.callback(endpoint, outcome);
        verified.map(|()| slack)
    }
}

/// The router; tests can call it directly or serve it on port 0.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/slack/interactions",
            post(crate::slack::interactions::endpoint),
        )
        .route("/slack/events", post(crate::slack::events::endpoint))
        .route("/slack/commands", post(crate::slack::commands::endpoint))
        .route(
            "/discord/interactions",
            post(crate::discord::interactions::endpoint),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    Json(serde_json::json!({
        "status": "ok",
        "slack": state.slack.is_some(),
        "discord": state.discord.is_some(),
    }))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
