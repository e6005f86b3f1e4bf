//! `POST /api/v1/sites/{site}/ask`: answer, suggest or hand off, and record it.

use axum::extract::{Path, State};
use axum::Json;
use frontline_matcher::{AnswerContext, Decision, DecisionKind};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::new_id;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::site::{AnswerBody, SuggestionBody};
use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::token::BearerToken;
use crate::input::{self, Text};
use crate::metrics::{DecisionLabels, Metrics};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct AskRequest {
    /// Continue this conversation (needs its token as `Authorization: Bearer`).
    pub conversation_id: Option<String>,
    /// The customer's question.
    pub text: String,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    /// Details the merchant knows about the customer (flat: strings, numbers, booleans).
    #[schema(value_type = Option<Object>)]
    pub customer: Option<Map<String, Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AskResponse {
    pub conversation_id: String,
    /// Send as `Authorization: Bearer` on later calls for this conversation.
    pub conversation_token: String,
    /// `answer`, `suggest` or `handoff`.
    pub decision: String,
    pub answer: Option<AnswerBody>,
    pub suggestions: Vec<SuggestionBody>,
    /// Calibrated confidence of the best candidate, 0–1.
    pub confidence: f32,
    /// Why, when `decision` is `handoff`: `asked_for_human`, `always_handoff`,
    /// `low_confidence` or `out_of_scope`.
    pub handoff_reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/ask", tag = "self-service",
    params(("site" = String, Path, description = "site id")),
    request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    token: BearerToken,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<Json<AskResponse>, ApiError> {
    let site = state.site(&site_id)?;
    let text = Text::parse("text", &request.text, &state.limits)?;
    let customer = input::customer_fields(request.customer, &state.limits)?;
    let page_url = input::page_url(request.page_url)?;
    let locale = input::locale(request.locale)?;
    let conversation_id = match request.conversation_id {
        Some(id) => {
            token.authorize_on_site(&state, &site_id, &id).await?;
            id
        }
        None => new_id("conv"),
    };
    let context = AnswerContext {
        customer: customer.clone(),
        site: site_id.clone(),
        page_url: page_url.clone(),
    };
    let decision = site
        .matcher
        .current()
        .matcher
        .decide(text.as_str(), &context);
    count(&state.metrics, &site_id, &decision);
    let handoff_reason = decision
        .handoff_reason
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.as_str().map(str::to_string));
    let now = state.clock.now_ms();
    let record = QuestionRecord {
        conversation: Conversation {
            id: conversation_id.clone(),
            site_id: site_id.clone(),
            page_url,
            locale,
            customer,
            created_at_ms: now,
        },
        question: text.into_string(),
        decision: decision.kind.as_str().to_string(),
        confidence: decision.confidence,
        label: decision.top_label(),
        reason: handoff_reason.clone(),
        reply: decision.answer.as_ref().map(|a| a.transcript_text()),
        at_ms: now,
    };
    state.recorder.record(record).await;
    Ok(Json(AskResponse {
        conversation_token: state.tokens.issue(&site_id, &conversation_id),
        conversation_id,
        decision: decision.kind.as_str().to_string(),
        answer: decision.answer.map(AnswerBody::from),
        suggestions: decision
            .suggestions
            .into_iter()
            .map(SuggestionBody::from)
            .collect(),
        confidence: decision.confidence,
        handoff_reason,
    }))
}

fn count(metrics: &Metrics, site: &str, decision: &Decision) {
    metrics
        .decisions
        .get_or_create(&DecisionLabels {
            site: site.to_string(),
            decision: decision.kind.as_str().to_string(),
        })
        .inc();
    if decision.kind == DecisionKind::Answer {
        metrics
            .deflections
            .get_or_create(&Metrics::site(site))
            .inc();
    }
}
