//! The escalation model: a conversation handed to a person, with everything they need.
//!
//! Lifecycle: `queued` → `claimed` (one owner, decided by a conditional update in the
//! store) → `resolved`; `released` puts a claimed escalation back to `queued`.

use serde::{Deserialize, Serialize};

/// How urgently a person must pick the escalation up.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(text: &str) -> Option<Priority> {
        match text {
            "low" => Some(Priority::Low),
            "normal" => Some(Priority::Normal),
            "high" => Some(Priority::High),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

/// Where an escalation is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EscalationStatus {
    Queued,
    Claimed,
    Resolved,
}

impl EscalationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStatus::Queued => "queued",
            EscalationStatus::Claimed => "claimed",
            EscalationStatus::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<EscalationStatus> {
        match text {
            "queued" => Some(EscalationStatus::Queued),
            "claimed" => Some(EscalationStatus::Claimed),
            "resolved" => Some(EscalationStatus::Resolved),
            _ => None,
        }
    }
}

/// One intent or article the matcher considered, with its calibrated confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedCandidate {
    /// `intent` or `article`.
    pub kind: String,
    pub id: String,
    pub title: String,
    pub confidence: f32,
}

/// A line of the transcript as the agent sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptLine {
    pub author: String,
    pub author_name: Option<String>,
    pub body: String,
    pub at_ms: i64,
}

/// Everything captured at handoff so the customer never repeats themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HandoffContext {
    pub transcript: Vec<TranscriptLine>,
    pub page_url: Option<String>,
    pub matched: Vec<MatchedCandidate>,
    pub customer: serde_json::Map<String, serde_json::Value>,
    pub locale: Option<String>,
    /// The question that triggered the handoff (the last one asked).
    pub question: Option<String>,
}

/// An escalation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    pub id: String,
    pub conversation_id: String,
    pub site_id: String,
    pub status: EscalationStatus,
    pub priority: Priority,
    pub tags: Vec<String>,
    /// The intent that decided priority and tags, if one matched.
    pub intent: Option<String>,
    pub email: String,
    pub name: Option<String>,
    pub message: Option<String>,
    pub outside_hours: bool,
    pub context: HandoffContext,
    pub created_at_ms: i64,
    pub claimed_at_ms: Option<i64>,
    pub claimed_by: Option<String>,
    pub resolved_at_ms: Option<i64>,
    pub resolved_by: Option<String>,
    pub released_at_ms: Option<i64>,
    /// How many times the bot re-alerted because nobody claimed in time.
    pub realerts: i64,
}

impl Escalation {
    /// Display name of the customer: their name, else their e-mail.
    pub fn customer_label(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.email)
    }
}
