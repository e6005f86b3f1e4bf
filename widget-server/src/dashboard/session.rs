//! Dashboard sessions: a cookie in, a signed-in agent out (or a redirect to sign in).
//!
//! The cookie holds a random session id (see [`crate::guard::admin`]); the agent's name
//! is kept with the session in the store, not in the browser.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};

use crate::guard::admin::{self, COOKIE};
use crate::state::AppState;

/// Cookie that carried the agent's name before sessions lived in the store; sign-out
/// still clears it from older browsers.
pub const AGENT_COOKIE: &str = "frontline_agent";

/// A signed-in dashboard user.
#[derive(Debug, Clone)]
pub struct Agent {
    pub name: String,
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match admin::session(state, &parts.headers).await {
            Ok(Some(session)) => Ok(Agent {
                name: session.agent,
            }),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, Secure behind HTTPS. No
/// `Max-Age`: the browser forgets it when closed, the server after the idle timeout.
pub fn sign_in_cookie(state: &AppState, session_id: &str) -> Option<HeaderValue> {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .ok()
}

/// `Set-Cookie` headers that sign out.
pub fn sign_out_cookies(state: &AppState) -> Vec<HeaderValue> {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    [COOKIE, AGENT_COOKIE]
        .iter()
        .filter_map(|name| {
            HeaderValue::from_str(&format!(
                "{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
            ))
            .ok()
        })
        .collect()
}
