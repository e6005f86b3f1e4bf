//! # frontline-tests
//!
//! Support for Frontline's end-to-end suite (`tests/tests/suite`): fresh databases on
//! each backend, the real servers started on random ports, and loopback stand-ins for
//! Slack and Discord that speak their documented shapes.
//!
//! # Layout
//! - [`databases`]: a fresh SQLite file or PostgreSQL database per test.
//! - [`widget_server`]: the widget server in-process on port 0, with a typed client.
//! - [`audit`]: the audit log's rows, as the admin API lists them.
//! - [`sse`]: a small Server-Sent Events reader.
//! - [`customer`]: handoffs, follow-ups and live streams, as the widget does them.
//! - [`dashboard`]: a signed-in `/admin` session (pages and form posts).
//! - [`bot`]: the bot in-process on port 0, or the real binary as a child process.
//! - [`rig`]: store + widget server + bot + stand-in, started together for one test.
//! - [`slack_standin`] (+ [`slack_api`], [`slack_callbacks`]): a loopback Slack Web API
//!   and Slack-signed callbacks.
//! - [`discord_standin`] (+ [`discord_callbacks`]): a loopback Discord REST API and
//!   Ed25519-signed interactions.
//! - [`slack_socket_mode`]: a loopback Slack Socket Mode WebSocket (envelopes, acks,
//!   `disconnect`, re-delivery) behind the stand-in's `apps.connections.open`.
//! - [`slack_view`]: the Slack stand-in's JSON view for tests in another process (the
//!   `slack-standin` binary, used by the browser journey).
//! - [`standin`]: serving a stand-in on a random port.
//! - [`import_standins`]: loopback Zendesk, Intercom, Help Scout and Freshdesk APIs for
//!   `frontline-import`.
//! - [`oidc_provider`]: a loopback OpenID Connect provider (discovery, JWKS, code +
//!   PKCE, RS256 ID tokens, and forged ones on request).
//! - [`processes`]: the real widget-server binary as a child process.
//! - [`s3`]: a real S3-compatible server (moto) on loopback, and what its buckets hold.
//! - [`smtp`]: a real SMTP server (aiosmtpd) on loopback, and the mails it received.
//! - [`mail`]: what a customer's mail client does: read a mail's reply address and
//!   rating links, and mail back through `POST /api/v1/inbound/email`.

pub mod audit;
pub mod bot;
pub mod customer;
pub mod dashboard;
pub mod databases;
pub mod discord_callbacks;
pub mod discord_gateway;
pub mod discord_standin;
pub mod import_standins;
pub mod mail;
pub mod oidc_provider;
pub mod processes;
pub mod rig;
pub mod s3;
pub mod slack_api;
pub mod slack_callbacks;
pub mod slack_socket_mode;
pub mod slack_standin;
pub mod slack_view;
pub mod smtp;
pub mod sse;
pub mod standin;
pub mod widget_server;

/// The demo configuration's site id, as the store API takes it.
pub fn demo_site() -> frontline_shared::site_id::SiteId {
    frontline_shared::site_id::SiteId::parse("demo").expect("`demo` is a valid site id")
}
