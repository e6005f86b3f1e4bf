//! `/admin/sso` and `/admin/sso/callback`: single sign-on with the `[auth.oidc]` provider.
//!
//! The start route makes a fresh state, nonce and PKCE verifier, keeps them in the store
//! (single use, [`LOGIN_VALID_FOR`]), binds the state to the browser with an HttpOnly
//! cookie, and sends the browser to the provider. The callback takes the kept row by the
//! returned state (deleting it, so a replayed callback finds nothing), checks the
//! browser's cookie, has [`crate::sso::SsoClient`] exchange the code and verify the ID
//! token, and hands the identity to `frontline_shared::accounts::sso`. A success starts a
//! session exactly as a password sign-in does ([`super::sign_in::start_session`]);
//! every failure is throttled per address like a wrong password and audited as
//! `sign_in_failed`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use frontline_shared::accounts::sso;
use serde::Deserialize;

use super::pages::with_cookies;
use super::session;
use super::sign_in::{login_error, start_session, throttled, NewSession};
use crate::error::ApiError;
use crate::guard::admin;
use crate::guard::client_ip::ClientIp;
use crate::sso::LOGIN_VALID_FOR;
use crate::state::AppState;

/// Starts a single sign-on (404 when `[auth.oidc]` is not configured).
pub async fn start(State(state): State<AppState>) -> Response {
    let Some(client) = state.sso.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let started = match client.start().await {
        Ok(started) => started,
        Err(error) => {
            tracing::error!(%error, detail = ?error, "single sign-on could not start");
            return login_error(
                &state,
                StatusCode::BAD_GATEWAY,
                format!("Single sign-on is not available right now: {error}."),
            );
        }
    };
    if let Err(error) = state
        .store
        .start_sso(&started.state, &started.pending, LOGIN_VALID_FOR)
        .await
    {
        return ApiError::from(error).into_response();
    }
    with_cookies(
        Redirect::to(&started.authorize_url).into_response(),
        session::sso_cookie(&state, &started.state, LOGIN_VALID_FOR.as_secs())
            .into_iter()
            .collect(),
    )
}

/// What the provider sends back (OpenID Connect Core §3.1.2.5 and §3.1.2.6).
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// A refused callback: its status and the sentence the sign-in page shows.
struct Refused(StatusCode, String);

pub async fn callback(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(client) = state.sso.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Err(ApiError::RateLimited { retry_after_secs }) = state.auth_throttle.admit(ip) {
        return throttled(&state, retry_after_secs, "from your address");
    }
    let outcome = finish(&state, &client, &headers, query, ip).await;
    let cleared: Vec<_> = session::sso_cookie_cleared(&state).into_iter().collect();
    match outcome {
        Ok(Ok(account)) => with_cookies(
            start_session(
                &state,
                &headers,
                NewSession::Account {
                    account,
                    origin: Some(ip.to_string()),
                },
            )
            .await,
            cleared,
        ),
        Ok(Err(Refused(status, message))) => {
            if let Err(ApiError::RateLimited { retry_after_secs }) = state.auth_throttle.failed(ip)
            {
                return with_cookies(
                    throttled(&state, retry_after_secs, "from your address"),
                    cleared,
                );
            }
            with_cookies(login_error(&state, status, message), cleared)
        }
        Err(error) => error.into_response(),
    }
}

async fn finish(
    state: &AppState,
    client: &crate::sso::SsoClient,
    headers: &HeaderMap,
    query: CallbackQuery,
    ip: std::net::IpAddr,
) -> Result<Result<frontline_shared::accounts::AgentAccount, Refused>, ApiError> {
    let store = &state.store;
    let origin = Some(ip.to_string());
    let refuse = |status: StatusCode, message: String| async move {
        sso::failed(store, None, Some(ip.to_string())).await?;
        Ok::<_, ApiError>(Err(Refused(status, message)))
    };
    if let Some(error) = query.error {
        let error: String = error.chars().take(100).collect();
        tracing::warn!(%error, "the sign-in provider refused a single sign-on");
        return refuse(
            StatusCode::UNAUTHORIZED,
            format!("The sign-in provider refused: {error}."),
        )
        .await;
    }
    let (Some(code), Some(returned)) = (query.code, query.state) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The sign-in provider's answer lacks `code` or `state`.".into(),
        )
        .await;
    };
    let bound = admin::cookie(headers, session::SSO_COOKIE).unwrap_or("");
    if bound.is_empty() || !admin::token_matches(bound, &returned) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This sign-in was not started in this browser. Please try again.".into(),
        )
        .await;
    }
    let Some(pending) = store.take_sso(&returned).await? else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "This sign-in was already used or took too long. Please try again.".into(),
        )
        .await;
    };
    let identity = match client.finish(&code, pending).await {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, detail = ?error, "a single sign-on was refused");
            return refuse(
                StatusCode::UNAUTHORIZED,
                format!("Single sign-on failed: {error}."),
            )
            .await;
        }
    };
    match sso::sign_in(store, &client.settings, &identity, origin).await? {
        Ok(account) => Ok(Ok(account)),
        Err(refusal) => Ok(Err(Refused(
            StatusCode::FORBIDDEN,
            format!("Single sign-on refused: {refusal}."),
        ))),
    }
}
