//! `GET /api/v1/admin/audit`: the audit log, filtered by actor, action and period, as
//! JSON or (`format=csv`) as a CSV file. The dashboard's `/admin/audit` page reads the
//! same query through [`load`] and exports through [`csv`].

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::audit::{AuditAction, AuditEntry, AuditFilter};
use frontline_shared::stats::days;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::guard::admin::Admin;
use crate::state::AppState;

/// Most rows one request returns (newest first).
pub const MAX_ROWS: i64 = 5_000;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact actor name (an account's display name, a chat or typed name, `admin token`).
    pub actor: Option<String>,
    /// `sign_in`, `sign_in_failed`, `sign_out`, `claim`, `release`, `resolve`, `reply`,
    /// `assign`, `reassign`, `take_over`, `away`, `chat_linked`, `agent_created`,
    /// `agent_changed`, `invitation`, `password_set`, `export`, `erasure`,
    /// `saved_reply_changed`, `token_created`, `token_revoked` or `reveal`.
    pub action: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Last day, inclusive, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `[start, end)` of UTC day `raw` (`YYYY-MM-DD`), in Unix milliseconds, or a 400.
fn day_ms(raw: &str, field: &str) -> Result<(i64, i64), ApiError> {
    let date: Date = raw.parse().map_err(|_| {
        ApiError::bad_request("invalid_date", format!("`{field}` must be YYYY-MM-DD"))
    })?;
    Ok(days::bounds(date, &jiff::tz::TimeZone::UTC))
}

impl AuditQuery {
    /// The store's filter, or a 400 naming the field.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let action = given(&self.action)
            .map(|raw| {
                AuditAction::parse(raw).ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_action",
                        format!("`action`: unknown action {raw:?}"),
                    )
                })
            })
            .transpose()?;
        let from_ms = given(&self.from)
            .map(|d| day_ms(d, "from").map(|(start, _)| start))
            .transpose()?;
        let until_ms = given(&self.to)
            .map(|d| day_ms(d, "to").map(|(_, end)| end))
            .transpose()?;
        Ok(AuditFilter {
            actor: given(&self.actor).map(str::to_string),
            action,
            from_ms,
            until_ms,
        })
    }

    /// Whether the CSV file is asked for (`format=csv`); other values than `json` are a 400.
    pub fn wants_csv(&self) -> Result<bool, ApiError> {
        match given(&self.format) {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(ApiError::bad_request(
                "invalid_format",
                format!("`format` must be json or csv, not {other:?}"),
            )),
        }
    }
}

/// The rows `query` selects, newest first.
pub async fn load(state: &AppState, query: &AuditQuery) -> Result<Vec<AuditEntry>, ApiError> {
    let filter = query.filter()?;
    Ok(state.store.audit_entries(&filter, MAX_ROWS).await?)
}

/// The rows as a CSV attachment: `at` (RFC 3339, UTC), actor, actor_id, source, origin,
/// action, object_id. Cells a spreadsheet would run as a formula are prefixed with `'`.
pub fn csv(entries: &[AuditEntry]) -> Response {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let header = [
        "at",
        "actor",
        "actor_id",
        "source",
        "origin",
        "action",
        "object_id",
    ];
    let mut result = writer.write_record(header);
    for e in entries {
        if result.is_err() {
            break;
        }
        let at = jiff::Timestamp::from_millisecond(e.at_ms)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let cells = [
            at,
            e.actor.clone(),
            e.actor_id.clone().unwrap_or_default(),
            e.source.clone(),
            e.origin.clone().unwrap_or_default(),
            e.action.clone(),
            e.object_id.clone().unwrap_or_default(),
        ];
        result = writer.write_record(cells.iter().map(|c| defuse(c)));
    }
    let body = result.map_err(ApiError::internal).and_then(|()| {
        writer
            .into_inner()
            .map_err(|e| ApiError::internal(e.to_string()))
    });
    match body {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"frontline-audit.csv\"",
                ),
            ],
            body,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// A cell that starts like a spreadsheet formula gets a leading `'` (CSV injection).
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", operation_id = "audit_log",
    params(AuditQuery), security(("admin_token" = [])),
    responses((status = 200, description = "rows, newest first (at most 5000): `id`, `at_ms`, `actor`, `actor_id`, `source` (web, api, slack, discord), `origin` (IP or chat user id), `action`, `object_id`; with `format=csv` a CSV attachment", body = [Object]),
        (status = 400, description = "`action`, `from`, `to` or `format` is not valid", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let csv_wanted = query.wants_csv()?;
    let entries = load(&state, &query).await?;
    Ok(if csv_wanted {
        csv(&entries)
    } else {
        Json(entries).into_response()
    })
}
