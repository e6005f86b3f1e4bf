//! The escalation model: a conversation handed to a person, with everything they need.
//!
//! Lifecycle: `queued` → `claimed` (one owner, decided by a conditional update in the
//! store) → `resolved`; `released` puts a claimed escalation back to `queued`.

use crate::site_id::SiteId;
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
    /// `body` is Markdown (an agent's saved reply), shown to the customer rendered
    /// ([`crate::templates::transcript_html`], [`crate::templates::markdown_to_text`]).
    /// Absent (false) for plain text and in lines stored by earlier releases.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub markdown: bool,
    /// With an assistant's answer to a customer who wrote in another language than the
    /// answer's: the note they were shown, in theirs ("Diese Antwort gibt es nur auf
    /// Englisch."). Absent otherwise and in lines stored by earlier releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_note: Option<String>,
}

/// Most transcript lines copied into an escalation's context: the newest ones. The whole
/// transcript stays in the store (the dashboard shows it); the copy is what chat alerts
/// and the admin API carry, so it must stay small whatever a customer typed before.
pub const MAX_TRANSCRIPT_LINES: usize = 200;

/// Most characters (line bodies together) copied into an escalation's context.
pub const MAX_TRANSCRIPT_CHARS: usize = 50_000;

/// Bounds a transcript (oldest first) to its newest lines within
/// [`MAX_TRANSCRIPT_LINES`] and [`MAX_TRANSCRIPT_CHARS`]. A newest line longer than the
/// whole budget is kept, cut to it (the last thing said is never lost entirely).
pub fn recent_transcript(mut lines: Vec<TranscriptLine>) -> Vec<TranscriptLine> {
    let mut budget = MAX_TRANSCRIPT_CHARS;
    let mut kept = 0;
    for line in lines.iter_mut().rev().take(MAX_TRANSCRIPT_LINES) {
        let chars = line.body.chars().count();
        if chars > budget {
            if kept == 0 {
                line.body = line.body.chars().take(budget).collect();
                kept = 1;
            }
            break;
        }
        budget -= chars;
        kept += 1;
    }
    lines.drain(..lines.len() - kept);
    lines
}

/// Everything captured at handoff so the customer never repeats themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HandoffContext {
    /// The newest lines of the transcript (see [`recent_transcript`]).
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
    pub site_id: SiteId,
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
    /// The account that owns it, when its owner has one (a linked claim or an assignment).
    #[serde(default)]
    pub claimed_by_agent_id: Option<String>,
    pub resolved_at_ms: Option<i64>,
    pub resolved_by: Option<String>,
    pub released_at_ms: Option<i64>,
    /// How many times the bot re-alerted because nobody claimed in time.
    pub realerts: i64,
}

impl Escalation {
    /// Display name of the customer: their name, else their e-mail, else "a customer"
    /// (without `[email]` the widget asks for neither).
    pub fn customer_label(&self) -> &str {
        [self.name.as_deref().unwrap_or(""), self.email.as_str()]
            .into_iter()
            .find(|label| !label.is_empty())
            .unwrap_or("a customer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(body: String) -> TranscriptLine {
        TranscriptLine {
            author: "customer".into(),
            author_name: None,
            body,
            at_ms: 0,
            markdown: false,
            language_note: None,
        }
    }

    #[test]
    fn the_copied_transcript_keeps_the_newest_lines_within_both_bounds() {
        let many: Vec<TranscriptLine> = (0..MAX_TRANSCRIPT_LINES + 50)
            .map(|i| line(format!("line {i}")))
            .collect();
        let kept = recent_transcript(many);
        assert_eq!(kept.len(), MAX_TRANSCRIPT_LINES);
        assert_eq!(kept[0].body, "line 50");
        assert_eq!(
            kept.last().map(|l| l.body.as_str()),
            Some(format!("line {}", MAX_TRANSCRIPT_LINES + 49).as_str())
        );

        let long = MAX_TRANSCRIPT_CHARS / 4 + 1;
        let big: Vec<TranscriptLine> = (0..10).map(|i| line(i.to_string().repeat(long))).collect();
        let kept = recent_transcript(big);
        assert_eq!(
            kept.len(),
            3,
            "three lines of a quarter fit, a fourth does not"
        );
        assert!(kept.iter().map(|l| l.body.chars().count()).sum::<usize>() <= MAX_TRANSCRIPT_CHARS);
        assert!(kept[2].body.starts_with('9'), "the newest line is kept");

        let huge = recent_transcript(vec![
            line("a".into()),
            line("é".repeat(MAX_TRANSCRIPT_CHARS * 2)),
        ]);
        assert_eq!(huge.len(), 1);
        assert_eq!(huge[0].body.chars().count(), MAX_TRANSCRIPT_CHARS);

        assert!(recent_transcript(Vec::new()).is_empty());
    }
}
