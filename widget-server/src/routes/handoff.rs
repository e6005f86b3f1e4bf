//! `POST /api/v1/sites/{site}/handoff`: a person takes over, with the full context.
//!
//! The request is validated here and handed to the core's
//! [`hand_off`](frontline_shared::handoff::hand_off) use case, which commits the
//! escalation, its context and the bot's outbox row in one transaction before we answer
//! `201`; a store outage answers `503` and nothing is claimed as sent.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_matcher::AnswerContext;
use frontline_shared::handoff::{hand_off, Handoff, HandoffPorts, Triage};
use frontline_shared::store::new_id;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::site::business_hours_body;
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::token::BearerToken;
use crate::input::{self, Text};
use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::sites::Site;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoffRequest {
    /// The conversation so far (needs its token); omitted, a new conversation starts.
    pub conversation_id: Option<String>,
    /// Required when `[email]` is configured (`email_enabled` in the site config);
    /// optional otherwise.
    pub email: Option<String>,
    /// "Email me": agent replies are mailed at once instead of after `[email]
    /// away_after` without a live stream. Ignored without `[email]`.
    #[serde(default)]
    pub email_me: bool,
    pub name: Option<String>,
    pub message: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub customer: Option<Map<String, Value>>,
    pub page_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffResponse {
    pub escalation_id: String,
    /// Always `queued` for a new handoff; the current status for a repeated one.
    pub status: String,
    pub conversation_id: String,
    pub conversation_token: String,
    /// True when the team is closed now; `next_open` (RFC 9557 timestamp, for the
    /// widget to format in the shopper's language) and `next_open_text` say when it is back.
    pub outside_hours: bool,
    pub next_open: Option<String>,
    pub next_open_text: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/handoff", tag = "handoff",
    params(("site" = String, Path, description = "site id")),
    request_body = HandoffRequest,
    responses((status = 201, body = HandoffResponse, description = "stored and queued for the agents"),
              (status = 200, body = HandoffResponse, description = "this conversation already has an open escalation"),
              (status = 400, body = ErrorBody, description = "`invalid_email`"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
              (status = 503, body = ErrorBody, description = "store unavailable: nothing was stored, retry")))]
pub async fn handoff(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    token: BearerToken,
    ApiJson(request): ApiJson<HandoffRequest>,
) -> Result<(StatusCode, Json<HandoffResponse>), ApiError> {
    let site = state.site(&site_id)?;
    let email = match request.email.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => Some(input::email(raw)?),
        _ if state.mail_enabled => {
            return Err(ApiError::bad_request(
                "invalid_email",
                "`email` is required: replies are sent by e-mail",
            ))
        }
        _ => None,
    };
    let name = input::name(request.name)?;
    let message = Text::parse_optional("message", request.message.as_deref(), &state.limits)?;
    let customer = input::customer_fields(request.customer, &state.limits)?;
    let page_url = input::page_url(request.page_url)?;
    let conversation_id = match request.conversation_id {
        Some(id) => {
            token
                .authorize_on_site(&state, &site.settings.id, &id)
                .await?;
            id
        }
        None => new_id("conv"),
    };
    let handoff = Handoff {
        conversation_id: conversation_id.clone(),
        email,
        email_me: request.email_me && state.mail_enabled,
        name,
        message: message.map(Text::into_string),
        question: None,
        customer,
        page_url,
    };
    let ports = SitePorts {
        recorder: &state.recorder,
        site: &site,
    };
    let now = state.clock.now();
    let handed = hand_off(
        &state.store,
        &site.settings,
        &ports,
        handoff,
        now,
        state.mail_enabled,
    )
    .await?;
    let status = if handed.created {
        state
            .metrics
            .handoffs
            .get_or_create(&Metrics::site(&site_id))
            .inc();
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let hours = business_hours_body(&site.settings.business_hours, now);
    Ok((
        status,
        Json(HandoffResponse {
            escalation_id: handed.escalation.id,
            status: handed.escalation.status.as_str().to_string(),
            conversation_token: state.tokens.issue(&site.settings.id, &conversation_id),
            conversation_id,
            outside_hours: handed.escalation.outside_hours,
            next_open: hours.next_open,
            next_open_text: hours.next_open_text,
        }),
    ))
}

/// This server's side of a handoff: its question recorder and the site's live matcher.
pub(crate) struct SitePorts<'a> {
    pub(crate) recorder: &'a Recorder,
    pub(crate) site: &'a Site,
}

impl HandoffPorts for SitePorts<'_> {
    async fn flush_questions(&self) {
        self.recorder.flush().await;
    }

    async fn triage(&self, question: &str, handoff: &Handoff) -> Triage {
        let context = AnswerContext {
            customer: handoff.customer.clone(),
            site: Some(self.site.settings.id.clone()),
            page_url: handoff.page_url.clone(),
        };
        let loaded = self.site.matcher.current();
        // As in `/ask`: a decision that runs the sentence encoder (a message never asked,
        // the lexical side unsure or another language) runs off the async threads.
        let question = loaded.matcher.prepare(question);
        let decision = if loaded.matcher.runs_encoder(&question) {
            let decided = tokio::task::spawn_blocking(move || {
                loaded.matcher.decide_prepared(question, &context)
            })
            .await;
            match decided {
                Ok(decision) => decision,
                Err(error) => {
                    tracing::warn!(%error, "handoff triage failed; the escalation keeps the defaults");
                    return Triage::default();
                }
            }
        } else {
            loaded.matcher.decide_prepared(question, &context)
        };
        Triage {
            priority: decision.priority,
            tags: decision.tags,
            intent: decision.intent,
            matched: decision.matched,
        }
    }
}
