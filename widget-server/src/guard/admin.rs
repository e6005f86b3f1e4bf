//! The admin guard: `Authorization: Bearer <FRONTLINE_ADMIN_TOKEN>` or the session cookie
//! the `/admin` login form sets.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the admin session cookie.
pub const COOKIE: &str = "frontline_admin";

/// Proof that the request comes from an admin.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

/// The cookie value for a valid session: an HMAC of a fixed label under the admin token,
/// so the token itself never sits in the browser.
pub fn session_value(admin_token: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(admin_token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"frontline-admin-session-v1");
    hex::encode(mac.finalize().into_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let expected = state.admin_token.expose();
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if bearer.is_some_and(|t| constant_time_eq(t.trim().as_bytes(), expected.as_bytes())) {
            return Ok(Admin);
        }
        let session = session_value(expected);
        let cookie_ok = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(name, value)| {
                name == COOKIE && constant_time_eq(value.as_bytes(), session.as_bytes())
            });
        if cookie_ok {
            Ok(Admin)
        } else {
            Err(ApiError::Forbidden {
                code: "admin_required",
                message: "an admin token is required".into(),
            })
        }
    }
}
