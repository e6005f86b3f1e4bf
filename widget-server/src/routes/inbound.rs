//! `POST /api/v1/inbound/email`: a customer's reply by mail, as one raw RFC 822 message
//! (`Content-Type: message/rfc822`) from a mail server (a Postfix or Exim pipe to curl,
//! or an inbound-mail service's raw MIME forwarding), authenticated with
//! `Authorization: Bearer $FRONTLINE_INBOUND_TOKEN`. The use case is
//! [`frontline_shared::inbound_mail`]; this handler only maps its answers to HTTP.
//! A mail that maps to no conversation opens a new escalation on the site whose
//! `inbound_addresses` it was sent to, else on the first configured site
//! ([`inbound_mail::unmapped`]). Mail written by a machine (vacation replies, bulk mail,
//! reports) is answered `200` with `ignored` and changes nothing.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use frontline_shared::inbound_mail::unmapped::{self, Unmapped};
use frontline_shared::inbound_mail::{self, InboundError, InboundMail, Received};
use serde::Serialize;
use utoipa::ToSchema;

use super::handoff::SitePorts;
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
    /// True when the mail mapped to no conversation and opened a new escalation.
    pub opened: bool,
    /// Present when the mail was written by a machine and so changed nothing (no
    /// message, no escalation, no receipt): `auto_submitted` (`Auto-Submitted` other than
    /// `no`), `auto_reply` (`X-Autoreply`, `X-Autorespond`, `Precedence: auto_reply`),
    /// `bulk` (`Precedence: bulk|junk|list`) or `report` (a delivery report or bounce).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/inbound/email", tag = "email", operation_id = "inbound_email",
    request_body(content = String, content_type = "message/rfc822",
        description = "One raw RFC 822 message, addressed to `reply+<token>@reply_domain`."),
    security(("inbound_token" = [])),
    responses(
        (status = 201, body = InboundResponse, description = "stored as the customer's message, or (`opened`) a new escalation from the sender"),
        (status = 200, body = InboundResponse, description = "a duplicate (same Message-ID), or (`ignored`) a mail written by a machine: nothing changed"),
        (status = 400, body = ErrorBody, description = "not an RFC 822 message"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody, description = "inbound mail is not configured"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "another sender than the conversation's customer (flagged in its chat thread), or no text"),
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
    let received = match inbound_mail::receive(
        &state.store,
        &state.mail_tokens,
        &mail,
        &settings.reply_domain,
        state.limits.text_chars,
    )
    .await
    {
        Err(InboundError::NoToken(_)) => open(&state, &mail, Unmapped::NoToken).await,
        Err(InboundError::UnknownToken) => open(&state, &mail, Unmapped::UnknownToken).await,
        other => other,
    }
    .map_err(map)?;
    let answer = |status, stored, relayed, opened| {
        (
            status,
            Json(InboundResponse {
                stored,
                relayed,
                opened,
                ignored: None,
            }),
        )
    };
    Ok(match received {
        Received::Stored { relayed } => answer(StatusCode::CREATED, true, relayed, false),
        Received::Duplicate => answer(StatusCode::OK, false, false, false),
        Received::Ignored(why) => {
            let (status, Json(mut body)) = answer(StatusCode::OK, false, false, false);
            body.ignored = Some(why.as_str().to_string());
            (status, Json(body))
        }
        Received::Opened { created, .. } => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            answer(status, created, created, true)
        }
    })
}

/// Opens a new escalation from `mail` on the site it was sent to (see
/// [`unmapped::site_for`]).
async fn open(
    state: &AppState,
    mail: &InboundMail,
    why: Unmapped,
) -> Result<Received, InboundError> {
    let settings: Vec<_> = state.sites.iter().map(|site| &site.settings).collect();
    let Some((chosen, _)) = unmapped::site_for(mail, &settings) else {
        return Err(InboundError::UnknownToken);
    };
    let Some(site) = state.sites.get(chosen.id.as_str()) else {
        return Err(InboundError::UnknownToken);
    };
    let ports = SitePorts {
        recorder: &state.recorder,
        site,
    };
    unmapped::open_escalation(
        &state.store,
        &site.settings,
        &ports,
        mail,
        why,
        state.limits.text_chars,
    )
    .await
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
