//! The Agents page (admins) and the invitation page (anyone holding a link).
//!
//! `/admin/agents` lists the accounts, creates one with an invitation link to send, changes
//! a role or the disabled flag, and issues a new link (password reset). The link opens
//! `/admin/invitations/{token}`, where the invitee sets a password and is signed in. All
//! of it goes through `frontline_shared::accounts::manage`, as the admin API does.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::accounts::manage;
use frontline_shared::accounts::{NewAgent, Role};
use frontline_shared::audit::Source;
use frontline_shared::store::agents::AgentChange;
use serde::Deserialize;
use serde_json::json;

use super::pages::render;
use super::session::{self, AdminAgent};
use crate::error::ApiError;
use crate::guard::admin;
use crate::guard::client_ip::ClientIp;
use crate::routes::agents::invitation_url;
use crate::state::AppState;

/// The Agents page, with `notice`/`link` after a change, or `error` and its status.
async fn agents_page(
    state: &AppState,
    notice: Option<String>,
    link: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let agents = match state.store.agents().await {
        Ok(agents) => agents,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut page = render(
        state,
        "agents",
        &json!({ "title": "Agents", "nav": { "agents": true }, "agents": agents, "notice": notice,
                 "link": link, "error": error.map(|(_, m)| m) }),
    );
    *page.status_mut() = status;
    page
}

pub async fn page(State(state): State<AppState>, _admin: AdminAgent) -> Response {
    agents_page(&state, None, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct NewAgentForm {
    email: String,
    display_name: String,
    role: String,
}

pub async fn create(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Form(form): Form<NewAgentForm>,
) -> Response {
    let new = match NewAgent::parse(&form.email, &form.display_name, &form.role) {
        Ok(new) => new,
        Err(error) => {
            let message = error.to_string();
            return agents_page(
                &state,
                None,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
            )
            .await;
        }
    };
    match manage::create(&state.store, &admin.actor(), &new, None).await {
        Ok(created) => {
            let link = created.invitation.map(|t| invitation_url(&state, &t));
            let notice = format!(
                "Account created for {}. Send them this link (it works once, for 7 days):",
                created.account.email
            );
            agents_page(&state, Some(notice), link, None).await
        }
        Err(manage::AccountError::EmailTaken) => {
            let message = "An account with this e-mail exists.".to_string();
            agents_page(&state, None, None, Some((StatusCode::CONFLICT, message))).await
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    /// `agent`, `admin`, `disable`, `enable` or `invite` (a new link).
    change: String,
}

pub async fn change(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let actor = admin.actor();
    let change = match form.change.as_str() {
        "invite" => {
            return match manage::invite(&state.store, &actor, &id).await {
                Ok(token) => {
                    let notice =
                        "New link issued; earlier ones stop working. Send it to the agent:"
                            .to_string();
                    agents_page(
                        &state,
                        Some(notice),
                        Some(invitation_url(&state, &token)),
                        None,
                    )
                    .await
                }
                Err(error) => ApiError::from(error).into_response(),
            };
        }
        "disable" | "enable" => AgentChange {
            disabled: Some(form.change == "disable"),
            ..AgentChange::default()
        },
        other => match Role::parse(other) {
            Some(role) => AgentChange {
                role: Some(role),
                ..AgentChange::default()
            },
            None => {
                let message = format!(
                    "`change` must be agent, admin, disable, enable or invite, not {other:?}"
                );
                return ApiError::bad_request("invalid_change", message).into_response();
            }
        },
    };
    match manage::change(&state.store, &actor, &id, &change).await {
        Ok(account) => {
            agents_page(
                &state,
                Some(format!("{} updated.", account.email)),
                None,
                None,
            )
            .await
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct InvitationQuery {
    error: Option<String>,
}

/// The set-a-password form of an invitation link (404 page when the link is dead).
pub async fn invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<InvitationQuery>,
) -> Response {
    let account = match state.store.invitation(&token).await {
        Ok(account) => account,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let Some(account) = account else {
        let mut page = render(
            &state,
            "invitation",
            &json!({ "title": "Invitation", "expired": true }),
        );
        *page.status_mut() = StatusCode::NOT_FOUND;
        return page;
    };
    let error = query.error.map(|_| {
        format!(
            "The password must be {} to {} characters, typed the same twice.",
            frontline_shared::accounts::MIN_PASSWORD_CHARS,
            frontline_shared::accounts::MAX_PASSWORD_CHARS
        )
    });
    render(
        &state,
        "invitation",
        &json!({ "title": "Invitation", "account": account, "token": token, "error": error }),
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
    confirm: String,
}

/// Sets the password and signs the invitee in (a fresh session).
pub async fn accept(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let retry = Redirect::to(&format!("/admin/invitations/{token}?error=password")).into_response();
    if form.password != form.confirm {
        return retry;
    }
    let account =
        match manage::accept_invitation(&state.store, &token, form.password, Some(ip.to_string()))
            .await
        {
            Ok(account) => account,
            Err(manage::AccountError::Input(_)) => return retry,
            Err(error) => return ApiError::from(error).into_response(),
        };
    // Signed in by the link: a sign-in, recorded with its session.
    let actor = manage::account_actor(&account, Source::Web, Some(ip.to_string()));
    let session_id = match state
        .store
        .create_account_session(
            &account,
            admin::SESSION_IDLE_TIMEOUT,
            manage::sign_in_record(&actor),
        )
        .await
    {
        Ok(id) => id,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let mut response = Redirect::to("/admin").into_response();
    if let Some(cookie) = session::sign_in_cookie(&state, &session_id) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
