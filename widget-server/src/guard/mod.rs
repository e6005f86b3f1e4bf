//! Guards at the door: rate limits, allowed origins, conversation and admin tokens.

pub mod admin;
pub mod origins;
pub mod rate_limit;
pub mod token;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Middleware for the public API: the origin check, then the rate limits. One layer for
/// both, because every layer costs every request (a clone of the inner service and a
/// boxed future) and these two always go together.
pub async fn public_api(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match origins::verify(&state, &request).and_then(|()| rate_limit::verify(&state, &request)) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}
