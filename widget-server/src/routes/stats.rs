//! `GET /api/v1/admin/stats`: the dashboard's figures as JSON.

use axum::extract::State;
use axum::Json;
use frontline_shared::site_id::SiteId;
use frontline_shared::stats::csat::{self, CsatFigures};
use frontline_shared::stats::days::{self, DayPoint};
use frontline_shared::stats::{self, Report};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::guard::admin::Admin;
use crate::state::AppState;

/// Longest period one request may cover.
const MAX_DAYS: i64 = 400;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// One site id; all configured sites when omitted.
    pub site: Option<String>,
    /// First local day, `YYYY-MM-DD` (default: six days before `to`).
    pub from: Option<String>,
    /// Last local day, inclusive, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
    /// IANA time zone the days are read in (default: the site's, else UTC).
    pub tz: Option<String>,
}

/// A period's figures and its day-by-day volume.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsBody {
    pub sites: Vec<String>,
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// Counts, deflection rate, time to claim / resolve (`count`, `median_seconds`,
    /// `p90_seconds`, and `approximate`: `true` when the percentiles were read from
    /// histograms, for periods of 7 whole UTC days or more, within 0.5 s or 5 % of the
    /// exact value, whichever is larger; counts are always exact), SLA breaches, unclaimed
    /// now, top intents, top unanswered question clusters.
    #[schema(value_type = Object)]
    pub report: Report,
    #[schema(value_type = Vec<Object>)]
    pub daily: Vec<DayPoint>,
    /// Satisfaction over the escalations resolved in the period: `resolved`, `ratings`,
    /// `csat_percent` (4–5 of all ratings), `average`, `response_rate_percent`, the
    /// `lowest` rated comments, and the same per agent (`by_agent`) and site (`by_site`).
    #[schema(value_type = Object)]
    pub csat: CsatFigures,
}

/// A validated period request.
#[derive(Debug, Clone)]
pub struct Period {
    pub sites: Vec<SiteId>,
    pub tz: TimeZone,
    pub time_zone: String,
    pub first: Date,
    pub last: Date,
}

impl Period {
    pub fn parse(state: &AppState, query: &StatsQuery) -> Result<Period, ApiError> {
        let sites: Vec<SiteId> = match &query.site {
            Some(site) if !site.is_empty() => vec![state.site(site)?.settings.id.clone()],
            _ => state.sites.iter().map(|s| s.settings.id.clone()).collect(),
        };
        let time_zone = query
            .tz
            .clone()
            .filter(|t| !t.is_empty())
            .or_else(|| {
                (sites.len() == 1)
                    .then(|| {
                        state
                            .sites
                            .get(sites[0].as_str())
                            .map(|s| s.settings.business_hours.time_zone_name.clone())
                    })
                    .flatten()
            })
            .unwrap_or_else(|| "UTC".into());
        let tz = TimeZone::get(&time_zone).map_err(|_| {
            ApiError::bad_request(
                "invalid_time_zone",
                format!("unknown time zone {time_zone:?}"),
            )
        })?;
        let today = days::date_of(state.clock.now_ms(), &tz);
        let date = |raw: &Option<String>, field: &str| -> Result<Option<Date>, ApiError> {
            raw.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<Date>())
                .transpose()
                .map_err(|_| {
                    ApiError::bad_request("invalid_date", format!("`{field}` must be YYYY-MM-DD"))
                })
        };
        let last = date(&query.to, "to")?.unwrap_or(today);
        let first = date(&query.from, "from")?
            .unwrap_or_else(|| last.checked_sub(jiff::Span::new().days(6)).unwrap_or(last));
        let length = first
            .until(last)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(-1);
        if !(0..MAX_DAYS).contains(&length) {
            return Err(ApiError::bad_request(
                "invalid_period",
                format!("`from` must be on or before `to`, at most {MAX_DAYS} days apart"),
            ));
        }
        Ok(Period {
            sites,
            tz,
            time_zone,
            first,
            last,
        })
    }

    pub async fn load(&self, state: &AppState) -> Result<StatsBody, ApiError> {
        self.load_top(state, stats::TOP).await
    }

    /// [`load`](Self::load) with up to `top` intents and knowledge gaps.
    pub async fn load_top(&self, state: &AppState, top: usize) -> Result<StatsBody, ApiError> {
        let (from_ms, _) = days::bounds(self.first, &self.tz);
        let (_, to_ms) = days::bounds(self.last, &self.tz);
        let now = state.clock.now_ms();
        let report = stats::report_with_top(
            &state.store,
            &self.sites,
            from_ms,
            to_ms,
            &state.sla,
            now,
            top,
        )
        .await?;
        let daily =
            days::series(&state.store, &self.sites, &self.tz, self.first, self.last).await?;
        let csat = csat::figures(&state.store, &self.sites, from_ms, to_ms).await?;
        Ok(StatsBody {
            sites: self.sites.iter().map(SiteId::to_string).collect(),
            from: self.first.to_string(),
            to: self.last.to_string(),
            time_zone: self.time_zone.clone(),
            report,
            daily,
            csat,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "admin", params(StatsQuery),
    security(("admin_token" = [])),
    responses((status = 200, body = StatsBody), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Json<StatsBody>, ApiError> {
    let period = Period::parse(&state, &query)?;
    Ok(Json(period.load(&state).await?))
}
