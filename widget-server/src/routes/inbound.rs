//! `POST /api/v1/inbound/email`: a customer's reply by mail, as one raw RFC 822 message
//! (`Content-Type: message/rfc822`) from a mail server (a Postfix or Exim pipe to curl,
//! or an inbound-mail service's raw MIME forwarding), authenticated with
//! `Authorization: Bearer $FRONTLINE_INBOUND_TOKEN`. The use case is
//! [`frontline_shared::inbound_mail`]; this handler only maps its answers to HTTP.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use frontline_shared::inbound_mail::{self, InboundError, InboundMail, Received};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::guard::admin::{bearer, check_token};
use crate::guard::client_ip::ClientIp;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct InboundResponse {
    /// False when the same Message-ID was stored before.
    pub stored: bool,
    /// True when an agent's chat thread will receive it (an escalation is open or was
    /// reopened by it).
    pub relayed: bool,
}

#[utoipa::path(post, path = "/api/v1/inbound/email", tag = "email", operation_id = "inbound_email",
    request_body(content = String, content_type = "message/rfc822",
        description = "One raw RFC 822 message, addressed to `reply+<token>@reply_domain`."),
    security(("inbound_token" = [])),
    responses(
        (status = 201, body = InboundResponse, description = "stored as the customer's message"),
        (status = 200, body = InboundResponse, description = "a duplicate (same Message-ID): nothing changed"),
        (status = 400, body = ErrorBody, description = "not an RFC 822 message"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody, description = "inbound mail is not configured"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "no conversation for the reply address, another sender, or no text"),
        (status = 503, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<InboundResponse>), ApiError> {
    let Some(settings) = &state.inbound_mail else {
        return Err(ApiError::not_found(
            "inbound_email_disabled",
            "inbound mail needs [email] and FRONTLINE_INBOUND_TOKEN",
        ));
    };
    let given = bearer(&headers).unwrap_or("");
    if !check_token(&state, ip, given, settings.token.expose())? {
        return Err(ApiError::BadCredentials {
            code: "invalid_inbound_token",
            message: "missing or invalid inbound token".into(),
        });
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media.as_deref() != Some("message/rfc822") {
        return Err(ApiError::WrongMediaType(
            "expected one raw mail with content-type message/rfc822",
        ));
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::bad_request("unreadable_body", rejection.body_text())
        }
    })?;
    let mail = InboundMail::parse(&body).map_err(map)?;
    let received = inbound_mail::receive(
        &state.store,
        &mail,
        &settings.reply_domain,
        state.limits.text_chars,
    )
    .await
    .map_err(map)?;
    Ok(match received {
        Received::Stored { relayed } => (
            StatusCode::CREATED,
            Json(InboundResponse {
                stored: true,
                relayed,
            }),
        ),
        Received::Duplicate => (
            StatusCode::OK,
            Json(InboundResponse {
                stored: false,
                relayed: false,
            }),
        ),
    })
}

fn map(error: InboundError) -> ApiError {
    let message = error.to_string();
    let unprocessable = |code| ApiError::Unprocessable {
        code,
        message: message.clone(),
    };
    match error {
        InboundError::Malformed(_) => ApiError::bad_request("malformed_mail", message.clone()),
        InboundError::NoToken(_) | InboundError::UnknownToken => {
            unprocessable("unknown_conversation")
        }
        InboundError::SenderMismatch => unprocessable("sender_mismatch"),
        InboundError::Empty => unprocessable("empty_reply"),
        InboundError::TooLong(_) => unprocessable("reply_too_long"),
        InboundError::Store(store) => ApiError::from(store),
    }
}
