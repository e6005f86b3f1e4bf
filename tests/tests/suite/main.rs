//! Frontline's end-to-end suite: one binary, one module per area.
//!
//! Run with `cargo test --workspace`; set `FRONTLINE_TEST_POSTGRES_URL` to run every
//! store-backed test on PostgreSQL too.

mod accounts;
mod admin_security;
mod agent_actions;
mod api;
mod attachments;
mod attachments_chat;
mod audit;
mod bad_input;
mod bot_alert_text;
mod bot_chat_texts;
mod bot_delivery;
mod bot_digest;
mod bot_discord;
mod bot_discord_gateway;
mod bot_relay;
mod bot_security;
mod bot_sla;
mod bot_slack;
mod bot_startup;
mod clarify;
mod connections;
mod contracts;
mod conversation_tokens;
mod csat;
mod dashboard;
mod email;
mod email_automatic;
mod email_choice;
mod email_inbound;
mod email_language;
mod email_tokens;
mod fuzz;
mod gdpr;
mod handoff;
mod history;
mod import;
mod import_providers;
mod knowledge;
mod migrations;
mod openapi;
mod planning;
mod privacy;
mod replicas;
mod rollups;
mod socket_mode;
mod stats;
mod store;
mod streams;
mod supervision;
mod webhooks;
