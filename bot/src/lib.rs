//! # frontline-bot
//!
//! Where agents live. The bot works through the outbox the widget server writes (new
//! escalations, status changes, customers' follow-ups, re-alerts) and turns it into chat:
//! a claimable alert in the right Slack or Discord channel, updated in place when someone
//! claims, releases or resolves it; the customer's messages in the alert's thread; agents'
//! thread replies (Slack) or "Reply" modals (Discord) back to the customer's widget; and
//! re-alerts when nobody claims within the SLA; and the managers' daily digest.
//!
//! Delivery is at least once with idempotent effects: every message is recorded in the
//! store right after it is posted, and a retry that finds no record first looks for the
//! earlier post (Slack message `metadata` in `conversations.history`, Discord `nonce` +
//! `enforce_nonce`), so a crash between posting and recording never shows a second alert.
//!
//! # Layout
//! - [`startup`]: `Application::build(settings)` → `run_until_stopped`, used by `main` and tests.
//! - [`chat`]: the [`chat::Chat`] trait both platforms implement, and what can be posted.
//! - [`delivery`]: the outbox worker (`try_deliver_once`), its effects and retry policy.
//! - [`sla`]: the re-alert watcher.
//! - [`digest`]: daily digests (scheduler, figures, chart) and on-demand requests.
//! - [`mail`]: mail to customers (receipt, resolved) over SMTP, sent by the delivery worker.
//! - [`webhooks`]: signed outbound webhooks (sent by the delivery worker), SSRF guard.
//! - [`routing`]: `[[bot.routes]]` → channel.
//! - [`view`], [`sla_view`] and [`templates`]: what an alert, a re-alert and the managers'
//!   heads-up say, rendered from overridable templates.
//! - [`actions`]: alert buttons → the core's agent actions, and what the clicking agent sees.
//! - [`slack`], [`discord`]: Web API clients, message rendering and the callback endpoints.
//! - [`replay`]: signed-callback timestamp window and replay memory.
//! - [`http`]: the bot's listener (`/slack/*`, `/discord/interactions`, `/healthz`, `/metrics`).
//! - [`error`]: one error type per boundary; [`metrics`]: Prometheus metrics.
//!
//! # Adding a chat platform
//! Implement [`chat::Chat`] (post, find an earlier post, refresh an alert), build it in
//! [`startup`] when its credentials are present, and mount its callback endpoint in
//! [`http::app`]; agent actions go through [`actions::click`] (the core's `agent_action::apply`) so the store decides.

pub mod actions;
pub mod chat;
pub mod delivery;
pub mod digest;
pub mod discord;
pub mod download;
pub mod error;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod replay;
pub mod routing;
pub mod sla;
pub mod sla_view;
pub mod slack;
pub mod startup;
pub mod templates;
pub mod view;
pub mod webhooks;

pub use startup::{Application, BotOptions, StartupError};
