//! Contracts between the processes: the rows one binary writes and another reads.
//!
//! The widget server and the bot share nothing but the store. What they tell each other
//! travels in two streams, each one serde enum tagged by `kind`:
//!
//! - [`outbox::OutboxMessage`]: work for the bot (alerts, thread posts, re-alerts, digests),
//!   about a [`Subject`] (an escalation or a digest);
//! - [`conversation_event::ConversationEvent`]: what a customer's widget streams (messages,
//!   status changes).
//!
//! # Stored form
//! A row keeps `kind` in its own column and the variant's fields as a JSON object in
//! `payload`, with the payload's version `v` ([`VERSION`]). The previous release wrote the
//! same fields without `v`: a missing `v` reads as version 1. A later release that changes a
//! payload writes a new `v`; a reader that does not know a row's kind or version gets an
//! [`Unreadable`] and parks the row (logged, kept, never dropped) instead of guessing.
//!
//! # Layout
//! - [`subject`]: what an outbox row and a chat post are about.
//! - [`outbox`]: the bot's work.
//! - [`conversation_event`]: a conversation's live stream.

pub mod conversation_event;
pub mod outbox;
pub mod subject;

pub use subject::Subject;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// The payload version this release writes and the only one it reads.
pub const VERSION: u64 = 1;

/// A stream's message type: a serde enum internally tagged by `kind`.
pub trait Contract: Serialize + DeserializeOwned {
    /// The `kind` tag of this message.
    fn kind(&self) -> &'static str;
}

/// Why a stored row cannot be read by this release.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("payload of `{kind}` is not a JSON object: {source}")]
    NotJson {
        kind: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{kind}` version {version} is newer than this release reads (version {VERSION})")]
    Version { kind: String, version: String },
    #[error("unknown kind or malformed payload of `{kind}`: {source}")]
    Payload {
        kind: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The stored form of `message`: its kind (for the `kind` column) and its payload JSON.
pub fn encode<T: Contract>(message: &T) -> Result<(&'static str, String), serde_json::Error> {
    let mut fields = match serde_json::to_value(message)? {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    fields.remove("kind");
    fields.insert("v".into(), Value::from(VERSION));
    Ok((message.kind(), Value::Object(fields).to_string()))
}

/// Reads a stored row back: `kind` from its column, the fields from `payload`.
pub fn decode<T: Contract>(kind: &str, payload: &str) -> Result<T, Unreadable> {
    let fields: Map<String, Value> =
        serde_json::from_str(payload).map_err(|source| Unreadable::NotJson {
            kind: kind.to_string(),
            source,
        })?;
    let mut fields = fields;
    match fields.remove("v") {
        None => {} // the previous release wrote no version: version 1
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(v) => {
            return Err(Unreadable::Version {
                kind: kind.to_string(),
                version: v.to_string(),
            })
        }
    }
    fields.insert("kind".into(), Value::from(kind));
    serde_json::from_value(Value::Object(fields)).map_err(|source| Unreadable::Payload {
        kind: kind.to_string(),
        source,
    })
}
