//! Dashboard handlers: sign-in, overview, queue, escalation view and their form posts.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::accounts::manage;
use frontline_shared::accounts::Role;
use frontline_shared::agent_action::{self, AgentAction, Outcome, Refusal, Reply};
use frontline_shared::audit::{Actor, AuditAction, Source};
use frontline_shared::escalation::EscalationStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::{self, AdminAgent, Agent};
use super::views::{self, QueueRow};
use super::{chart, drafts};
use crate::error::ApiError;
use crate::guard::admin;
use crate::guard::client_ip::ClientIp;
use crate::input::Text;
use crate::routes::admin::refused;
use crate::routes::stats::{Period, StatsQuery};
use crate::state::AppState;

pub(super) fn render(state: &AppState, name: &str, data: &serde_json::Value) -> Response {
    match state.dashboard.render(name, data) {
        Ok(html) => Html(html).into_response(),
        Err(error) => ApiError::internal(error).into_response(),
    }
}

fn with_cookies(mut response: Response, cookies: Vec<header::HeaderValue>) -> Response {
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn login_form(State(state): State<AppState>) -> Response {
    render(&state, "login", &json!({}))
}

/// The sign-in form: `email` and `password` for an account, or (set-ups from before
/// accounts, automation) `token` and `agent`, the admin token and a typed name, which
/// signs in as a bootstrap admin.
#[derive(Debug, Deserialize)]
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
fn login_error(state: &AppState, status: StatusCode, message: String) -> Response {
    let mut response = render(state, "login", &json!({ "error": message }));
    *response.status_mut() = status;
    response
}

fn throttled(state: &AppState, retry_after_secs: u64, what: &str) -> Response {
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
    let session = match session {
        Ok(SignIn::Session(session)) => session,
        Ok(SignIn::Refused(response)) => return response,
        Err(error) => return error.into_response(),
    };
    // Rotation: whatever session this browser had ends; the new one has a fresh id.
    if let Some(old) = admin::cookie(&headers, admin::COOKIE).filter(|id| !id.is_empty()) {
        if let Err(error) = state.store.end_admin_session(old).await {
            return ApiError::from(error).into_response();
        }
    }
    let session_id = match session.start(&state).await {
        Ok(id) => id,
        Err(error) => return error.into_response(),
    };
    with_cookies(
        Redirect::to("/admin").into_response(),
        session::sign_in_cookie(&state, &session_id)
            .into_iter()
            .collect(),
    )
}

/// Who a successful sign-in starts a session for.
enum NewSession {
    Token { agent: String },
    Account(frontline_shared::accounts::AgentAccount),
}

impl NewSession {
    async fn start(self, state: &AppState) -> Result<String, ApiError> {
        let store = &state.store;
        Ok(match self {
            NewSession::Token { agent } => {
                store
                    .create_admin_session(&agent, admin::SESSION_IDLE_TIMEOUT)
                    .await?
            }
            NewSession::Account(account) => {
                store
                    .create_account_session(&account, admin::SESSION_IDLE_TIMEOUT)
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
            return Ok(SignIn::Refused(throttled(state, retry_after_secs, "from your address")))
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
    let actor = Actor::unlinked(&agent, Source::Web, Some(ip.to_string()));
    state
        .store
        .append_audit(&actor, AuditAction::SignIn, None)
        .await?;
    Ok(SignIn::Session(NewSession::Token { agent }))
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
    let account = manage::sign_in(&state.store, &email, form.password, Some(ip.to_string())).await?;
    if let Some(account) = account {
        return Ok(SignIn::Session(NewSession::Account(account)));
    }
    // Both buckets take the failure, whichever runs out first answers.
    let by_address = throttle.failed(ip);
    let by_account = throttle.failed_account(&email);
    for (check, what) in [(by_address, "from your address"), (by_account, "for this account")] {
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

/// Ends the session in the store (so a copied cookie stops working too) and clears it.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = admin::cookie(&headers, admin::COOKIE).filter(|id| !id.is_empty()) {
        if let Err(error) = state.store.end_admin_session(id).await {
            return ApiError::from(error).into_response();
        }
    }
    with_cookies(
        Redirect::to("/admin/login").into_response(),
        session::sign_out_cookies(&state),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    #[serde(flatten)]
    stats: StatsQuery,
    notice: Option<String>,
}

#[derive(Serialize)]
struct SiteOption {
    id: String,
    name: String,
    selected: bool,
}

/// The figures (admins); an `agent` is sent to the queue, their page.
pub async fn overview(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<OverviewQuery>,
) -> Response {
    if agent.role != Role::Admin {
        return Redirect::to("/admin/queue").into_response();
    }
    let period = match Period::parse(&state, &query.stats) {
        Ok(period) => period,
        Err(error) => return error.into_response(),
    };
    // Questions are written in batches: count the ones asked a moment ago.
    state.recorder.flush().await;
    let stats = match period.load_top(&state, views::TOP_LISTED).await {
        Ok(stats) => stats,
        Err(error) => return error.into_response(),
    };
    let selected = query.stats.site.clone().unwrap_or_default();
    let mut sites: Vec<SiteOption> = state
        .sites
        .iter()
        .map(|s| SiteOption {
            id: s.settings.id.to_string(),
            name: s.settings.name.clone(),
            selected: s.settings.id == *selected,
        })
        .collect();
    sites.sort_by(|a, b| a.name.cmp(&b.name));
    let notice = match query.notice.as_deref() {
        Some("draft") => Some("Draft article created in the knowledge base's drafts/ folder."),
        _ => None,
    };
    let failing_webhooks: Vec<_> = match crate::routes::webhooks::endpoints(&state).await {
        Ok(endpoints) => endpoints.into_iter().filter(|e| e.failing).collect(),
        Err(error) => return error.into_response(),
    };
    let data = json!({
        "title": "Overview",
        "failing_webhooks": failing_webhooks,
        "nav": { "overview": true },
        "notice": notice,
        "sites": sites,
        "deflection": stats.report.deflection_rate.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "–".into()),
        "claim": views::percentiles(&stats.report.time_to_claim),
        "resolve": views::percentiles(&stats.report.time_to_resolve),
        "chart": chart::daily_volume(&stats.daily),
        "legend": chart::legend(),
        "intents": views::Folded::new(views::intent_rows(&state, &period.sites, &stats.report.top_intents)),
        "gaps": views::Folded::new(stats.report.top_unanswered.clone()),
        "draft_site": (stats.sites.len() == 1).then(|| stats.sites[0].clone()),
        "knowledge_problems": views::knowledge_problems(&state.sites),
        "satisfaction": super::satisfaction::view(&stats.csat, &state.sites),
        "stats": stats,
    });
    render(&state, "overview", &data)
}

async fn queue_rows(state: &AppState, agent: &Agent) -> Result<Vec<QueueRow>, ApiError> {
    let open = [EscalationStatus::Queued, EscalationStatus::Claimed];
    let escalations = state
        .store
        .escalations_with_status(&open, None, 500)
        .await?;
    let now = state.clock.now_ms();
    Ok(escalations
        .iter()
        .map(|e| QueueRow::new(&state.privacy.redactor().escalation(e), &agent.name, now))
        .collect())
}

pub async fn queue(State(state): State<AppState>, agent: Agent) -> Response {
    match queue_rows(&state, &agent).await {
        Ok(rows) => render(
            &state,
            "queue",
            &json!({ "title": "Queue", "nav": { "queue": true }, "agent": agent.name, "escalations": rows }),
        ),
        Err(error) => error.into_response(),
    }
}

pub async fn queue_table(State(state): State<AppState>, agent: Agent) -> Response {
    match queue_rows(&state, &agent).await {
        Ok(rows) => render(&state, "queue_table", &json!({ "escalations": rows })),
        Err(error) => error.into_response(),
    }
}

/// What the last form post did: `done` names the action that took effect, `refused` the
/// one that did not (its refusal is explained from the escalation as it is now).
#[derive(Debug, Default, Deserialize)]
pub struct ResultQuery {
    done: Option<String>,
    refused: Option<String>,
    /// `?reveal=true`: show what `[privacy] redact` masks (recorded in the log).
    #[serde(default)]
    reveal: bool,
}

pub async fn escalation(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(query): Query<ResultQuery>,
) -> Response {
    let escalation = match state.store.escalation(&id).await {
        Ok(Some(e)) => e,
        Ok(None) => return refused(Refusal::NotFound).into_response(),
        Err(error) => return ApiError::from(error).into_response(),
    };
    let transcript = match state.store.transcript(&escalation.conversation_id).await {
        Ok(lines) => lines,
        Err(error) => return ApiError::from(error).into_response(),
    };
    // Masked by default; "Reveal" shows the original, and who looked is logged.
    let redactor = if query.reveal {
        tracing::info!(escalation = %escalation.id, agent = %agent.name, "masked customer text revealed in the dashboard");
        frontline_shared::privacy::Redactor::none()
    } else {
        state.privacy.redactor().clone()
    };
    let shown = redactor.escalation(&escalation);
    let masked = shown != escalation || transcript.iter().any(|l| redactor.mask(&l.body) != l.body);
    let lines: Vec<serde_json::Value> = transcript
        .iter()
        .map(|l| {
            let at = jiff::Timestamp::from_millisecond(l.at_ms).map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string());
            // An assistant answer is Markdown: shown as the same sanitized HTML the widget shows.
            let (title, html) = if l.author == "assistant" {
                let (title, markdown) = frontline_matcher::split_transcript_text(&l.body);
                (title, Some(frontline_shared::templates::transcript_html(markdown)))
            } else {
                (None, None)
            };
            let body = if l.author == "assistant" { l.body.clone() } else { redactor.mask_owned(&l.body) };
            json!({ "author": l.author, "author_name": l.author_name, "body": body, "title": title, "html": html, "at": at.unwrap_or_default() })
        })
        .collect();
    let row = QueueRow::new(&shown, &agent.name, state.clock.now_ms());
    let notice = query.done.as_deref().and_then(views::done_notice);
    let error = query
        .refused
        .as_deref()
        .and_then(AgentAction::parse)
        .map(|action| Refusal::of(&action, &escalation, &agent.name).sentence());
    render(
        &state,
        "escalation",
        &json!({ "title": "Escalation", "nav": { "queue": true }, "e": row, "transcript": lines, "notice": notice, "error": error, "masked": masked, "revealed": query.reveal }),
    )
}

/// Claim, release or resolve from a form button; the path's last segment names the action.
pub async fn act(
    State(state): State<AppState>,
    agent: Agent,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let Some(action) = AgentAction::parse(&action) else {
        let message = format!("`action` must be claim, release or resolve, not {action:?}");
        return ApiError::not_found("unknown_action", message).into_response();
    };
    apply_and_show(&state, &agent, &id, action).await
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    text: String,
}

pub async fn reply(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let text = match Text::parse("text", &form.text, &state.limits) {
        Ok(text) => text,
        Err(error) => return error.into_response(),
    };
    let reply = AgentAction::Reply(Reply {
        text: text.into_string(),
        chat_event: None,
    });
    apply_and_show(&state, &agent, &id, reply).await
}

/// Applies `action` through the core, then shows the escalation with what came of it
/// (post, redirect, get: reloading the page does not act twice).
async fn apply_and_show(
    state: &AppState,
    agent: &Agent,
    id: &str,
    action: AgentAction,
) -> Response {
    let result = match agent_action::apply(&state.store, &action, id, &agent.actor()).await {
        Ok(Outcome::Applied(_) | Outcome::AlreadyApplied(_)) => "done",
        Ok(Outcome::Refused(Refusal::NotFound)) => {
            return refused(Refusal::NotFound).into_response()
        }
        Ok(Outcome::Refused(_)) => "refused",
        Err(error) => return ApiError::from(error).into_response(),
    };
    let to = format!("/admin/escalations/{id}?{result}={}", action.as_str());
    Redirect::to(&to).into_response()
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    site: String,
    question: String,
    #[serde(default)]
    also: String,
}

pub async fn draft(
    State(state): State<AppState>,
    _admin: AdminAgent,
    Form(form): Form<DraftForm>,
) -> Response {
    let site = match state.site(&form.site) {
        Ok(site) => site,
        Err(error) => return error.into_response(),
    };
    let also: Vec<String> = form
        .also
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let dir = site.settings.knowledge_dir.clone();
    let question = form.question.chars().take(300).collect::<String>();
    match tokio::task::spawn_blocking(move || drafts::create(&dir, &question, &also)).await {
        Ok(Ok(path)) => {
            tracing::info!(path = %path.display(), "draft article created");
            Redirect::to(&format!("/admin?site={}&notice=draft", site.settings.id)).into_response()
        }
        Ok(Err(error)) => ApiError::internal(error).into_response(),
        Err(error) => ApiError::internal(error).into_response(),
    }
}
