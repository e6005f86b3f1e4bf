//! Conversation tokens on requests: `Authorization: Bearer <token>`, or `?token=` for
//! `EventSource`, which cannot set headers.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// The bearer token a request carried, if any.
#[derive(Debug, Clone, Default)]
pub struct BearerToken(pub Option<String>);

impl FromRequestParts<AppState> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let from_header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let from_query = || {
            parts.uri.query().and_then(|q| {
                q.split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| *k == "token")
                    .map(|(_, v)| v.to_string())
            })
        };
        Ok(BearerToken(from_header.or_else(from_query)))
    }
}

impl BearerToken {
    /// Succeeds when the token opens `conversation_id`.
    pub fn authorize(&self, state: &AppState, conversation_id: &str) -> Result<(), ApiError> {
        match &self.0 {
            Some(token) if state.tokens.verify(conversation_id, token) => Ok(()),
            _ => Err(ApiError::Unauthorized),
        }
    }
}
