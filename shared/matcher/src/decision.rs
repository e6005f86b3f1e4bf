//! What the matcher decided for one question.

use serde::Serialize;

use frontline_shared::escalation::{MatchedCandidate, Priority};

/// The outcomes of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// One intent or article answers it.
    Answer,
    /// Several close candidates: the customer picks.
    Suggest,
    /// Too vague to answer ("help", "my order"): ask what it is about, offering
    /// [`Decision::options`] (see [`crate::clarify`]).
    Clarify,
    /// A person should take it.
    Handoff,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Answer => "answer",
            DecisionKind::Suggest => "suggest",
            DecisionKind::Clarify => "clarify",
            DecisionKind::Handoff => "handoff",
        }
    }
}

/// Why a question goes to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// "Can I talk to a human?"
    AskedForHuman,
    /// The matched intent is marked `handoff = true`.
    AlwaysHandoff,
    /// Nothing matched confidently enough.
    LowConfidence,
    /// The question matched our out-of-scope examples.
    OutOfScope,
}

/// Whether a candidate is an intent or an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CandidateKind {
    Intent,
    Article,
}

impl CandidateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateKind::Intent => "intent",
            CandidateKind::Article => "article",
        }
    }
}

/// An answer ready to show: Markdown rendered to safe HTML plus plain text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub kind: CandidateKind,
    pub id: String,
    pub title: String,
    /// Sanitized HTML.
    pub html: String,
    /// Plain text (for chat and transcripts).
    pub text: String,
    pub url: Option<String>,
    /// The language of a translated answer (an intent's `translations`), as an ISO 639-1
    /// code; `None` for the site's own language.
    pub locale: Option<String>,
    /// Said to a customer who wrote in another language than the answer's, in theirs
    /// ("Diese Antwort gibt es nur auf Englisch."); `None` otherwise.
    pub language_note: Option<String>,
}

impl Answer {
    /// How an answer is kept in the transcript: its title, a blank line, then its text
    /// (Markdown). [`split_transcript_text`] takes it apart again.
    pub fn transcript_text(&self) -> String {
        format!("{}\n\n{}", self.title, self.text)
    }
}

/// An assistant line of the transcript as (title, Markdown text), the inverse of
/// [`Answer::transcript_text`]; a line without a blank line has no title.
pub fn split_transcript_text(body: &str) -> (Option<&str>, &str) {
    match body.split_once("\n\n") {
        Some((title, text)) if !title.trim().is_empty() && !title.contains('\n') => {
            (Some(title.trim()), text)
        }
        _ => (None, body),
    }
}

/// A candidate offered to the customer (suggestions, related articles).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub kind: CandidateKind,
    pub id: String,
    pub title: String,
    /// Escaped text with `<b>` around matched words.
    pub snippet_html: String,
    pub url: Option<String>,
    pub confidence: f32,
}

/// One option of a clarifying choice: an intent or article, offered by its title. Picking
/// it is asking it ([`crate::Matcher::decide_choice`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClarifyOption {
    pub kind: CandidateKind,
    pub id: String,
    pub title: String,
}

/// The full outcome: the decision, what to show, and what to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub kind: DecisionKind,
    /// Calibrated confidence of the best candidate.
    pub confidence: f32,
    pub answer: Option<Answer>,
    pub suggestions: Vec<Suggestion>,
    /// What a [`DecisionKind::Clarify`] offers, best first; empty otherwise.
    pub options: Vec<ClarifyOption>,
    pub handoff_reason: Option<HandoffReason>,
    /// Ranked candidates (for the escalation's context and analytics).
    pub matched: Vec<MatchedCandidate>,
    /// The intent that sets priority and routing tags on handoff, if one matched.
    pub intent: Option<String>,
    pub priority: Priority,
    pub tags: Vec<String>,
}

impl Decision {
    /// `intent:<name>` or `article:<id>` of the best candidate, for analytics.
    pub fn top_label(&self) -> Option<String> {
        self.matched.first().map(|m| format!("{}:{}", m.kind, m.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transcript_reply_splits_back_into_title_and_text() {
        let answer = Answer {
            kind: CandidateKind::Intent,
            id: "return_item".into(),
            title: "How do I return something?".into(),
            html: String::new(),
            text: "Within **30 days**.\n\nUse the [portal](https://x.example).".into(),
            url: None,
            locale: None,
            language_note: None,
        };
        let stored = answer.transcript_text();
        assert_eq!(
            split_transcript_text(&stored),
            (Some("How do I return something?"), answer.text.as_str())
        );
        assert_eq!(split_transcript_text("just text"), (None, "just text"));
        assert_eq!(
            split_transcript_text("line one\nline two\n\nmore"),
            (None, "line one\nline two\n\nmore")
        );
    }
}
