//! The admin guard: `Authorization: Bearer <FRONTLINE_ADMIN_TOKEN>`, `Bearer` with a
//! personal API token (`flt_…`, acting as its account with the account's role), or the
//! session cookie the `/admin` sign-in sets.
//!
//! Two extractors: [`Staff`] lets in anyone signed in (an account of either role, a token
//! session, the admin token, a personal token) and says who they are; [`Admin`] also requires the `admin`
//! role, and answers `403 admin_required` to an `agent`.
//!
//! Sessions are random ids kept in the store (only their SHA-256), created afresh at
//! every sign-in, deleted at sign-out, and refused after [`SESSION_IDLE_TIMEOUT`] without
//! a request. Wrong tokens count against the caller's address in the
//! [`AuthThrottle`](super::auth_throttle::AuthThrottle).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use frontline_shared::accounts::manage::account_actor;
use frontline_shared::accounts::{tokens, Role};
use frontline_shared::audit::{Actor, Source};
use frontline_shared::store::admin_sessions::AdminSession;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::time::Duration;

use super::client_ip;
use crate::error::ApiError;
use crate::state::AppState;

/// Name of the admin session cookie.
pub const COOKIE: &str = "frontline_admin";

/// Shortest admin token accepted at start-up.
pub const MIN_TOKEN_CHARS: usize = 24;

/// A dashboard session ends after this long without a request (or at sign-out).
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(12 * 60 * 60);

/// Someone signed in (any role), and who.
#[derive(Debug, Clone)]
pub struct Staff {
    /// As the audit log records them: an account's name and id, or for the bearer token
    /// [`TOKEN_ACTOR`] (source `api`); origin is the client IP.
    pub actor: Actor,
    pub role: Role,
}

/// Proof that the request comes from an admin, and who.
#[derive(Debug, Clone)]
pub struct Admin(pub Staff);

/// The audit log's actor for calls made with the admin token itself.
pub const TOKEN_ACTOR: &str = "admin token";

impl Staff {
    /// Whether this is an account sign-in (its name is the account's, not typed).
    pub fn has_account(&self) -> bool {
        self.actor.agent_id.is_some()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `given` is `expected`, in time that depends on neither (their SHA-256 digests
/// are compared, so not even the length leaks).
pub fn token_matches(given: &str, expected: &str) -> bool {
    constant_time_eq(
        &Sha256::digest(given.as_bytes()),
        &Sha256::digest(expected.as_bytes()),
    )
}

/// The bearer token of a request, if it sends one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The live dashboard session the request's cookie names, if any.
pub async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<AdminSession>, ApiError> {
    let Some(id) = cookie(headers, COOKIE).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    Ok(state.store.admin_session(id, SESSION_IDLE_TIMEOUT).await?)
}

/// Checks an admin credential presented from `ip`, counting a wrong one against that
/// address: `Ok(true)` right, `Ok(false)` wrong, `Err` throttled (its credential is not
/// even looked at while the address is locked out).
pub fn check_token(
    state: &AppState,
    ip: IpAddr,
    given: &str,
    expected: &str,
) -> Result<bool, ApiError> {
    state.auth_throttle.admit(ip)?;
    if token_matches(given, expected) {
        return Ok(true);
    }
    state.auth_throttle.failed(ip)?;
    Ok(false)
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = client_ip::of(state, &parts.extensions, &parts.headers);
        if let Some(given) = bearer(&parts.headers) {
            if given.starts_with(tokens::TOKEN_PREFIX) {
                state.auth_throttle.admit(ip)?;
                if let Some(account) = tokens::authenticate(&state.store, given).await? {
                    return Ok(Staff {
                        actor: account_actor(&account, Source::Api, Some(ip.to_string())),
                        role: account.role,
                    });
                }
                // Not a live personal token: it may still be the admin token.
            }
            return if check_token(state, ip, given, state.admin_token.expose())? {
                Ok(Staff {
                    actor: Actor::unlinked(TOKEN_ACTOR, Source::Api, Some(ip.to_string()))
                        .with_role(Role::Admin),
                    role: Role::Admin,
                })
            } else {
                Err(ApiError::Forbidden {
                    code: "admin_required",
                    message: "that admin token is not valid".into(),
                })
            };
        }
        match session(state, &parts.headers).await? {
            Some(session) => Ok(Staff {
                actor: Actor {
                    name: session.agent,
                    agent_id: session.agent_id,
                    source: Source::Web,
                    origin: Some(ip.to_string()),
                    role: session.role,
                },
                role: session.role,
            }),
            None => Err(ApiError::Forbidden {
                code: "admin_required",
                message: "an admin token is required".into(),
            }),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.role == Role::Admin {
            Ok(Admin(staff))
        } else {
            Err(ApiError::Forbidden {
                code: "admin_required",
                message: "this needs the admin role; your account's role is agent".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        assert!(token_matches(
            "a-long-enough-admin-token",
            "a-long-enough-admin-token"
        ));
        assert!(!token_matches(
            "a-long-enough-admin-token",
            "a-long-enough-admin-tokeN"
        ));
        assert!(!token_matches("", "x"));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; frontline_admin=abc; b=2".parse().expect("value"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
