//! `PUT /api/v1/admin/away`: the signed-in agent sets themselves away or back (either
//! role), through [`frontline_shared::accounts::away::set_away`] as the dashboard's toggle.

use axum::extract::State;
use axum::Json;
use frontline_shared::accounts::away::set_away;
use serde::Deserialize;
use utoipa::ToSchema;

use super::agents::AgentBody;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::admin::Staff;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct AwayRequest {
    /// `true`: away (the SLA re-alert tells managers about what you own); `false`: back.
    pub away: bool,
}

#[utoipa::path(put, path = "/api/v1/admin/away", tag = "admin", operation_id = "set_away",
    request_body = AwayRequest, security(("admin_token" = [])),
    responses((status = 200, body = AgentBody, description = "your account as it is now"),
        (status = 409, body = ErrorBody, description = "no account signed in (the admin token has none)"),
        (status = 403, body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<AwayRequest>,
) -> Result<Json<AgentBody>, ApiError> {
    match set_away(&state.store, &staff.actor, request.away).await? {
        Some(account) => Ok(Json(account.into())),
        None => Err(ApiError::Conflict {
            code: "no_account",
            message: "away is set by a signed-in account; the admin token has none".into(),
        }),
    }
}
