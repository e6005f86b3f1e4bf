//! `GET /api/v1/admin/forecast`: the Planning page's figures as JSON (forecast per
//! channel and hour, agents needed, rota shortfalls, forecast against actual).

use axum::extract::State;
use axum::Json;
use frontline_shared::planning::{self, Plan};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::guard::admin::Admin;
use crate::state::AppState;

/// Most days one forecast covers.
pub const MAX_DAYS: u32 = 14;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// Site id; may be omitted when only one site is configured.
    pub site: Option<String>,
    /// Days to forecast from today (local), 1 to 14; default 7.
    pub days: Option<String>,
}

/// Parses `days`: 1..=[`MAX_DAYS`], default 7.
pub fn parse_days(raw: Option<&str>) -> Result<u32, ApiError> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else {
        return Ok(7);
    };
    raw.parse::<u32>()
        .ok()
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_days",
                format!("`days` must be a whole number from 1 to {MAX_DAYS}"),
            )
        })
}

/// Builds the plan of `site` (or the only site) for `days` days.
pub async fn load(state: &AppState, site: Option<&str>, days: u32) -> Result<Plan, ApiError> {
    let site = match site.filter(|s| !s.is_empty()) {
        Some(id) => state.site(id)?,
        None => {
            let mut all = state.sites.iter();
            match (all.next(), all.next()) {
                (Some(only), None) => only.clone(),
                _ => {
                    return Err(ApiError::bad_request(
                        "missing_site",
                        "`site` is required when several sites are configured",
                    ))
                }
            }
        }
    };
    let now = state.clock.now_ms();
    Ok(planning::plan(&state.store, &state.planning, &site.settings, days, now).await?)
}

#[utoipa::path(get, path = "/api/v1/admin/forecast", tag = "admin", params(ForecastQuery),
    security(("admin_token" = [])),
    responses((status = 200, body = Object, description = "the site's plan: `site`, `time_zone`, `from` (first forecast day), `days`, \
`inputs` (`handle_time_seconds`, `handle_time_source`, `handle_time_samples`, `service_level`, `answer_within_seconds`, `concurrency`, `shrinkage`) \
and `channels`: per channel (`conversations`, `handoffs`, `email`: the handoffs a mail opened, included in `handoffs`) the `model`, `confidence_note` (\"low confidence: N days of history\" or null), `history_days`, \
`hours` (`start` RFC 3339 local hour, `day`, `hour`, `expected`, `agents`, `rostered`, `predicted_service_level`, `short`), \
`accuracy` per week (`week_start`, `days_forecast`, `forecast`, `actual`, `wape`) and `daily` (`day`, `forecast`, `actual`)"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn forecast(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ForecastQuery>,
) -> Result<Json<Plan>, ApiError> {
    let days = parse_days(query.days.as_deref())?;
    let plan = load(&state, query.site.as_deref(), days).await?;
    Ok(Json(plan))
}
