//! Dashboard sessions: a cookie in, a signed-in agent out (or a redirect to sign in).
//!
//! The cookie holds a random session id (see [`crate::guard::admin`]); the agent's name,
//! account and role are kept with the session in the store, not in the browser.
//! [`Agent`] lets in both roles; [`AdminAgent`] answers an `agent` with a 403 page.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use frontline_shared::accounts::Role;
use frontline_shared::audit::{Actor, Source};
use serde_json::json;

use crate::guard::admin::{self, COOKIE};
use crate::guard::client_ip;
use crate::state::AppState;

/// Cookie that carried the agent's name before sessions lived in the store; sign-out
/// still clears it from older browsers.
pub const AGENT_COOKIE: &str = "frontline_agent";

/// A signed-in dashboard user.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The account's display name, or the name typed at a token sign-in.
    pub name: String,
    /// The account; `None` for a token sign-in.
    pub agent_id: Option<String>,
    pub role: Role,
    /// The client's address, for the audit log.
    pub ip: std::net::IpAddr,
}

impl Agent {
    /// As the audit log records this user's actions.
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.name.clone(),
            agent_id: self.agent_id.clone(),
            source: Source::Web,
            origin: Some(self.ip.to_string()),
            role: self.role,
        }
    }
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
                agent_id: session.agent_id,
                role: session.role,
                ip: client_ip::of(state, &parts.extensions, &parts.headers),
            }),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}

/// A signed-in user with the `admin` role (agents, settings, exports, webhooks, audit).
#[derive(Debug, Clone)]
pub struct AdminAgent(pub Agent);

impl FromRequestParts<AppState> for AdminAgent {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let agent = Agent::from_request_parts(parts, state).await?;
        if agent.role == Role::Admin {
            return Ok(AdminAgent(agent));
        }
        let mut page = super::pages::render(
            state,
            "forbidden",
            &json!({ "title": "Admins only", "nav": { "queue": true }, "agent": agent.name }),
        );
        *page.status_mut() = StatusCode::FORBIDDEN;
        Err(page)
    }
}

fn secure(state: &AppState) -> &'static str {
    if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax (a link from a chat alert to
/// an escalation page arrives signed in; cross-site form posts are refused by the origin
/// check), Secure behind HTTPS. No `Max-Age`: the browser forgets it when closed, the
/// server after the idle timeout.
pub fn sign_in_cookie(state: &AppState, session_id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax{}",
        secure(state)
    ))
    .ok()
}

/// `Set-Cookie` headers that sign out.
pub fn sign_out_cookies(state: &AppState) -> Vec<HeaderValue> {
    [COOKIE, AGENT_COOKIE]
        .iter()
        .filter_map(|name| {
            HeaderValue::from_str(&format!(
                "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
                secure(state)
            ))
            .ok()
        })
        .collect()
}

/// Cookie that binds a started single sign-on to the browser that started it: it holds
/// the `state` sent to the provider, and the callback refuses a state this browser did
/// not start (login CSRF).
pub const SSO_COOKIE: &str = "frontline_sso";

/// `Set-Cookie` for a started single sign-on: only `/admin/sso…` sees it, for as long as
/// the sign-on may take. SameSite=Lax: the provider's redirect back is a top-level GET.
pub fn sso_cookie(state: &AppState, sso_state: &str, max_age_secs: u64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SSO_COOKIE}={sso_state}; Path=/admin/sso; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        secure(state)
    ))
    .ok()
}

/// `Set-Cookie` that forgets a single sign-on's binding.
pub fn sso_cookie_cleared(state: &AppState) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SSO_COOKIE}=; Path=/admin/sso; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure(state)
    ))
    .ok()
}
