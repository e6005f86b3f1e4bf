//! `/admin/conversations`: every conversation, answered by the assistant or handed off,
//! open or resolved, filtered by status, site, period and agent, searched by the words of
//! its messages, 25 to a page; and `/admin/conversations/{id}`, one transcript.
//!
//! Filters are a plain `GET` form, so a filtered list is a link a manager can share.
//! Periods are days (`from`, `to` inclusive) in the selected site's time zone, else UTC.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use frontline_shared::stats::days;
use frontline_shared::store::search::{ConversationFilter, ConversationSummary, StatusFilter};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::pages::render;
use super::session::Agent;
use crate::error::ApiError;
use crate::state::AppState;

/// Conversations per page.
const PAGE_SIZE: i64 = 25;
/// Pages beyond this are refused (use a narrower filter).
const MAX_PAGE: i64 = 10_000;

/// The list's query string; every field is optional and an empty one means "any".
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub agent: String,
    #[serde(default)]
    pub page: String,
}

impl ListQuery {
    /// This query on page `page` as a link.
    fn link(&self, page: i64) -> String {
        let query = ListQuery {
            page: page.to_string(),
            ..self.clone()
        };
        let pairs: Vec<(&str, &str)> = [
            ("q", query.q.as_str()),
            ("status", query.status.as_str()),
            ("site", query.site.as_str()),
            ("from", query.from.as_str()),
            ("to", query.to.as_str()),
            ("agent", query.agent.as_str()),
            ("page", query.page.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        format!(
            "/admin/conversations?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }

    /// The store filter, or a 400 naming the field that is wrong.
    fn filter(&self, state: &AppState) -> Result<(ConversationFilter, i64), ApiError> {
        let status = StatusFilter::parse(self.status.trim()).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                format!("unknown `status` {:?}", self.status),
            )
        })?;
        let site = match self.site.trim() {
            "" => None,
            site => Some(state.site(site)?),
        };
        let tz = site
            .as_ref()
            .and_then(|site| TimeZone::get(&site.settings.business_hours.time_zone_name).ok())
            .unwrap_or(TimeZone::UTC);
        let day = |raw: &str, field: &str| -> Result<Option<Date>, ApiError> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            raw.parse::<Date>().map(Some).map_err(|_| {
                ApiError::bad_request("invalid_date", format!("`{field}` must be YYYY-MM-DD"))
            })
        };
        let from_ms = day(&self.from, "from")?.map(|d| days::bounds(d, &tz).0);
        let to_ms = day(&self.to, "to")?.map(|d| days::bounds(d, &tz).1);
        if let (Some(from), Some(to)) = (from_ms, to_ms) {
            if from >= to {
                return Err(ApiError::bad_request(
                    "invalid_period",
                    "`from` must be on or before `to`",
                ));
            }
        }
        let page = match self.page.trim() {
            "" => 1,
            raw => raw
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_page",
                        format!("`page` must be a number from 1 to {MAX_PAGE}"),
                    )
                })?,
        };
        let filter = ConversationFilter {
            status,
            site: site.map(|site| site.settings.id.clone()),
            from_ms,
            to_ms,
            agent: Some(self.agent.clone()),
            text: Some(self.q.clone()),
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        Ok((filter, page))
    }
}

/// A list row as the template shows it.
#[derive(Debug, Serialize)]
struct Row {
    id: String,
    site_id: String,
    started: String,
    last: String,
    customer: String,
    first_message: String,
    messages: i64,
    status: &'static str,
    agent: Option<String>,
    escalation_id: Option<String>,
}

fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

impl Row {
    fn new(c: ConversationSummary) -> Row {
        let field = |key: &str| {
            c.customer
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let customer = c
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| c.email.clone())
            .or_else(|| field("name"))
            .or_else(|| field("email"))
            .unwrap_or_else(|| "Anonymous visitor".into());
        Row {
            started: time(c.created_at_ms),
            last: time(c.last_at_ms),
            customer,
            first_message: c
                .first_message
                .map(|m| m.chars().take(140).collect())
                .unwrap_or_else(|| "(no message)".into()),
            messages: c.messages,
            status: c.status.map(|s| s.as_str()).unwrap_or("self-service"),
            agent: c.agent,
            escalation_id: c.escalation_id,
            id: c.id,
            site_id: c.site_id.into(),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    _agent: Agent,
    Query(query): Query<ListQuery>,
) -> Response {
    let (filter, page) = match query.filter(&state) {
        Ok(parsed) => parsed,
        Err(error) => return error.into_response(),
    };
    // Questions are written in batches: include the ones asked a moment ago.
    state.recorder.flush().await;
    let found = match state.store.find_conversations(&filter).await {
        Ok(found) => found,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let rows: Vec<Row> = found.conversations.into_iter().map(Row::new).collect();
    let statuses: Vec<serde_json::Value> = StatusFilter::ALL
        .iter()
        .map(|s| {
            let label = match s {
                StatusFilter::All => "Any status",
                StatusFilter::SelfService => "Self-service (never handed off)",
                StatusFilter::Escalated => "Handed off",
                StatusFilter::Open => "Open (queued or claimed)",
                StatusFilter::Queued => "Queued",
                StatusFilter::Claimed => "Claimed",
                StatusFilter::Resolved => "Resolved",
            };
            json!({ "value": s.as_str(), "label": label, "selected": *s == filter.status })
        })
        .collect();
    let mut sites: Vec<serde_json::Value> = state
        .sites
        .iter()
        .map(|s| json!({ "id": s.settings.id, "name": s.settings.name, "selected": s.settings.id == query.site.trim() }))
        .collect();
    sites.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let first = (page - 1) * PAGE_SIZE + 1;
    let data = json!({
        "title": "Conversations",
        "nav": { "conversations": true },
        "query": query,
        "statuses": statuses,
        "sites": sites,
        "conversations": rows,
        "range": (!rows.is_empty()).then(|| format!("{first}–{}", first + rows.len() as i64 - 1)),
        "page": page,
        "previous": (page > 1).then(|| query.link(page - 1)),
        "next": found.has_more.then(|| query.link(page + 1)),
    });
    render(&state, "conversations", &data)
}

pub async fn show(
    State(state): State<AppState>,
    _agent: Agent,
    Path(id): Path<String>,
) -> Response {
    state.recorder.flush().await;
    let conversation = match state.store.conversation(&id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return ApiError::not_found("unknown_conversation", "no such conversation")
                .into_response()
        }
        Err(error) => return ApiError::from(error).into_response(),
    };
    let (transcript, escalation, mails) = match tokio::try_join!(
        state.store.transcript(&id),
        state.store.latest_escalation_for(&id),
        state.store.mails_of(&id)
    ) {
        Ok(found) => found,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let lines: Vec<serde_json::Value> = transcript
        .iter()
        .map(|l| json!({ "author": l.author, "author_name": l.author_name, "body": l.body, "at": time(l.at_ms) }))
        .collect();
    let data = json!({
        "title": "Conversation",
        "nav": { "conversations": true },
        "c": {
            "id": conversation.id,
            "site_id": conversation.site_id,
            "started": time(conversation.created_at_ms),
            "page_url": conversation.page_url,
            "customer_fields": conversation.customer,
        },
        "escalation": escalation.map(|e| json!({ "id": e.id, "status": e.status.as_str(), "customer": e.customer_label(), "agent": e.resolved_by.or(e.claimed_by) })),
        "transcript": lines,
        // Mails to the customer: `bounced` ones with the mail server's answer.
        "mails": mails
            .iter()
            .map(|m| json!({ "kind": m.kind.replace('_', " "), "status": m.status, "bounced": m.status == "bounced", "error": m.error, "at": time(m.created_at_ms) }))
            .collect::<Vec<_>>(),
    });
    render(&state, "conversation", &data)
}
