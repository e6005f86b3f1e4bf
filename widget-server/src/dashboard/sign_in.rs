//! Signing in and out of `/admin`: an account's e-mail and password, or the admin token
//! and a typed name (a bootstrap admin, as before accounts); single sign-on ends in
//! [`start_session`] too (see [`super::sso`]). Either way the browser's previous session
//! ends and a new one starts (rotation); failures are throttled per address, and
//! password failures per account too; sign-ins, failed ones and sign-outs go to the
//! audit log (a sign-in's row in the transaction that starts its session).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::accounts::{manage, Role};
use frontline_shared::audit::{Actor, AuditAction, Source};
use serde::Deserialize;
use serde_json::json;

use super::pages::{render, with_cookies};
use super::session;
use crate::error::ApiError;
use crate::guard::admin;
use crate::guard::client_ip::ClientIp;
use crate::state::AppState;

pub async fn login_form(State(state): State<AppState>) -> Response {
    render(&state, "login", &json!({ "sso": state.sso.is_some() }))
}

/// The sign-in form: `email` and `password` for an account, or (set-ups from before
/// accounts, automation) `token` and `agent`, the admin token and a typed name, which
/// signs in as a bootstrap admin.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    agent: String,
}

/// The sign-in page again, with `message` and `status`.
pub(super) fn login_error(state: &AppState, status: StatusCode, message: String) -> Response {
    let mut response = render(
        state,
        "login",
        &json!({ "error": message, "sso": state.sso.is_some() }),
    );
    *response.status_mut() = status;
    response
}

pub(super) fn throttled(state: &AppState, retry_after_secs: u64, what: &str) -> Response {
    let mut response = login_error(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        format!("Too many failed sign-ins {what}. Try again in {retry_after_secs} s."),
    );
    if let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let session = if form.email.trim().is_empty() {
        token_sign_in(&state, ip, form).await
    } else {
        account_sign_in(&state, ip, form).await
    };
    match session {
        Ok(SignIn::Session(session)) => start_session(&state, &headers, session).await,
        Ok(SignIn::Refused(response)) => response,
        Err(error) => error.into_response(),
    }
}

/// Starts `session` for the browser that sent `headers` and sends it to `/admin`: the
/// same for every way of signing in (password, admin token, single sign-on).
pub(super) async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    session: NewSession,
) -> Response {
    // Rotation: whatever session this browser had ends; the new one has a fresh id.
    if let Some(old) = admin::cookie(headers, admin::COOKIE).filter(|id| !id.is_empty()) {
        if let Err(error) = state.store.end_admin_session(old).await {
            return ApiError::from(error).into_response();
        }
    }
    let session_id = match session.start(state).await {
        Ok(id) => id,
        Err(error) => return error.into_response(),
    };
    with_cookies(
        Redirect::to("/admin").into_response(),
        session::sign_in_cookie(state, &session_id)
            .into_iter()
            .collect(),
    )
}

/// Who a successful sign-in starts a session for, and from where (the client IP).
pub(super) enum NewSession {
    Token {
        agent: String,
        origin: Option<String>,
    },
    Account {
        account: frontline_shared::accounts::AgentAccount,
        origin: Option<String>,
    },
}

impl NewSession {
    /// The session's id; the sign-in's audit row commits with the session.
    async fn start(self, state: &AppState) -> Result<String, ApiError> {
        let store = &state.store;
        let idle = admin::SESSION_IDLE_TIMEOUT;
        Ok(match self {
            NewSession::Token { agent, origin } => {
                let actor = Actor::unlinked(&agent, Source::Web, origin).with_role(Role::Admin);
                store
                    .create_admin_session(&agent, idle, manage::sign_in_record(&actor))
                    .await?
            }
            NewSession::Account { account, origin } => {
                let actor = manage::account_actor(&account, Source::Web, origin);
                store
                    .create_account_session(&account, idle, manage::sign_in_record(&actor))
                    .await?
            }
        })
    }
}

enum SignIn {
    Session(NewSession),
    /// The sign-in page with why not (401, 422 or 429).
    Refused(Response),
}

/// The admin token and a typed name: a bootstrap admin session (recorded as the name).
async fn token_sign_in(
    state: &AppState,
    ip: std::net::IpAddr,
    form: LoginForm,
) -> Result<SignIn, ApiError> {
    let valid = match admin::check_token(state, ip, form.token.trim(), state.admin_token.expose()) {
        Ok(valid) => valid,
        Err(ApiError::RateLimited { retry_after_secs }) => {
            return Ok(SignIn::Refused(throttled(
                state,
                retry_after_secs,
                "from your address",
            )))
        }
        Err(error) => return Err(error),
    };
    if !valid {
        return Ok(SignIn::Refused(login_error(
            state,
            StatusCode::UNAUTHORIZED,
            "That token is not valid.".into(),
        )));
    }
    let Some(agent) = crate::input::name(Some(form.agent)).ok().flatten() else {
        return Ok(SignIn::Refused(login_error(
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please give your name.".into(),
        )));
    };
    Ok(SignIn::Session(NewSession::Token {
        agent,
        origin: Some(ip.to_string()),
    }))
}

/// E-mail and password: throttled per address and per account before the password is
/// looked at; every failure counts against both.
async fn account_sign_in(
    state: &AppState,
    ip: std::net::IpAddr,
    form: LoginForm,
) -> Result<SignIn, ApiError> {
    let email = form.email.trim().to_lowercase();
    let throttle = &state.auth_throttle;
    for (check, what) in [
        (throttle.admit(ip), "from your address"),
        (throttle.admit_account(&email), "for this account"),
    ] {
        match check {
            Ok(()) => {}
            Err(ApiError::RateLimited { retry_after_secs }) => {
                return Ok(SignIn::Refused(throttled(state, retry_after_secs, what)))
            }
            Err(error) => return Err(error),
        }
    }
    let account =
        manage::sign_in(&state.store, &email, form.password, Some(ip.to_string())).await?;
    if let Some(account) = account {
        return Ok(SignIn::Session(NewSession::Account {
            account,
            origin: Some(ip.to_string()),
        }));
    }
    // Both buckets take the failure, whichever runs out first answers.
    let by_address = throttle.failed(ip);
    let by_account = throttle.failed_account(&email);
    for (check, what) in [
        (by_address, "from your address"),
        (by_account, "for this account"),
    ] {
        if let Err(ApiError::RateLimited { retry_after_secs }) = check {
            return Ok(SignIn::Refused(throttled(state, retry_after_secs, what)));
        }
    }
    Ok(SignIn::Refused(login_error(
        state,
        StatusCode::UNAUTHORIZED,
        "That e-mail and password do not match an active account.".into(),
    )))
}

/// Ends the session in the store (so a copied cookie stops working too), records the
/// sign-out, and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Response {
    if let Some(id) = admin::cookie(&headers, admin::COOKIE).filter(|id| !id.is_empty()) {
        if let Err(error) = end_session(&state, ip, id).await {
            return error.into_response();
        }
    }
    with_cookies(
        Redirect::to("/admin/login").into_response(),
        session::sign_out_cookies(&state),
    )
}

/// Ends session `id`; when it was live, its user's sign-out goes to the audit log.
async fn end_session(state: &AppState, ip: std::net::IpAddr, id: &str) -> Result<(), ApiError> {
    let session = state
        .store
        .admin_session(id, admin::SESSION_IDLE_TIMEOUT)
        .await?;
    let ended = state.store.end_admin_session(id).await?;
    if let (Some(session), true) = (session, ended) {
        let actor = Actor {
            name: session.agent,
            agent_id: session.agent_id,
            source: Source::Web,
            origin: Some(ip.to_string()),
            role: session.role,
        };
        state
            .store
            .append_audit(&actor, AuditAction::SignOut, actor.agent_id.as_deref())
            .await?;
    }
    Ok(())
}
