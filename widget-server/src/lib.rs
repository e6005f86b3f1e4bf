//! # frontline-widget-server
//!
//! The backend customers talk to through the widget, and the store every other part
//! reads: questions are matched to intents and articles and answered at once; handoffs
//! are stored with their full context (and an outbox row for the bot) before we say
//! "sent"; a customer's conversation streams agent replies and status changes live.
//!
//! # Layout
//! - [`startup`]: `Application::build(settings)` → `run_until_stopped`, used by `main` and tests.
//! - [`dashboard`]: `/admin`, the server-rendered dashboard and web agent queue.
//! - [`routes`]: the HTTP API, one module per endpoint group; [`openapi`] documents it.
//! - [`guard`]: rate limits, allowed origins, conversation and admin tokens.
//! - [`input`]: customer input parsed into types at the door.
//! - [`error`]: `ApiError`, the one mapping from failures to HTTP.
//! - [`sites`]: configured storefronts with their live (reloading) matchers.
//! - [`sso`]: the OpenID Connect client behind `/admin` single sign-on.
//! - [`recorder`]: batched writes of every question and decision.
//! - [`hub`]: wakes live streams when the store gets new conversation events.
//! - [`metrics`]: Prometheus metrics; [`state`]: what handlers share.

pub mod dashboard;
pub mod error;
pub mod guard;
pub mod hub;
pub mod input;
pub mod metrics;
pub mod openapi;
pub mod recorder;
pub mod routes;
pub mod sites;
pub mod sso;
pub mod startup;
pub mod state;

pub use startup::{Application, StartupError};

/// The built-in demo configuration, used when no `--config` is given.
pub const DEMO_CONFIG: &str = include_str!("../demo/frontline.toml");

/// Where the demo configuration's relative paths point.
pub fn demo_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo")
}
