//! `ApiError`: the one place where failures become HTTP responses.
//!
//! Every 4xx carries `{"error": {"code", "message"}}` with a stable machine-readable code.
//! Internal details are logged, never sent; a store outage is a `503` with `Retry-After`
//! so the widget can retry without losing what the customer typed.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::store::StoreError;
use serde::Serialize;

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("missing or invalid conversation token")]
    Unauthorized,
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("request body is too large")]
    PayloadTooLarge,
    /// One part of the body (e.g. a file) is over its own limit: the message names it.
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    /// A link that was valid once (e.g. an attachment's, past its expiry).
    #[error("{message}")]
    Gone { code: &'static str, message: String },
    #[error("expected a JSON body with content-type application/json")]
    UnsupportedMediaType,
    /// A route that takes another media type than JSON: the message names it.
    #[error("{0}")]
    WrongMediaType(&'static str),
    /// A server-to-server credential (not a conversation token) is missing or wrong.
    #[error("{message}")]
    BadCredentials { code: &'static str, message: String },
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the service is temporarily unavailable; please retry")]
    Unavailable,
    /// Logged with its cause; the response says only "internal error".
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_email`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::NotFound {
            code,
            message: message.into(),
        }
    }

    /// A failure the client cannot help: `500`, with `cause` logged and kept as the source.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(cause.into())
    }

    pub fn unknown_site(site: &str) -> Self {
        Self::not_found("unknown_site", format!("no site {site:?} is configured"))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            ApiError::NotFound { code, .. } => (StatusCode::NOT_FOUND, code),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            ApiError::TooLarge { code, .. } => (StatusCode::PAYLOAD_TOO_LARGE, code),
            ApiError::Gone { code, .. } => (StatusCode::GONE, code),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::WrongMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::BadCredentials { code, .. } => (StatusCode::UNAUTHORIZED, code),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(detail = %cause, "internal error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message: self.to_string(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            ApiError::Unavailable => Some(1),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            tracing::warn!(%error, "store unavailable");
            ApiError::Unavailable
        } else {
            ApiError::internal(error)
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::bad_request("invalid_json", e.body_text())
            }
            JsonRejection::JsonDataError(e) => ApiError::Unprocessable {
                code: "invalid_request",
                message: e.body_text(),
            },
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::bad_request("invalid_body", other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::not_found("not_found", rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", rejection.body_text())
    }
}

/// `Json<T>` whose rejections are [`ApiError`]s (JSON bodies, right status codes).
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Path<T>` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query<T>` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<frontline_shared::accounts::manage::AccountError> for ApiError {
    fn from(error: frontline_shared::accounts::manage::AccountError) -> Self {
        use frontline_shared::accounts::manage::AccountError;
        match error {
            AccountError::Input(input) => ApiError::Unprocessable {
                code: "invalid_account",
                message: input.to_string(),
            },
            AccountError::EmailTaken => ApiError::Conflict {
                code: "email_taken",
                message: error.to_string(),
            },
            AccountError::NotFound => ApiError::not_found("unknown_agent", error.to_string()),
            AccountError::InvitationInvalid => {
                ApiError::not_found("invalid_invitation", error.to_string())
            }
            AccountError::Hash(_) => ApiError::internal(error),
            AccountError::Store(store) => store.into(),
        }
    }
}

impl From<frontline_shared::saved_replies::SavedReplyError> for ApiError {
    fn from(error: frontline_shared::saved_replies::SavedReplyError) -> Self {
        use frontline_shared::saved_replies::SavedReplyError;
        match error {
            SavedReplyError::Input(input) => ApiError::Unprocessable {
                code: "invalid_saved_reply",
                message: input.to_string(),
            },
            SavedReplyError::NameTaken => ApiError::Conflict {
                code: "saved_reply_name_taken",
                message: error.to_string(),
            },
            SavedReplyError::NotFound => {
                ApiError::not_found("unknown_saved_reply", error.to_string())
            }
            SavedReplyError::OtherSite { .. } | SavedReplyError::Render { .. } => {
                ApiError::Unprocessable {
                    code: "saved_reply_not_sendable",
                    message: error.to_string(),
                }
            }
            SavedReplyError::Store(store) => store.into(),
        }
    }
}
