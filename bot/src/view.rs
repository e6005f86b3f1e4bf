//! What an alert says, before any markup: the values templates render.
//!
//! Every string here is raw customer or agent text; the template registry folds it to one
//! line and escapes it for its destination (customer name, email and fields are already
//! folded here, like the question). Only `mention` is pre-rendered markup (from configuration), and the
//! built-in templates insert it with `{{{mention}}}`.
//!
//! Template data (`alert.slack.hbs`, `alert.discord.hbs`):
//! `id`, `customer.{name,email}`, `site.{id,name}`, `page_url`, `question`,
//! `transcript[].{author,body,answer}` (last lines; `body` on one line, shortened;
//! `answer`: an assistant line's Markdown as written, for `{{markdown answer}}`), `transcript_omitted`,
//! `matched[].{title,kind,id,confidence}` (`{{percent confidence}}`), `priority`,
//! `urgent` (high or urgent), `tags`, `intent`, `fields[].{key,value}`, `waiting`,
//! `outside_hours`, `status` (`queued`/`claimed`/`resolved`) with `queued`, `claimed`,
//! `resolved` flags, `claimed_by`, `time_to_claim`, `resolved_by`, `mention`.

use std::collections::HashMap;

use frontline_shared::config::SiteSettings;
use frontline_shared::escalation::{Escalation, EscalationStatus, Priority, TranscriptLine};
use frontline_shared::site_id::SiteId;
use frontline_shared::store::conversations::Author;
use serde::Serialize;

/// Site ids → display names (`[[sites]] name`).
#[derive(Debug, Clone, Default)]
pub struct SiteNames(HashMap<SiteId, String>);

impl SiteNames {
    pub fn new(sites: &[SiteSettings]) -> Self {
        SiteNames(
            sites
                .iter()
                .map(|s| (s.id.clone(), s.name.clone()))
                .collect(),
        )
    }

    /// Every configured site id, sorted.
    pub fn ids(&self) -> Vec<SiteId> {
        let mut ids: Vec<SiteId> = self.0.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The configured name, or the id itself for a site this bot does not know.
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.0.get(id).map(String::as_str).unwrap_or(id)
    }
}

/// Transcript lines shown in an alert.
const TRANSCRIPT_LINES: usize = 6;
/// Longest transcript line, question or field value shown, in characters.
const LINE_CHARS: usize = 300;
const QUESTION_CHARS: usize = 1_000;

#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    pub id: String,
    pub customer: CustomerView,
    pub site: SiteView,
    pub page_url: Option<String>,
    pub question: Option<String>,
    pub transcript: Vec<LineView>,
    pub transcript_omitted: usize,
    pub matched: Vec<MatchView>,
    pub priority: &'static str,
    pub urgent: bool,
    pub tags: Vec<String>,
    pub intent: Option<String>,
    pub fields: Vec<FieldView>,
    pub waiting: String,
    pub outside_hours: bool,
    pub status: &'static str,
    pub queued: bool,
    pub claimed: bool,
    pub resolved: bool,
    pub claimed_by: Option<String>,
    pub time_to_claim: Option<String>,
    pub resolved_by: Option<String>,
    pub mention: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    pub author: String,
    /// The line as plain text: one line, shortened (escaped like any value).
    pub body: String,
    /// An assistant line's Markdown as stored (our text, not the customer's), which the
    /// templates convert for their platform with `{{markdown answer}}`; `None` otherwise.
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    pub kind: String,
    pub id: String,
    pub title: String,
    pub confidence: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub key: String,
    pub value: String,
}

impl AlertView {
    /// The view of `escalation` at `now_ms`; `mention` is already platform markup.
    pub fn new(
        escalation: &Escalation,
        site_name: &str,
        now_ms: i64,
        mention: Option<String>,
    ) -> AlertView {
        let context = &escalation.context;
        let shown = context.transcript.len().min(TRANSCRIPT_LINES);
        let skipped = context.transcript.len() - shown;
        let transcript = context.transcript[skipped..]
            .iter()
            .map(|line| LineView {
                author: line_author(escalation, line),
                body: one_line(&line.body, LINE_CHARS),
                answer: (line.author == Author::Assistant.as_str()).then(|| line.body.clone()),
            })
            .collect();
        let fields = context
            .customer
            .iter()
            .map(|(key, value)| FieldView {
                key: one_line(key, 60),
                value: one_line(
                    &match value {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                    LINE_CHARS,
                ),
            })
            .collect();
        let status = escalation.status;
        AlertView {
            id: escalation.id.clone(),
            customer: CustomerView {
                name: one_line(escalation.customer_label(), LINE_CHARS),
                email: one_line(&escalation.email, LINE_CHARS),
            },
            site: SiteView {
                id: escalation.site_id.to_string(),
                name: site_name.to_string(),
            },
            page_url: context.page_url.clone(),
            question: context
                .question
                .as_deref()
                .or(escalation.message.as_deref())
                .map(|q| one_line(q, QUESTION_CHARS)),
            transcript,
            transcript_omitted: skipped,
            matched: context
                .matched
                .iter()
                .filter(|m| m.confidence >= SHOWN_CONFIDENCE)
                .take(3)
                .map(|m| MatchView {
                    kind: m.kind.clone(),
                    id: m.id.clone(),
                    title: m.title.clone(),
                    confidence: m.confidence,
                })
                .collect(),
            priority: escalation.priority.as_str(),
            urgent: escalation.priority >= Priority::High,
            tags: escalation.tags.clone(),
            intent: escalation.intent.clone(),
            fields,
            waiting: humanize_ms(now_ms - escalation.created_at_ms),
            outside_hours: escalation.outside_hours,
            status: status.as_str(),
            queued: status == EscalationStatus::Queued,
            claimed: status == EscalationStatus::Claimed,
            resolved: status == EscalationStatus::Resolved,
            claimed_by: escalation.claimed_by.clone(),
            time_to_claim: escalation
                .claimed_at_ms
                .map(|at| humanize_ms(at - escalation.created_at_ms)),
            resolved_by: escalation.resolved_by.clone(),
            mention,
        }
    }
}

/// Candidates below this would read `0.0%`: noise, not shown.
const SHOWN_CONFIDENCE: f32 = 0.0005;

/// Who a transcript line is from, one label per person: the customer's name (or e-mail)
/// on every customer line, the agent's name, or `assistant`.
fn line_author(escalation: &Escalation, line: &TranscriptLine) -> String {
    let named = line.author_name.as_deref().filter(|n| !n.is_empty());
    match line.author.as_str() {
        "customer" => escalation.customer_label().to_string(),
        "agent" => named.unwrap_or("agent").to_string(),
        other => other.to_string(),
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `text` on one line (whitespace runs collapsed), cut to `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    shorten(&text.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

/// A duration for people: `42s`, `3m 05s`, `2h 10m`, `3d 4h`.
pub fn humanize_ms(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m {:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {:02}m", s / 3_600, (s % 3_600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(humanize_ms(-5), "0s");
        assert_eq!(humanize_ms(42_900), "42s");
        assert_eq!(humanize_ms(185_000), "3m 05s");
        assert_eq!(humanize_ms(7_800_000), "2h 10m");
        assert_eq!(humanize_ms(273_600_000), "3d 4h");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(shorten("  héllo wörld ", 5), "héllo…");
        assert_eq!(shorten("short", 10), "short");
    }
}
