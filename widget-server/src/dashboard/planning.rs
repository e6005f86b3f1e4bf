//! The Planning page: a 7-day × 24-hour heat map of expected conversations and agents
//! needed, rota shortfalls, the last four weeks of forecast against actual with WAPE, and
//! the inputs used. The figures come from [`crate::routes::planning::load`], the same as
//! `GET /api/v1/admin/forecast`.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use frontline_shared::planning::{ChannelPlan, Plan};
use frontline_shared::store::forecasts::Channel;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::pages::render;
use super::session::AdminAgent;
use crate::state::AppState;

/// Days the page shows.
const DAYS: u32 = 7;
/// Heat levels (CSS classes `heat-0` … `heat-5`).
const LEVELS: f64 = 5.0;

#[derive(Debug, Default, Deserialize)]
pub struct PlanningQuery {
    site: Option<String>,
}

#[derive(Serialize)]
struct Cell {
    /// Expected conversations, one decimal; empty for an hour the day does not have.
    expected: String,
    /// Agents needed for the handoffs expected in that hour.
    agents: Option<u32>,
    level: u8,
    short: bool,
}

#[derive(Serialize)]
struct Row {
    day: String,
    weekday: String,
    cells: Vec<Cell>,
    total: String,
}

#[derive(Serialize)]
struct WeekRow {
    channel: &'static str,
    week_start: String,
    forecast: String,
    actual: String,
    wape: String,
}

pub async fn page(
    State(state): State<AppState>,
    _admin: AdminAgent,
    Query(query): Query<PlanningQuery>,
) -> Response {
    let mut sites: Vec<(String, String)> = state
        .sites
        .iter()
        .map(|s| (s.settings.id.to_string(), s.settings.name.clone()))
        .collect();
    sites.sort_by(|a, b| a.1.cmp(&b.1));
    let selected = query
        .site
        .filter(|s| !s.is_empty())
        .or_else(|| sites.first().map(|s| s.0.clone()));
    let plan = match crate::routes::planning::load(&state, selected.as_deref(), DAYS).await {
        Ok(plan) => plan,
        Err(error) => return error.into_response(),
    };
    let options: Vec<serde_json::Value> = sites
        .iter()
        .map(|(id, name)| json!({ "id": id, "name": name, "selected": Some(id) == selected.as_ref() }))
        .collect();
    let conversations = plan.channel(Channel::Conversations);
    let handoffs = plan.channel(Channel::Handoffs);
    let data = json!({
        "title": "Planning",
        "nav": { "planning": true },
        "sites": options,
        "plan": &plan,
        "rows": heat_rows(&plan),
        "hours": (0..24).map(|h| format!("{h:02}")).collect::<Vec<_>>(),
        "weeks": week_rows(&plan),
        "channel_totals": channel_totals(&plan),
        "short": short_hours(handoffs),
        "has_rota": handoffs.is_some_and(|h| h.hours.iter().any(|x| x.rostered.is_some())),
        "handle_time": minutes_seconds(plan.inputs.handle_time_seconds),
        "service_level": format!("{:.0}%", plan.inputs.service_level * 100.0),
        "answer_within": minutes_seconds(plan.inputs.answer_within_seconds),
        "shrinkage": format!("{:.0}%", plan.inputs.shrinkage * 100.0),
        "conversations_model": conversations.map(|c| c.model.clone()),
        "confidence_note": conversations.and_then(|c| c.confidence_note.clone()),
    });
    render(&state, "planning", &data)
}

fn heat_rows(plan: &Plan) -> Vec<Row> {
    let Some(conversations) = plan.channel(Channel::Conversations) else {
        return Vec::new();
    };
    let handoffs = plan.channel(Channel::Handoffs);
    let max = conversations
        .hours
        .iter()
        .map(|h| h.expected)
        .fold(0.0_f64, f64::max);
    let mut days: Vec<String> = conversations.hours.iter().map(|h| h.day.clone()).collect();
    days.dedup();
    days.into_iter()
        .map(|day| {
            let cells = (0..24_i8)
                .map(|hour| {
                    let same = |c: &ChannelPlan| {
                        c.hours
                            .iter()
                            .filter(|h| h.day == day && h.hour == hour)
                            .cloned()
                            .collect::<Vec<_>>()
                    };
                    let hours = same(conversations);
                    if hours.is_empty() {
                        // The hour clocks skip when they spring forward.
                        return Cell {
                            expected: String::new(),
                            agents: None,
                            level: 0,
                            short: false,
                        };
                    }
                    let expected: f64 = hours.iter().map(|h| h.expected).sum();
                    let staffed = handoffs.map(same).unwrap_or_default();
                    let level = if max > 0.0 {
                        (expected / max * LEVELS).ceil().clamp(0.0, LEVELS) as u8
                    } else {
                        0
                    };
                    Cell {
                        expected: format!("{expected:.1}"),
                        agents: staffed.iter().filter_map(|h| h.agents).max(),
                        level,
                        short: staffed.iter().any(|h| h.short),
                    }
                })
                .collect();
            let total: f64 = conversations
                .hours
                .iter()
                .filter(|h| h.day == day)
                .map(|h| h.expected)
                .sum();
            let weekday = day
                .parse::<jiff::civil::Date>()
                .map(|d| d.strftime("%a").to_string())
                .unwrap_or_default();
            Row {
                day,
                weekday,
                cells,
                total: format!("{total:.0}"),
            }
        })
        .collect()
}

/// Each channel's expected contacts over the whole horizon, e.g. `("email", "12")`.
fn channel_totals(plan: &Plan) -> Vec<serde_json::Value> {
    plan.channels
        .iter()
        .map(|c| {
            let total: f64 = c.hours.iter().map(|h| h.expected).sum();
            json!({ "channel": c.channel.as_str(), "total": format!("{total:.0}") })
        })
        .collect()
}

fn week_rows(plan: &Plan) -> Vec<WeekRow> {
    plan.channels
        .iter()
        .flat_map(|c| {
            c.accuracy.iter().map(move |w| WeekRow {
                channel: c.channel.as_str(),
                week_start: w.week_start.clone(),
                forecast: if w.days_forecast == 0 {
                    "–".into()
                } else {
                    format!("{:.0}", w.forecast)
                },
                actual: format!("{:.0}", w.actual),
                wape: w
                    .wape
                    .filter(|_| w.days_forecast > 0)
                    .map(|x| format!("{:.1}%", x * 100.0))
                    .unwrap_or_else(|| "–".into()),
            })
        })
        .collect()
}

fn short_hours(handoffs: Option<&ChannelPlan>) -> Vec<String> {
    handoffs
        .map(|c| {
            c.hours
                .iter()
                .filter(|h| h.short)
                .map(|h| {
                    format!(
                        "{} {:02}:00: {} needed, {} rostered",
                        h.day,
                        h.hour,
                        h.agents.unwrap_or(0),
                        h.rostered.unwrap_or(0)
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn minutes_seconds(seconds: f64) -> String {
    let s = seconds.round() as i64;
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
