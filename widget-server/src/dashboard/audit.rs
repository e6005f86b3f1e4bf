//! The Audit page (admins): the audit log filtered by actor, action and period, newest
//! first, with a CSV export of the same selection (`?format=csv`). The query and the CSV
//! are those of `GET /api/v1/admin/audit` ([`crate::routes::audit`]).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use frontline_shared::audit::AuditAction;
use serde_json::json;

use super::pages::render;
use super::session::AdminAgent;
use crate::error::ApiError;
use crate::routes::audit::{self, AuditQuery};
use crate::state::AppState;

/// Rows shown on the page (the CSV has up to [`audit::MAX_ROWS`]).
const SHOWN: usize = 500;

pub async fn page(
    State(state): State<AppState>,
    _admin: AdminAgent,
    Query(query): Query<AuditQuery>,
) -> Response {
    let csv_wanted = match query.wants_csv() {
        Ok(csv) => csv,
        Err(error) => return error.into_response(),
    };
    let entries = match audit::load(&state, &query).await {
        Ok(entries) => entries,
        Err(error @ ApiError::BadRequest { .. }) => {
            let mut page = render(
                &state,
                "audit",
                &json!({ "title": "Audit log", "nav": { "audit": true }, "error": error.to_string(), "actions": actions(None) }),
            );
            *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return page;
        }
        Err(error) => return error.into_response(),
    };
    if csv_wanted {
        return audit::csv(&entries);
    }
    let rows: Vec<_> = entries
        .iter()
        .take(SHOWN)
        .map(|e| {
            let at = jiff::Timestamp::from_millisecond(e.at_ms)
                .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default();
            json!({ "at": at, "entry": e })
        })
        .collect();
    let export = serde_urlencoded::to_string([
        ("actor", query.actor.clone().unwrap_or_default()),
        ("action", query.action.clone().unwrap_or_default()),
        ("from", query.from.clone().unwrap_or_default()),
        ("to", query.to.clone().unwrap_or_default()),
        ("format", "csv".to_string()),
    ])
    .unwrap_or_else(|_| "format=csv".into());
    render(
        &state,
        "audit",
        &json!({ "title": "Audit log", "nav": { "audit": true }, "rows": rows, "query": {
            "actor": query.actor, "from": query.from, "to": query.to },
            "actions": actions(query.action.as_deref()), "export": format!("/admin/audit?{export}"),
            "more": entries.len() > SHOWN }),
    )
}

/// The action filter's options, `selected` marked.
fn actions(selected: Option<&str>) -> Vec<serde_json::Value> {
    AuditAction::ALL
        .iter()
        .map(|a| json!({ "name": a.as_str(), "selected": Some(a.as_str()) == selected }))
        .collect()
}
