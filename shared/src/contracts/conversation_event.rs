//! The conversation-event stream: what a customer's widget shows live, written by the store
//! (for the widget server's handoffs and messages, and the bot's claims and replies) and
//! read by the widget server's event stream (SSE), which sends each event's fields as its
//! `data` and its kind as the SSE event name.
//!
//! | `kind` | fields |
//! |---|---|
//! | `message` | `message_id`, `author`, `author_name` (agents), `body`, `html` (a saved reply rendered; absent otherwise), `at_ms`, `attachments` (an agent's files; absent when none) |
//! | `status` | `escalation_id`, `status`, `agent` (`null` unless claimed), `at_ms` |

use serde::{Deserialize, Serialize};

use super::Contract;
use crate::escalation::EscalationStatus;
use crate::store::conversations::Author;

/// Something that happened in a conversation, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConversationEvent {
    /// A transcript line after handoff (the customer's, or an agent's reply).
    Message(MessageEvent),
    /// The escalation's status changed (queued, claimed, resolved, or queued again).
    Status(StatusEvent),
}

impl Contract for ConversationEvent {
    fn kind(&self) -> &'static str {
        match self {
            ConversationEvent::Message(_) => "message",
            ConversationEvent::Status(_) => "status",
        }
    }
}

impl ConversationEvent {
    /// The fields a widget receives (the SSE `data`): the payload without kind or version.
    pub fn data(&self) -> serde_json::Value {
        let fields = match self {
            ConversationEvent::Message(message) => serde_json::to_value(message),
            ConversationEvent::Status(status) => serde_json::to_value(status),
        };
        fields.unwrap_or_default()
    }
}

/// A transcript line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEvent {
    pub message_id: i64,
    pub author: Author,
    /// The agent's display name (customers' lines have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    pub body: String,
    /// An agent's saved reply rendered from its Markdown `body` as sanitized HTML (the
    /// widget shows it through its own sanitizer); absent for plain text and in events of
    /// earlier releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    pub at_ms: i64,
    /// The files an agent sent with the line (absent when none, and in events of earlier
    /// releases). The event stream adds a fresh signed `url` to each as it sends them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EventFile>,
}

/// A file sent with a transcript line, as the live stream names it (no link: links are
/// signed when the event is sent, so a replayed event never carries an expired one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFile {
    /// The attachment's id (`GET /api/v1/attachments/{id}` with a signed link).
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

impl From<&crate::store::attachments::AttachmentMeta> for EventFile {
    fn from(meta: &crate::store::attachments::AttachmentMeta) -> Self {
        EventFile {
            id: meta.id.clone(),
            file_name: meta.file_name.clone(),
            content_type: meta.content_type.clone(),
            size_bytes: meta.size_bytes,
        }
    }
}

/// An escalation's status as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub escalation_id: String,
    pub status: EscalationStatus,
    /// Who claimed it (sent as `null` when nobody has).
    pub agent: Option<String>,
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::decode;

    #[test]
    fn events_of_the_previous_release_read_and_stream_as_before() {
        let stored = r#"{"escalation_id":"esc_1","status":"claimed","agent":"ana","at_ms":9}"#;
        let event = decode::<ConversationEvent>("status", stored).expect("status");
        assert_eq!(
            event,
            ConversationEvent::Status(StatusEvent {
                escalation_id: "esc_1".into(),
                status: EscalationStatus::Claimed,
                agent: Some("ana".into()),
                at_ms: 9,
            })
        );
        assert_eq!(
            event.data(),
            serde_json::from_str::<serde_json::Value>(stored).expect("json")
        );
        let queued = r#"{"escalation_id":"esc_1","status":"queued","agent":null,"at_ms":3}"#;
        let event = decode::<ConversationEvent>("status", queued).expect("queued");
        assert_eq!(event.data()["agent"], serde_json::Value::Null, "still sent");
        let line = r#"{"message_id":4,"author":"customer","body":"hi","at_ms":2}"#;
        let event = decode::<ConversationEvent>("message", line).expect("message");
        assert_eq!(
            event.data(),
            serde_json::from_str::<serde_json::Value>(line).expect("json")
        );
    }
}
