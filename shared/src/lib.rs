//! # frontline-shared
//!
//! The brain both Frontline binaries share: what a customer asked, what we know, what we
//! decided, and who owns the escalation. It has no HTTP, Slack or Discord code: the
//! widget server and the bot are thin adapters over it.
//!
//! # Layout
//! - [`config`]: the TOML settings with `FRONTLINE_*` overrides; secrets from the environment.
//! - [`text`]: text normalization shared by the classifier and the rules.
//! - [`classifier`]: the intent classifier trained from example utterances at load time,
//!   with calibrated confidence and thresholds tuned on validation data. The
//!   `frontline-eval` binary scores it on JSONL data sets (e.g. CLINC150).
//! - [`knowledge`]: the knowledge base (Markdown articles indexed in tantivy).
//! - [`intents`]: the intents file (examples, answer templates, routing facts).
//! - [`matcher`]: a site's intents and articles turned into answer / suggest / handoff.
//! - [`templates`]: handlebars with per-destination escaping (HTML, Slack, Discord).
//! - [`escalation`]: the escalation model (status, priority, handoff context).
//! - [`store`]: conversations, escalations, outbox and events on SQLite or PostgreSQL.
//! - [`stats`]: digest and dashboard figures (deflection, time to claim, knowledge gaps).
//! - [`clock`], [`site_id`], [`email`], [`conversation_token`], [`shutdown`], [`telemetry`]:
//!   small domain types and process plumbing.

pub mod classifier;
pub mod clock;
pub mod config;
pub mod conversation_token;
pub mod email;
pub mod escalation;
pub mod intents;
pub mod knowledge;
pub mod matcher;
pub mod shutdown;
pub mod site_id;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod text;
