//! Errors, one type per boundary: chat platform calls ([`ChatError`]), delivering an
//! outbox row ([`DeliveryError`]) and the HTTP callback edge ([`CallbackError`], the one
//! place failures become responses).

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::store::StoreError;
use frontline_shared::templates::TemplateError;

use crate::digest::chart::ChartError;

/// Why a call to Slack or Discord failed, as far as retrying is concerned.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// HTTP 429 (or Slack's `ratelimited`): wait at least `retry_after` when given.
    #[error("rate limited (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, timeouts and connection failures: worth retrying soon.
    #[error("platform unavailable: {0}")]
    Unavailable(String),
    /// The platform refused the call (bad channel, missing scope, invalid token…).
    #[error("platform refused the call: {0}")]
    Rejected(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

impl ChatError {
    /// A short label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            ChatError::RateLimited { .. } => "rate_limited",
            ChatError::Unavailable(_) => "unavailable",
            ChatError::Rejected(_) => "rejected",
            ChatError::Template(_) => "template",
        }
    }
}

/// Why one outbox row could not be delivered this time.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("chat call timed out after {0:?}")]
    TimedOut(Duration),
    /// A digest row whose job cannot be built (bad time zone or day, chart failure).
    #[error("cannot build the digest: {0}")]
    Digest(#[from] DigestError),
    /// A mail the SMTP server did not take this time (or that could not be built).
    #[error("mail: {0}")]
    Mail(#[from] crate::mail::MailError),
    /// A row for a channel this bot has no configuration for (a chat row without chat
    /// credentials, a mail row without `[email]`): it waits for a run that has it.
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
    /// Not due yet (an agent's reply to a customer who may still see it live).
    #[error("not due for {0:?}")]
    NotYet(Duration),
    /// A webhook receiver did not take the event this time.
    #[error("webhook: {0}")]
    Webhook(#[from] crate::webhooks::WebhookError),
}

/// Why a digest row's job cannot be built; each keeps the error it comes from.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("{0}")]
    Payload(#[source] serde_json::Error),
    #[error("time zone {zone}: {source}")]
    TimeZone { zone: String, source: jiff::Error },
    #[error("day {day}: {source}")]
    Day { day: String, source: jiff::Error },
    #[error("{0}")]
    Chart(#[source] ChartError),
    /// The chart's blocking task panicked or was cancelled.
    #[error("{0}")]
    ChartTask(#[source] tokio::task::JoinError),
}

impl DeliveryError {
    pub fn reason(&self) -> &'static str {
        match self {
            DeliveryError::Chat(error) => error.reason(),
            DeliveryError::Store(_) => "store",
            DeliveryError::TimedOut(_) => "timeout",
            DeliveryError::Digest(_) => "digest",
            DeliveryError::Mail(_) => "mail",
            DeliveryError::NotConfigured(_) => "not_configured",
            DeliveryError::NotYet(_) => "not_yet",
            DeliveryError::Webhook(_) => "webhook",
        }
    }
}

/// A callback refused or failed at the HTTP edge.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("missing or invalid signature")]
    BadSignature,
    #[error("request timestamp outside the 5-minute window")]
    Stale,
    #[error("request was already received")]
    Replayed,
    #[error("{0} is not configured on this bot")]
    NotConfigured(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("the store is unavailable; retry")]
    Unavailable,
    /// Logged with its cause; the response says only "internal error".
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl CallbackError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            CallbackError::BadSignature => (StatusCode::UNAUTHORIZED, "invalid_signature"),
            CallbackError::Stale => (StatusCode::UNAUTHORIZED, "stale_request"),
            CallbackError::Replayed => (StatusCode::UNAUTHORIZED, "replayed_request"),
            CallbackError::NotConfigured(_) => (StatusCode::NOT_FOUND, "not_configured"),
            CallbackError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            CallbackError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            CallbackError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Whether this is a refused signature (counted separately in metrics).
    pub fn is_unauthorized(&self) -> bool {
        self.status_and_code().0 == StatusCode::UNAUTHORIZED
    }
}

impl IntoResponse for CallbackError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            CallbackError::Internal(cause) => tracing::error!(detail = %cause, "callback failed"),
            error if error.is_unauthorized() => {
                tracing::warn!(code, "callback refused");
            }
            _ => {}
        }
        let body = serde_json::json!({ "error": { "code": code, "message": self.to_string() } });
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for CallbackError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            tracing::warn!(%error, "store unavailable");
            CallbackError::Unavailable
        } else {
            CallbackError::Internal(error.into())
        }
    }
}
