//! The one-click rating links of the resolved mail: `GET /csat/{token}?rating=N` shows a
//! small page that thanks the customer, names the rating and offers a comment box; only
//! its form's `POST /csat/{token}` records the rating (mail scanners follow links, so a
//! GET never changes anything). `{token}` is the conversation's signed rating token
//! ([`frontline_shared::mail_token`]; a forged one opens nothing, like an unknown one);
//! a later rating of the same escalation replaces the earlier one.
//!
//! The page speaks the conversation's language (the widget's locale when it started, else
//! the site's `locale`): English or German, see [`texts`].

pub mod texts;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use frontline_shared::language::Language;
use frontline_shared::mail_token::Purpose;
use frontline_shared::store::csat::Rated;
use frontline_shared::store::emails::MailThread;
use frontline_shared::templates::escape_html;
use serde::Deserialize;

use crate::error::ApiError;
use crate::input::Text;
use crate::state::AppState;
use texts::PageTexts;

#[derive(Debug, Deserialize)]
pub struct RatingQuery {
    pub rating: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RatingForm {
    pub rating: String,
    #[serde(default)]
    pub comment: String,
}

/// `GET /csat/{token}?rating=N`: the confirming page; stores nothing.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<RatingQuery>,
) -> Result<Response, ApiError> {
    let Some((_, language)) = thread(&state, &token).await? else {
        return Ok(invalid(StatusCode::NOT_FOUND, Language::English));
    };
    let t = texts::in_language(language);
    let Some(rating) = query.rating.as_deref().and_then(parse_rating) else {
        return Ok(invalid(StatusCode::BAD_REQUEST, language));
    };
    let body = format!(
        "<p>{before} <strong>{rating} {out_of}</strong>{after}</p>\
         <form method=\"post\" action=\"/csat/{token}\">\
         <input type=\"hidden\" name=\"rating\" value=\"{rating}\">\
         <p><label for=\"comment\">{label}</label><br>\
         <textarea id=\"comment\" name=\"comment\" rows=\"4\" cols=\"50\"></textarea></p>\
         <p><button type=\"submit\">{send}</button></p></form>",
        before = escape_html(t.rating_before),
        out_of = escape_html(t.out_of_five),
        after = escape_html(t.rating_after),
        label = escape_html(t.comment_label),
        send = escape_html(t.send),
        token = escape_html(&token),
    );
    Ok(page(StatusCode::OK, language, t.ask_title, &body))
}

/// `POST /csat/{token}`: records the rating (and comment).
pub async fn record(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<RatingForm>,
) -> Result<Response, ApiError> {
    let Some((thread, language)) = thread(&state, &token).await? else {
        return Ok(invalid(StatusCode::NOT_FOUND, Language::English));
    };
    let t = texts::in_language(language);
    let Some(rating) = parse_rating(&form.rating) else {
        return Ok(invalid(StatusCode::UNPROCESSABLE_ENTITY, language));
    };
    let comment = Text::parse_optional("comment", Some(&form.comment), &state.limits)?;
    let comment = comment.as_ref().map(Text::as_str);
    match state
        .store
        .rate(&thread.conversation_id, rating, comment)
        .await?
    {
        Rated::Recorded { .. } => Ok(page(
            StatusCode::OK,
            language,
            t.thanks_title,
            &paragraph(&t.thanks.replace("{n}", &rating.to_string())),
        )),
        Rated::NoEscalation | Rated::NotResolved => Ok(page(
            StatusCode::CONFLICT,
            language,
            t.error_title,
            &paragraph(t.reopened),
        )),
    }
}

/// The mail thread a rating token opens, and the language its page speaks.
async fn thread(state: &AppState, token: &str) -> Result<Option<(MailThread, Language)>, ApiError> {
    let Some(thread) = state
        .mail_tokens
        .thread(&state.store, Purpose::Rating, token)
        .await?
    else {
        return Ok(None);
    };
    let conversation = state.store.conversation(&thread.conversation_id).await?;
    let site_locale = conversation
        .as_ref()
        .and_then(|c| state.sites.get(c.site_id.as_str()))
        .map(|site| site.settings.locale.clone());
    let language = Language::first_of([
        conversation.as_ref().and_then(|c| c.locale.as_deref()),
        site_locale.as_deref(),
    ]);
    Ok(Some((thread, language)))
}

fn parse_rating(raw: &str) -> Option<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|r| (1..=5).contains(r))
}

fn paragraph(text: &str) -> String {
    format!("<p>{}</p>", escape_html(text))
}

fn invalid(status: StatusCode, language: Language) -> Response {
    let t: &PageTexts = texts::in_language(language);
    page(status, language, t.error_title, &paragraph(t.invalid_link))
}

fn page(status: StatusCode, language: Language, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\
         <body style=\"font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em;\">\
         <h1 style=\"font-size: 1.4em;\">{title}</h1>{body}</body></html>",
        lang = language.html_lang(),
        title = escape_html(title),
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
