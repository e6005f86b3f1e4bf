//! `/api/v1/admin/tokens…`: the caller's personal API tokens (any signed-in account, by
//! session or by one of its tokens; the admin token has no account and gets 403
//! `account_required`). Create one (its token is in this answer only), list them, revoke
//! one (an admin may revoke anyone's). Everything goes through
//! `frontline_shared::accounts::tokens`, as the dashboard's API tokens page does.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_shared::accounts::tokens::{self, ApiToken};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dashboard::tokens::token_error;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::admin::Staff;
use crate::state::AppState;

/// A token as the API shows it (never the token itself, except once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub id: String,
    pub name: String,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds, to the minute; absent when never used.
    pub last_used_at_ms: Option<i64>,
    /// Unix milliseconds; absent while the token works.
    pub revoked_at_ms: Option<i64>,
}

impl From<ApiToken> for TokenBody {
    fn from(t: ApiToken) -> Self {
        TokenBody {
            id: t.id,
            name: t.name,
            created_at_ms: t.created_at_ms,
            last_used_at_ms: t.last_used_at_ms,
            revoked_at_ms: t.revoked_at_ms,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What the token is for, 1 to 100 characters.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenBody {
    #[serde(flatten)]
    pub token: TokenBody,
    /// `flt_` and 64 hex digits: send it as `Authorization: Bearer`. Shown only here.
    pub secret: String,
}

#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "admin", operation_id = "list_tokens",
    security(("admin_token" = [])),
    responses((status = 200, description = "the caller's tokens, newest first (revoked ones too)", body = [TokenBody]),
        (status = 403, description = "not signed in, or no account (`account_required`)", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<TokenBody>>, ApiError> {
    let list = tokens::list(&state.store, &staff.actor)
        .await
        .map_err(token_error)?;
    Ok(Json(list.into_iter().map(TokenBody::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/admin/tokens", tag = "admin", operation_id = "create_token",
    request_body = CreateTokenRequest, security(("admin_token" = [])),
    responses((status = 201, body = CreatedTokenBody),
        (status = 422, description = "`name` is not valid", body = ErrorBody),
        (status = 403, description = "not signed in, or no account (`account_required`)", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedTokenBody>), ApiError> {
    let created = tokens::create(&state.store, &staff.actor, &request.name)
        .await
        .map_err(token_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenBody {
            token: created.token.into(),
            secret: created.secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", tag = "admin", operation_id = "revoke_token",
    params(("id" = String, Path, description = "token id")), security(("admin_token" = [])),
    responses((status = 200, description = "revoked; it stops working at once", body = TokenBody),
        (status = 404, description = "no such live token of yours", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<TokenBody>, ApiError> {
    let revoked = tokens::revoke(&state.store, &staff.actor, staff.role, &id)
        .await
        .map_err(token_error)?;
    Ok(Json(revoked.into()))
}
