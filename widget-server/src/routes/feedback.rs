//! `POST /api/v1/sites/{site}/feedback`: "did this help?".

use axum::extract::{Path, State};
use axum::http::StatusCode;
use frontline_shared::store::conversations::Conversation;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::token::BearerToken;
use crate::metrics::FeedbackLabels;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    pub conversation_id: String,
    pub helpful: bool,
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/feedback", tag = "self-service",
    params(("site" = String, Path, description = "site id")),
    request_body = FeedbackRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    token: BearerToken,
    ApiJson(request): ApiJson<FeedbackRequest>,
) -> Result<StatusCode, ApiError> {
    let site = state.site(&site_id)?;
    token
        .authorize_on_site(&state, &site.settings.id, &request.conversation_id)
        .await?;
    let conversation = Conversation {
        id: request.conversation_id,
        site_id: site.settings.id.clone(),
        page_url: None,
        locale: None,
        customer: serde_json::Map::new(),
        created_at_ms: state.clock.now_ms(),
    };
    state
        .store
        .record_feedback(&conversation, request.helpful)
        .await?;
    state
        .metrics
        .feedback
        .get_or_create(&FeedbackLabels {
            site: site_id,
            helpful: request.helpful.to_string(),
        })
        .inc();
    Ok(StatusCode::NO_CONTENT)
}
