//! Dashboard sessions: cookies in, a signed-in agent out (or a redirect to sign in).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};

use crate::guard::admin::{session_value, COOKIE};
use crate::state::AppState;

/// Cookie carrying the signed-in agent's name (hex of its UTF-8).
pub const AGENT_COOKIE: &str = "frontline_agent";

/// A signed-in dashboard user.
#[derive(Debug, Clone)]
pub struct Agent {
    pub name: String,
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let expected = session_value(state.admin_token.expose());
        let signed_in = cookie(parts, COOKIE).is_some_and(|v| v == expected);
        if !signed_in {
            return Err(Redirect::to("/admin/login").into_response());
        }
        let name = cookie(parts, AGENT_COOKIE)
            .and_then(|hex| hex::decode(hex).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "admin".into());
        Ok(Agent { name })
    }
}

/// `Set-Cookie` headers that sign `agent` in.
pub fn sign_in_cookies(state: &AppState, agent: &str) -> Vec<HeaderValue> {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let attributes = format!("Path=/; HttpOnly; SameSite=Strict; Max-Age=43200{secure}");
    [
        format!(
            "{COOKIE}={}; {attributes}",
            session_value(state.admin_token.expose())
        ),
        format!(
            "{AGENT_COOKIE}={}; {attributes}",
            hex::encode(agent.as_bytes())
        ),
    ]
    .into_iter()
    .filter_map(|c| HeaderValue::from_str(&c).ok())
    .collect()
}

/// `Set-Cookie` headers that sign out.
pub fn sign_out_cookies() -> Vec<HeaderValue> {
    [COOKIE, AGENT_COOKIE]
        .iter()
        .filter_map(|name| {
            HeaderValue::from_str(&format!(
                "{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            ))
            .ok()
        })
        .collect()
}
