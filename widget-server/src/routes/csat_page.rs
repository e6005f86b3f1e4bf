//! The one-click rating links of the resolved mail: `GET /csat/{token}?rating=N` shows a
//! small page that thanks the customer, names the rating and offers a comment box; only
//! its form's `POST /csat/{token}` records the rating (mail scanners follow links, so a
//! GET never changes anything). `{token}` is the conversation's unguessable reply token;
//! a later rating of the same escalation replaces the earlier one.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use frontline_shared::store::csat::Rated;
use frontline_shared::templates::escape_html;
use serde::Deserialize;

use crate::error::ApiError;
use crate::input::Text;
use crate::state::AppState;

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

const NO_RATING: &str = "This rating link is not valid. Please use the links in our email.";

/// `GET /csat/{token}?rating=N`: the confirming page; stores nothing.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<RatingQuery>,
) -> Result<Response, ApiError> {
    let Some(rating) = query.rating.as_deref().and_then(parse_rating) else {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            "Rating",
            &paragraph(NO_RATING),
        ));
    };
    if state.store.mail_thread_by_token(&token).await?.is_none() {
        return Ok(page(StatusCode::NOT_FOUND, "Rating", &paragraph(NO_RATING)));
    }
    let body = format!(
        "<p>Thank you! You are rating our help <strong>{rating} out of 5</strong>.</p>\
         <form method=\"post\" action=\"/csat/{token}\">\
         <input type=\"hidden\" name=\"rating\" value=\"{rating}\">\
         <p><label for=\"comment\">Anything you would like to tell us? (optional)</label><br>\
         <textarea id=\"comment\" name=\"comment\" rows=\"4\" cols=\"50\"></textarea></p>\
         <p><button type=\"submit\">Send my rating</button></p></form>",
        token = escape_html(&token),
    );
    Ok(page(StatusCode::OK, "How did we do?", &body))
}

/// `POST /csat/{token}`: records the rating (and comment).
pub async fn record(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<RatingForm>,
) -> Result<Response, ApiError> {
    let Some(rating) = parse_rating(&form.rating) else {
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Rating",
            &paragraph(NO_RATING),
        ));
    };
    let comment = Text::parse_optional("comment", Some(&form.comment), &state.limits)?;
    let Some(thread) = state.store.mail_thread_by_token(&token).await? else {
        return Ok(page(StatusCode::NOT_FOUND, "Rating", &paragraph(NO_RATING)));
    };
    let comment = comment.as_ref().map(Text::as_str);
    match state
        .store
        .rate(&thread.conversation_id, rating, comment)
        .await?
    {
        Rated::Recorded { .. } => Ok(page(
            StatusCode::OK,
            "Thank you",
            &paragraph(&format!(
                "Thank you for your rating of {rating} out of 5. It helps us help you better."
            )),
        )),
        Rated::NoEscalation | Rated::NotResolved => Ok(page(
            StatusCode::CONFLICT,
            "Rating",
            &paragraph("Your question is open again, so there is nothing to rate yet."),
        )),
    }
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

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\
         <body style=\"font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em;\">\
         <h1 style=\"font-size: 1.4em;\">{title}</h1>{body}</body></html>",
        title = escape_html(title),
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
