//! The body of a webhook: `{"id", "type", "created_at", "data": {...}}`.
//!
//! `data` always holds `escalation`, `customer`, `agent` (null while nobody owns it) and
//! `site`, so a receiver needs no call back; `conversation.message` adds `message`,
//! `csat.received` adds `csat`. Times are RFC 3339 in UTC.
//!
//! The body is built once, by [`build_event`], when the event is queued; every retry sends
//! the same bytes (and the same `id`, for receivers to deduplicate). Anything that must
//! change what leaves the installation (e.g. redacting customer text) belongs there.

use serde::{Deserialize, Serialize};

use super::EventType;
use crate::escalation::Escalation;

/// One event as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// `evt_…`, unique per event (the same for every endpoint and every retry).
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: String,
    pub data: EventData,
}

/// What the event is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    pub escalation: EscalationData,
    pub customer: CustomerData,
    /// The agent who owns (or resolved) the escalation; null while queued.
    pub agent: Option<AgentData>,
    pub site: SiteData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<CsatData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationData {
    pub id: String,
    pub conversation_id: String,
    /// `queued`, `claimed` or `resolved`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub tags: Vec<String>,
    pub intent: Option<String>,
    /// The question that led to the handoff.
    pub question: Option<String>,
    /// What the customer wrote in the handoff form.
    pub message: Option<String>,
    pub page_url: Option<String>,
    pub outside_hours: bool,
    pub created_at: String,
    pub claimed_at: Option<String>,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerData {
    pub name: Option<String>,
    pub email: String,
    pub locale: Option<String>,
    /// The fields the storefront passed to the widget (`customer: {…}`).
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentData {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteData {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageData {
    /// The transcript line's id.
    pub id: i64,
    /// `customer` or `agent`.
    pub author: String,
    /// The agent's display name (null for the customer).
    pub author_name: Option<String>,
    pub body: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsatData {
    /// 1 (bad) to 5 (great).
    pub rating: i64,
    pub comment: Option<String>,
    pub at: String,
}

/// What an event adds to `data` beside the escalation.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    None,
    Message(MessageData),
    Csat(CsatData),
}

/// The event `event_type` about `escalation`, happening at `now_ms`, with id `id`.
pub fn build_event(
    id: String,
    event_type: EventType,
    escalation: &Escalation,
    site_name: &str,
    detail: Detail,
    now_ms: i64,
) -> WebhookEvent {
    let agent = escalation
        .claimed_by
        .as_ref()
        .or(escalation.resolved_by.as_ref())
        .map(|name| AgentData { name: name.clone() });
    let (message, csat) = match detail {
        Detail::None => (None, None),
        Detail::Message(message) => (Some(message), None),
        Detail::Csat(csat) => (None, Some(csat)),
    };
    WebhookEvent {
        id,
        event_type: event_type.as_str().to_string(),
        created_at: rfc3339(now_ms),
        data: EventData {
            escalation: EscalationData {
                id: escalation.id.clone(),
                conversation_id: escalation.conversation_id.clone(),
                status: escalation.status.as_str().to_string(),
                priority: escalation.priority.as_str().to_string(),
                tags: escalation.tags.clone(),
                intent: escalation.intent.clone(),
                question: escalation.context.question.clone(),
                message: escalation.message.clone(),
                page_url: escalation.context.page_url.clone(),
                outside_hours: escalation.outside_hours,
                created_at: rfc3339(escalation.created_at_ms),
                claimed_at: escalation.claimed_at_ms.map(rfc3339),
                resolved_at: escalation.resolved_at_ms.map(rfc3339),
            },
            customer: CustomerData {
                name: escalation.name.clone(),
                email: escalation.email.clone(),
                locale: escalation.context.locale.clone(),
                fields: escalation.context.customer.clone(),
            },
            agent,
            site: SiteData {
                id: escalation.site_id.to_string(),
                name: site_name.to_string(),
            },
            message,
            csat,
        },
    }
}

/// Unix milliseconds as RFC 3339 in UTC (`2026-11-29T18:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
