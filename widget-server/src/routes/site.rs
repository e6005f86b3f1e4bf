//! Site information for the widget: configuration, business hours, answers by id.

use axum::extract::{Path, State};
use axum::Json;
use frontline_matcher::{Answer, AnswerContext, CandidateKind, Suggestion};
use frontline_shared::config::BusinessHours;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// An answer card.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerBody {
    /// `intent` or `article`.
    pub kind: String,
    pub id: String,
    pub title: String,
    /// Sanitized HTML.
    pub html: String,
    pub text: String,
    pub url: Option<String>,
    /// The language of a translated answer (ISO 639-1, e.g. `de`); absent when the answer
    /// is in the site's own language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// For a customer who wrote in another language than the answer's, a sentence in
    /// theirs saying so ("Diese Antwort gibt es nur auf Englisch."); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_note: Option<String>,
}

impl From<Answer> for AnswerBody {
    fn from(answer: Answer) -> Self {
        AnswerBody {
            kind: answer.kind.as_str().to_string(),
            id: answer.id,
            title: answer.title,
            html: answer.html,
            text: answer.text,
            url: answer.url,
            locale: answer.locale,
            language_note: answer.language_note,
        }
    }
}

/// A suggested intent or article.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionBody {
    pub kind: String,
    pub id: String,
    pub title: String,
    /// Escaped text with `<b>` around matched words.
    pub snippet_html: String,
    pub url: Option<String>,
    pub confidence: f32,
}

impl From<Suggestion> for SuggestionBody {
    fn from(s: Suggestion) -> Self {
        SuggestionBody {
            kind: s.kind.as_str().to_string(),
            id: s.id,
            title: s.title,
            snippet_html: s.snippet_html,
            url: s.url,
            confidence: s.confidence,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessHoursBody {
    pub open_now: bool,
    /// RFC 9557 timestamp of the next opening, when closed.
    pub next_open: Option<String>,
    /// e.g. `Monday 09:00 (Europe/Berlin)`.
    pub next_open_text: Option<String>,
    pub time_zone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteConfig {
    pub site: String,
    pub name: String,
    pub locale: String,
    pub business_hours: BusinessHoursBody,
    /// True when `[email]` is configured: the handoff form asks for an e-mail address and
    /// offers "email me"; false: it asks for none and promises no mail.
    pub email_enabled: bool,
}

/// Business hours as the widget shows them.
pub fn business_hours_body(hours: &BusinessHours, now: jiff::Timestamp) -> BusinessHoursBody {
    let open_now = hours.is_open(now);
    let next = if open_now { None } else { hours.next_open(now) };
    BusinessHoursBody {
        open_now,
        next_open: next.as_ref().map(|z| z.to_string()),
        next_open_text: next
            .as_ref()
            .map(|z| format!("{} ({})", z.strftime("%A %H:%M"), hours.time_zone_name)),
        time_zone: hours.time_zone_name.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/config", tag = "self-service",
    params(("site" = String, Path, description = "site id")),
    responses((status = 200, body = SiteConfig), (status = 404, body = ErrorBody)))]
pub async fn config(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
) -> Result<Json<SiteConfig>, ApiError> {
    let site = state.site(&site_id)?;
    let settings = &site.settings;
    Ok(Json(SiteConfig {
        site: settings.id.to_string(),
        name: settings.name.clone(),
        locale: settings.locale.clone(),
        business_hours: business_hours_body(&settings.business_hours, state.clock.now()),
        email_enabled: state.mail_enabled,
    }))
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/answers/{kind}/{id}", tag = "self-service",
    params(("site" = String, Path, description = "site id"), ("kind" = String, Path, description = "`intent` or `article`"),
           ("id" = String, Path, description = "intent name or article id")),
    responses((status = 200, body = AnswerBody), (status = 404, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    Path((site_id, kind, id)): Path<(String, String, String)>,
) -> Result<Json<AnswerBody>, ApiError> {
    let site = state.site(&site_id)?;
    let kind = match kind.as_str() {
        "intent" => CandidateKind::Intent,
        "article" => CandidateKind::Article,
        _ => {
            return Err(ApiError::not_found(
                "unknown_kind",
                "kind must be `intent` or `article`",
            ))
        }
    };
    let context = AnswerContext {
        site: Some(site.settings.id.clone()),
        ..AnswerContext::default()
    };
    site.matcher
        .current()
        .matcher
        .answer_for(kind, &id, &context)
        .map(|a| Json(AnswerBody::from(a)))
        .ok_or_else(|| {
            ApiError::not_found("unknown_answer", format!("no {} {id:?}", kind.as_str()))
        })
}
