//! `GET /api/v1/sites/{site}/suggest?q=`: as-you-type suggestions.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::site::SuggestionBody;
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What the customer has typed so far.
    #[serde(default)]
    pub q: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestResponse {
    pub suggestions: Vec<SuggestionBody>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/suggest", tag = "self-service",
    params(("site" = String, Path, description = "site id"), SuggestQuery),
    responses((status = 200, body = SuggestResponse), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn suggest(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    ApiQuery(query): ApiQuery<SuggestQuery>,
) -> Result<Json<SuggestResponse>, ApiError> {
    let site = state.site(&site_id)?;
    let q: String = query.q.chars().take(200).collect();
    if q.trim().chars().count() < 2 {
        return Ok(Json(SuggestResponse {
            suggestions: Vec::new(),
        }));
    }
    let suggestions = site.matcher.current().matcher.suggest_as_you_type(&q, 5);
    Ok(Json(SuggestResponse {
        suggestions: suggestions.into_iter().map(SuggestionBody::from).collect(),
    }))
}
