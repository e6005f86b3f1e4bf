//! Dashboard handlers: overview, queue, escalation view and their form posts.

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use frontline_shared::accounts::Role;
use frontline_shared::agent_action::{self, AgentAction, Outcome, Refusal, Reply};
use frontline_shared::audit::AuditAction;
use frontline_shared::escalation::EscalationStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::{AdminAgent, Agent};
use super::views::{self, QueueRow};
use super::{chart, drafts};
use crate::error::ApiError;
use crate::input::Text;
use crate::routes::admin::refused;
use crate::routes::attachments::FileForm;
use crate::routes::stats::{Period, StatsQuery};
use crate::state::AppState;
use frontline_shared::attachments::Upload;

pub(super) fn render(state: &AppState, name: &str, data: &serde_json::Value) -> Response {
    match state.dashboard.render(name, data) {
        Ok(html) => Html(html).into_response(),
        Err(error) => ApiError::internal(error).into_response(),
    }
}

pub(super) fn with_cookies(mut response: Response, cookies: Vec<header::HeaderValue>) -> Response {
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
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
    // An account's own away state, for the toggle (token sign-ins have none).
    let account = match &agent.agent_id {
        Some(id) => match state.store.agent(id).await {
            Ok(account) => account,
            Err(error) => return ApiError::from(error).into_response(),
        },
        None => None,
    };
    let away = account.map(|a| json!({ "away": a.away }));
    match queue_rows(&state, &agent).await {
        Ok(rows) => render(
            &state,
            "queue",
            &json!({ "title": "Queue", "nav": { "queue": true }, "agent": agent.name, "account": away, "escalations": rows }),
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
    /// With `refused=assign`: the account it was to go to.
    to: Option<String>,
    /// `?reveal=true`: show what `[privacy] redact` masks (recorded in the audit log).
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
    let transcript = match state
        .store
        .numbered_transcript(&escalation.conversation_id)
        .await
    {
        Ok(lines) => lines,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let files = match state
        .store
        .conversation_attachments(&escalation.conversation_id)
        .await
    {
        Ok(files) => files,
        Err(error) => return ApiError::from(error).into_response(),
    };
    // Under the line they came with, customer's or agent's: images inline, other files
    // as links, both through signed links.
    let files_of = |message_id: Option<i64>| -> Vec<serde_json::Value> {
        files
            .iter()
            .filter(|f| Some(f.message_id) == message_id)
            .map(|f| {
                let image = frontline_shared::attachments::FileType::from_mime_type(&f.content_type)
                    .is_some_and(frontline_shared::attachments::FileType::is_image);
                json!({ "url": crate::routes::attachments::signed_path(&state, f), "file_name": f.file_name, "image": image, "size_kib": (f.size_bytes + 1023) / 1024 })
            })
            .collect()
    };
    // Masked by default; "Reveal" shows the original, and who looked is recorded in the
    // audit log (and logged); unrecorded, nothing is revealed.
    let redactor = if query.reveal {
        if let Err(error) = state
            .store
            .append_audit(&agent.actor(), AuditAction::Reveal, Some(&escalation.id))
            .await
        {
            return ApiError::from(error).into_response();
        }
        tracing::info!(escalation = %escalation.id, agent = %agent.name, "masked customer text revealed in the dashboard");
        frontline_shared::privacy::Redactor::none()
    } else {
        state.privacy.redactor().clone()
    };
    let shown = redactor.escalation(&escalation);
    let masked = shown != escalation
        || transcript
            .iter()
            .any(|(_, l)| redactor.mask(&l.body) != l.body);
    let lines: Vec<serde_json::Value> = transcript
        .iter()
        .map(|(message_id, l)| {
            let at = jiff::Timestamp::from_millisecond(l.at_ms).map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string());
            // An assistant answer and a saved reply are Markdown: shown as the same sanitized
            // HTML the widget shows (a saved reply masked first, as every other line is).
            let body = if l.author == "assistant" { l.body.clone() } else { redactor.mask_owned(&l.body) };
            let (title, html) = if l.author == "assistant" {
                let (title, markdown) = frontline_matcher::split_transcript_text(&l.body);
                (title, Some(frontline_shared::templates::transcript_html(markdown)))
            } else if l.markdown {
                (None, Some(frontline_shared::templates::transcript_html(&body)))
            } else {
                (None, None)
            };
            json!({ "author": l.author, "author_name": l.author_name, "body": body, "title": title, "html": html, "at": at.unwrap_or_default(), "files": files_of(*message_id) })
        })
        .collect();
    let saved_replies: Vec<String> =
        match state.store.saved_replies(Some(&escalation.site_id)).await {
            Ok(replies) => {
                let mut names: Vec<String> = replies.into_iter().map(|r| r.name).collect();
                names.dedup_by_key(|n| frontline_shared::saved_replies::name_key(n));
                names
            }
            Err(error) => return ApiError::from(error).into_response(),
        };
    let row = QueueRow::new(&shown, &agent.name, state.clock.now_ms());
    let notice = query.done.as_deref().and_then(views::done_notice);
    let error = match (query.refused.as_deref(), query.to) {
        (Some("assign"), Some(agent_id)) => Some(AgentAction::Assign { agent_id }),
        (Some("reassign"), Some(agent_id)) => Some(AgentAction::Reassign { agent_id }),
        (refused, _) => refused.and_then(AgentAction::parse),
    }
    .map(|action| Refusal::of(&action, &escalation, &agent.name).sentence());
    // Admins assign and take over; the select lists every enabled account.
    let assignees = if agent.role == Role::Admin {
        match state.store.agents().await {
            Ok(accounts) => accounts
                .into_iter()
                .filter(|a| !a.disabled)
                .map(|a| json!({ "id": a.id, "name": a.display_name, "away": a.away, "owner": escalation.claimed_by_agent_id.as_deref() == Some(a.id.as_str()) }))
                .collect(),
            Err(error) => return ApiError::from(error).into_response(),
        }
    } else {
        Vec::new()
    };
    let admin = agent.role == Role::Admin;
    render(
        &state,
        "escalation",
        &json!({ "title": "Escalation", "nav": { "queue": true }, "e": row, "transcript": lines, "notice": notice, "error": error, "masked": masked, "revealed": query.reveal, "admin": admin, "assignees": assignees, "saved_replies": saved_replies }),
    )
}

/// Claim, release or resolve from a form button; the path's last segment names the action.
pub async fn act(
    State(state): State<AppState>,
    agent: Agent,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let Some(action) = AgentAction::parse(&action) else {
        let message =
            format!("`action` must be claim, release, resolve or take_over, not {action:?}");
        return ApiError::not_found("unknown_action", message).into_response();
    };
    apply_and_show(&state, &agent, &id, action).await
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    text: String,
}

/// The reply box: a `multipart/form-data` form of `text` and `file` parts (the files are
/// checked as the customer's are, [`FileForm`]), or a plain form of `text` alone. A reply
/// needs text or at least one file.
pub async fn reply(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"));
    let parsed = if multipart {
        let form = Multipart::from_request(request, &state).await;
        match FileForm::read(&state, form, &["text"]).await {
            Ok(form) => {
                let text = form.field("text").map(str::to_string);
                reply_of(&state, text.as_deref(), form.files)
            }
            Err(error) => Err(error),
        }
    } else {
        match Form::<ReplyForm>::from_request(request, &state).await {
            Ok(Form(form)) => reply_of(&state, Some(&form.text), Vec::new()),
            Err(rejection) => return rejection.into_response(),
        }
    };
    match parsed {
        Ok(reply) => apply_and_show(&state, &agent, &id, AgentAction::Reply(reply)).await,
        Err(error) => error.into_response(),
    }
}

/// The reply of `text` (blank: none) and `files`; 422 `empty_text` when both are missing.
fn reply_of(state: &AppState, text: Option<&str>, files: Vec<Upload>) -> Result<Reply, ApiError> {
    // Text alone must be there; with files it may be left out.
    let text = match text {
        Some(raw) if !files.is_empty() && raw.trim().is_empty() => String::new(),
        None if !files.is_empty() => String::new(),
        raw => Text::parse("text", raw.unwrap_or_default(), &state.limits)?.into_string(),
    };
    Ok(Reply {
        files,
        ..Reply::text(text)
    })
}

/// Applies `action` through the core, then shows the escalation with what came of it
/// (post, redirect, get: reloading the page does not act twice).
pub(super) async fn apply_and_show(
    state: &AppState,
    agent: &Agent,
    id: &str,
    action: AgentAction,
) -> Response {
    let result = match agent_action::apply(&state.store, &action, id, &agent.actor()).await {
        Ok(Outcome::Applied(_) | Outcome::AlreadyApplied(_)) => "done",
        // Not the escalation's state: a 404, or the 403 / 422 the admin API gives.
        Ok(Outcome::Refused(
            refusal @ (Refusal::NotFound
            | Refusal::AdminsOnly
            | Refusal::UnlinkedAdminsOnly { .. }
            | Refusal::UnknownAgent),
        )) => return refused(refusal).into_response(),
        Ok(Outcome::Refused(_)) => "refused",
        Err(error) => return ApiError::from(error).into_response(),
    };
    let mut to = format!("/admin/escalations/{id}?{result}={}", action.as_str());
    if let AgentAction::Assign { agent_id } | AgentAction::Reassign { agent_id } = &action {
        let query = serde_urlencoded::to_string([("to", agent_id)]).unwrap_or_default();
        to.push_str(&format!("&{query}"));
    }
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
