//! # frontline-shared
//!
//! The brain both Frontline binaries share: what a customer asked, what we know, what we
//! decided, and who owns the escalation. It has no HTTP, Slack or Discord code: the
//! widget server and the bot are thin adapters over it.
//!
//! Matching (classifier, knowledge base, intents) lives beside it in `frontline-matcher`
//! (`shared/matcher/`), which only the widget server links: the bot never loads tantivy.
//!
//! # Layout
//! - [`config`]: the TOML settings with `FRONTLINE_*` overrides; secrets from the environment.
//! - [`text`]: text normalization shared by the matcher's classifier and the rules.
//! - [`templates`]: handlebars with per-destination escaping (HTML, Slack, Discord).
//! - [`escalation`]: the escalation model (status, priority, handoff context).
//! - [`handoff`]: the handoff use case (a customer asks for a person).
//! - [`inbound_mail`]: a customer's reply by mail (parse, map by reply token, strip quotes, store).
//! - [`mail_token`]: the signed tokens of reply addresses and rating links.
//! - [`language`]: the bundled languages (English, German) of texts outside the widget.
//! - [`agent_action`]: what agents do to an escalation (claim, release, resolve, reply),
//!   one [`agent_action::apply`] and one set of refusal texts for every chat and web door.
//! - [`accounts`]: agents as people (roles, passwords); [`audit`]: who did what, from where.
//! - [`contracts`]: what one process writes for another (outbox work, conversation events):
//!   serde enums tagged by `kind`, versioned; unreadable rows are parked.
//! - [`store`]: conversations, escalations, outbox and events on SQLite or PostgreSQL.
//! - [`planning`]: forecasts, Erlang C staffing and forecast accuracy for a site (the
//!   maths is in `frontline-planning`, `shared/planning/`).
//! - [`attachments`]: files customers send: allow-list by magic bytes, image metadata
//!   removed, signed download links.
//! - [`privacy`]: redaction of card numbers, IBANs, phones, e-mails in what leaves Frontline.
//! - [`stats`]: digest and dashboard figures (deflection, time to claim, knowledge gaps).
//! - [`webhooks`]: outbound events: types, endpoints, the signed payload's body.
//! - [`clock`], [`site_id`], [`email`], [`conversation_token`], [`shutdown`], [`telemetry`]:
//!   small domain types and process plumbing.

pub mod accounts;
pub mod agent_action;
pub mod attachments;
pub mod audit;
pub mod chat_identity;
pub mod clock;
pub mod config;
pub mod contracts;
pub mod conversation_token;
pub mod email;
pub mod escalation;
pub mod handoff;
pub mod inbound_mail;
pub mod language;
pub mod mail_token;
pub mod planning;
pub mod privacy;
pub mod saved_replies;
pub mod shutdown;
pub mod site_id;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod text;
pub mod webhooks;
