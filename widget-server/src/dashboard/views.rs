//! Data shaped for the dashboard templates (all text is escaped by the templates).

use frontline_shared::escalation::{Escalation, EscalationStatus};
use frontline_shared::stats::Percentiles;
use serde::Serialize;

use crate::sites::Sites;

/// "3 min", "2 h 5 min", "1 d 4 h".
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as i64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3_599 => format!("{} min", s / 60),
        3_600..=86_399 => format!("{} h {} min", s / 3_600, (s % 3_600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// "12 min / 40 min", "≈ 12 min / 40 min" when read from the timing histograms, or "–"
/// without data.
pub fn percentiles(p: &Percentiles) -> String {
    let about = if p.approximate { "≈ " } else { "" };
    match (p.median_seconds, p.p90_seconds) {
        (Some(m), Some(p90)) => format!("{about}{} / {}", duration(m), duration(p90)),
        _ => "–".into(),
    }
}

/// The escalation page's notice after an action took effect, by the action's name
/// ([`AgentAction::as_str`](frontline_shared::agent_action::AgentAction::as_str)).
pub fn done_notice(action: &str) -> Option<&'static str> {
    match action {
        "claim" => Some("You own this escalation now."),
        "release" => Some("Released back to the queue."),
        "resolve" => Some("Resolved. The customer's widget shows it."),
        "reply" => Some("Reply sent."),
        "assign" | "reassign" => Some("Assigned. The agent owns this escalation now."),
        "take_over" => Some("You own this escalation now."),
        _ => None,
    }
}

/// How many top intents and knowledge gaps the overview loads.
pub const TOP_LISTED: usize = 25;
/// How many of them show before "show more".
pub const SHOWN_FIRST: usize = 5;

/// A ranking cut for the page: the first [`SHOWN_FIRST`] rows, and the rest folded away
/// under "Show N more".
#[derive(Debug, Serialize)]
pub struct Folded<T> {
    pub first: Vec<T>,
    pub more: Vec<T>,
}

impl<T> Folded<T> {
    pub fn new(mut rows: Vec<T>) -> Folded<T> {
        let more = rows.split_off(rows.len().min(SHOWN_FIRST));
        Folded { first: rows, more }
    }
}

/// A top intent as people read it: its title (its id when no site knows it any more).
#[derive(Debug, Serialize)]
pub struct IntentRow {
    pub title: String,
    pub id: String,
    pub count: i64,
}

/// Titles for `top` from the intents of `sites`.
pub fn intent_rows(
    state: &crate::state::AppState,
    sites: &[frontline_shared::site_id::SiteId],
    top: &[frontline_shared::stats::IntentCount],
) -> Vec<IntentRow> {
    let titles: std::collections::HashMap<String, String> = sites
        .iter()
        .filter_map(|id| state.sites.get(id.as_str()))
        .flat_map(|site| {
            let loaded = site.matcher.current();
            loaded
                .matcher
                .intents()
                .intents
                .iter()
                .map(|i| (i.name.clone(), i.title.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    top.iter()
        .map(|t| IntentRow {
            title: titles
                .get(&t.intent)
                .cloned()
                .unwrap_or_else(|| t.intent.clone()),
            id: t.intent.clone(),
            count: t.count,
        })
        .collect()
}

/// A queue row.
#[derive(Debug, Serialize)]
pub struct QueueRow {
    pub id: String,
    pub site_id: String,
    pub priority: &'static str,
    pub customer: String,
    pub email: String,
    pub question: String,
    pub status: &'static str,
    pub claimed_by: Option<String>,
    pub waiting: String,
    pub queued: bool,
    pub mine: bool,
    pub resolved: bool,
    pub page_url: Option<String>,
    pub intent: Option<String>,
    pub outside_hours: bool,
    pub matched: Vec<frontline_shared::escalation::MatchedCandidate>,
    pub customer_fields: serde_json::Map<String, serde_json::Value>,
}

impl QueueRow {
    pub fn new(e: &Escalation, agent: &str, now_ms: i64) -> QueueRow {
        let question = e
            .context
            .question
            .clone()
            .or_else(|| e.message.clone())
            .unwrap_or_else(|| "(no question)".into());
        QueueRow {
            id: e.id.clone(),
            site_id: e.site_id.to_string(),
            priority: e.priority.as_str(),
            customer: e.customer_label().to_string(),
            email: e.email.clone(),
            question: question.chars().take(140).collect(),
            status: e.status.as_str(),
            claimed_by: e.claimed_by.clone(),
            waiting: duration((now_ms - e.created_at_ms) as f64 / 1000.0),
            queued: e.status == EscalationStatus::Queued,
            mine: e.status == EscalationStatus::Claimed && e.claimed_by.as_deref() == Some(agent),
            resolved: e.status == EscalationStatus::Resolved,
            page_url: e.context.page_url.clone(),
            intent: e.intent.clone(),
            outside_hours: e.outside_hours,
            matched: e.context.matched.clone(),
            customer_fields: e.context.customer.clone(),
        }
    }
}

/// A knowledge file a site skipped (or could not reload), for the overview page.
#[derive(Debug, Serialize)]
pub struct KnowledgeProblem {
    pub site: String,
    /// The file, relative to the site's knowledge folder when it is inside it.
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Every site's knowledge problems, sites by name, files in path order.
pub fn knowledge_problems(sites: &Sites) -> Vec<KnowledgeProblem> {
    let mut sites: Vec<_> = sites.iter().collect();
    sites.sort_by(|a, b| a.settings.name.cmp(&b.settings.name));
    let mut problems = Vec::new();
    for site in sites {
        let settings = &site.settings;
        let loaded = site.matcher.current();
        for problem in loaded.matcher.knowledge().problems() {
            let file = problem
                .path
                .strip_prefix(&settings.knowledge_dir)
                .unwrap_or(&problem.path);
            problems.push(KnowledgeProblem {
                site: settings.id.to_string(),
                file: file.display().to_string(),
                line: problem.line,
                message: problem.message.clone(),
            });
        }
        for link in loaded.matcher.ignored_links() {
            problems.push(KnowledgeProblem {
                site: settings.id.to_string(),
                file: settings.intents_file.display().to_string(),
                line: None,
                message: format!(
                    "intent {:?} links article {:?}, which did not load; the link is ignored until it does",
                    link.intent, link.article
                ),
            });
        }
        if let Some(error) = site.matcher.reload_error() {
            problems.push(KnowledgeProblem {
                site: settings.id.to_string(),
                file: String::new(),
                line: None,
                message: format!("reload failed, still serving the previous version: {error}"),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::{duration, percentiles};
    use frontline_shared::stats::Percentiles;

    #[test]
    fn percentiles_read_from_histograms_are_marked_approximate() {
        let exact = Percentiles {
            count: 3,
            median_seconds: Some(600.0),
            p90_seconds: Some(7_500.0),
            approximate: false,
        };
        assert_eq!(percentiles(&exact), "10 min / 2 h 5 min");
        let approximate = Percentiles {
            approximate: true,
            ..exact
        };
        assert_eq!(percentiles(&approximate), "≈ 10 min / 2 h 5 min");
        assert_eq!(percentiles(&Percentiles::default()), "–");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(600.0), "10 min");
        assert_eq!(duration(7_500.0), "2 h 5 min");
        assert_eq!(duration(100_000.0), "1 d 3 h");
    }
}
