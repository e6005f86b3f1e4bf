//! `GET /api/v1/admin/stats/agents`: per-agent figures of a period (claims, resolves,
//! median and p90 time to claim, to first reply and to resolve, reopen rate and CSAT of
//! what they resolved), from
//! `frontline_shared::stats::agents`. An admin sees everyone; an agent sees only their own.

use axum::extract::State;
use axum::Json;
use frontline_shared::accounts::Role;
use frontline_shared::stats::agents::{self, AgentFigures};
use frontline_shared::stats::days;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::stats::{Period, StatsQuery};
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::guard::admin::Staff;
use crate::state::AppState;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentFiguresQuery {
    /// First local day, `YYYY-MM-DD` (default: six days before `to`).
    pub from: Option<String>,
    /// Last local day, inclusive, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
    /// IANA time zone the days are read in (default: UTC, or the only site's).
    pub tz: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentFiguresBody {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// One entry per person who claimed, resolved or sent an escalation's first reply in
    /// the period, by name: `agent`, `agent_id` (absent for an unlinked chat user),
    /// `claims`, `resolves`, `time_to_claim` and `time_to_resolve` (`count`,
    /// `median_seconds`, `p90_seconds`), `first_replies` and `time_to_first_reply` (of the
    /// escalations whose first reply they sent), `reopened` and `reopen_percent` (of the
    /// escalations they resolved, those reopened afterwards), `ratings`, `csat_percent`
    /// (4–5 of all ratings), `average_rating`.
    #[schema(value_type = Vec<Object>)]
    pub agents: Vec<AgentFigures>,
}

/// The figures `staff` may see for `query`'s period.
pub async fn load(
    state: &AppState,
    staff: &Staff,
    query: &AgentFiguresQuery,
) -> Result<AgentFiguresBody, ApiError> {
    let period = Period::parse(
        state,
        &StatsQuery {
            site: None,
            from: query.from.clone(),
            to: query.to.clone(),
            tz: query.tz.clone(),
        },
    )?;
    let (from_ms, _) = days::bounds(period.first, &period.tz);
    let (_, until_ms) = days::bounds(period.last, &period.tz);
    let agents = match staff.role {
        Role::Admin => agents::figures(&state.store, from_ms, until_ms, None).await?,
        Role::Agent => match staff.actor.agent_id.as_deref() {
            Some(own) => agents::figures(&state.store, from_ms, until_ms, Some(own)).await?,
            None => Vec::new(),
        },
    };
    Ok(AgentFiguresBody {
        from: period.first.to_string(),
        to: period.last.to_string(),
        time_zone: period.time_zone,
        agents,
    })
}

#[utoipa::path(get, path = "/api/v1/admin/stats/agents", tag = "admin", operation_id = "agent_figures",
    params(AgentFiguresQuery), security(("admin_token" = [])),
    responses((status = 200, description = "an admin gets everyone's figures, an agent their own", body = AgentFiguresBody),
        (status = 400, description = "`from`, `to` or `tz` is not valid", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<AgentFiguresQuery>,
) -> Result<Json<AgentFiguresBody>, ApiError> {
    Ok(Json(load(&state, &staff, &query).await?))
}
