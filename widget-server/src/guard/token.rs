//! Conversation tokens on requests: `Authorization: Bearer <token>`. Only the event
//! stream also takes `?token=` (`EventSource` cannot set headers), see
//! [`BearerToken::or`]; elsewhere a token in the URL would end up in logs and histories.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use frontline_shared::conversation_token::TokenSite;
use frontline_shared::site_id::SiteId;

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
        Ok(BearerToken(from_header))
    }
}

impl BearerToken {
    /// The header's token, else `fallback` (the event stream's `?token=`).
    pub fn or(self, fallback: Option<String>) -> BearerToken {
        BearerToken(self.0.or(fallback))
    }

    /// The site the token was issued for, when it opens `conversation_id`.
    pub fn authorize(
        &self,
        state: &AppState,
        conversation_id: &str,
    ) -> Result<TokenSite<'_>, ApiError> {
        self.0
            .as_deref()
            .and_then(|token| state.tokens.verify(conversation_id, token))
            .ok_or(ApiError::Unauthorized)
    }

    /// Succeeds when the token opens `conversation_id` on `site_id`. A token of an
    /// earlier release names no site: the conversation's stored site must match instead
    /// (a conversation not stored yet has no site to disagree with).
    pub async fn authorize_on_site(
        &self,
        state: &AppState,
        site_id: &SiteId,
        conversation_id: &str,
    ) -> Result<(), ApiError> {
        match self.authorize(state, conversation_id)? {
            TokenSite::Site(site) if site_id == site => Ok(()),
            TokenSite::Site(_) => Err(ApiError::Unauthorized),
            TokenSite::Unbound => {
                let mut stored = state.store.conversation(conversation_id).await?;
                if stored.is_none() {
                    // Questions are written in batches: this one's may still be pending.
                    state.recorder.flush().await;
                    stored = state.store.conversation(conversation_id).await?;
                }
                match stored {
                    Some(conversation) if conversation.site_id != *site_id => {
                        Err(ApiError::Unauthorized)
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}
