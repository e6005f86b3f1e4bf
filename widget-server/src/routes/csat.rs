//! `POST /api/v1/conversations/{id}/csat`: "How did we do?" after a resolution, 1 to 5
//! with an optional comment. A later rating of the same escalation replaces the earlier
//! one; each is posted into the escalation's chat thread.

use axum::extract::{Path, State};
use axum::Json;
use frontline_shared::store::csat::Rated;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::token::BearerToken;
use crate::input::Text;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CsatRequest {
    /// 1 (bad) to 5 (great).
    pub rating: i64,
    /// Optional, up to `[server.limits] text_chars` characters.
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CsatResponse {
    pub rating: i64,
    pub comment: Option<String>,
    /// True when it replaced an earlier rating of the same escalation.
    pub updated: bool,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/csat", tag = "conversation", operation_id = "rate_conversation",
    params(("id" = String, Path, description = "conversation id")),
    security(("conversation_token" = [])),
    request_body = CsatRequest,
    responses((status = 200, body = CsatResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the conversation's escalation is not resolved"),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    token: BearerToken,
    ApiJson(request): ApiJson<CsatRequest>,
) -> Result<Json<CsatResponse>, ApiError> {
    if !(1..=5).contains(&request.rating) {
        return Err(ApiError::Unprocessable {
            code: "invalid_rating",
            message: "`rating` must be a whole number from 1 to 5".into(),
        });
    }
    let comment = Text::parse_optional("comment", request.comment.as_deref(), &state.limits)?;
    let conversation = super::conversation::load(&state, &token, &id).await?;
    let comment = comment.as_ref().map(Text::as_str);
    match state
        .store
        .rate(&conversation.id, request.rating, comment)
        .await?
    {
        Rated::Recorded { updated, .. } => Ok(Json(CsatResponse {
            rating: request.rating,
            comment: comment.map(str::to_string),
            updated,
        })),
        Rated::NoEscalation | Rated::NotResolved => Err(ApiError::Conflict {
            code: "not_resolved",
            message: "only a resolved conversation can be rated".into(),
        }),
    }
}
