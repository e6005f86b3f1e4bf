//! `POST /api/v1/sites/{site}/ask`: answer, suggest, clarify or hand off, and record it.
//! A vague question gets `clarify` with `options`; the widget sends the option the customer
//! picks back as `choice`, and it is answered as if asked.

use axum::extract::{Path, State};
use axum::Json;
use frontline_matcher::{AnswerContext, CandidateKind, ClarifyOption, Decision, DecisionKind};
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
    /// The option the customer picked from a `clarify` reply's `options`: answered as if
    /// they had asked that intent or article (`text` is its title, as shown).
    pub choice: Option<ChoiceRequest>,
}

/// A picked option: its `kind` and `id` from `options`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChoiceRequest {
    /// `intent` or `article`.
    pub kind: String,
    pub id: String,
}

/// One option of a clarifying choice, shown by its title.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClarifyOptionBody {
    /// `intent` or `article`.
    pub kind: String,
    /// Intent name or article id; send it back as `choice` when the customer picks it.
    pub id: String,
    pub title: String,
}

impl From<ClarifyOption> for ClarifyOptionBody {
    fn from(option: ClarifyOption) -> Self {
        ClarifyOptionBody {
            kind: option.kind.as_str().to_string(),
            id: option.id,
            title: option.title,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AskResponse {
    pub conversation_id: String,
    /// Send as `Authorization: Bearer` on later calls for this conversation.
    pub conversation_token: String,
    /// `answer`, `suggest`, `clarify` or `handoff`. `clarify`: the question was too vague
    /// ("help", "my order"); ask what it is about with `options` (and offer a person).
    pub decision: String,
    pub answer: Option<AnswerBody>,
    pub suggestions: Vec<SuggestionBody>,
    /// For `clarify`: the intents or articles to choose from, best first (2–4); empty
    /// otherwise.
    pub options: Vec<ClarifyOptionBody>,
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
            token
                .authorize_on_site(&state, &site.settings.id, &id)
                .await?;
            id
        }
        None => new_id("conv"),
    };
    let context = AnswerContext {
        customer: customer.clone(),
        site: Some(site.settings.id.clone()),
        page_url: page_url.clone(),
    };
    let loaded = site.matcher.current();
    let matcher = &loaded.matcher;
    let decision = match request.choice {
        Some(choice) => {
            let kind = match choice.kind.as_str() {
                "intent" => CandidateKind::Intent,
                "article" => CandidateKind::Article,
                _ => return Err(invalid_choice("choice.kind must be `intent` or `article`")),
            };
            matcher
                .decide_choice(kind, &choice.id, text.as_str(), &context)
                .ok_or_else(|| {
                    invalid_choice(format!("choice: no {} {:?}", kind.as_str(), choice.id))
                })?
        }
        // The sentence encoder spends milliseconds of CPU on a question it runs on (the
        // lexical side unsure, another language): that decision runs off the async threads.
        // The question is prepared once (its language, its lexical probabilities) for both steps.
        None => {
            let question = matcher.prepare(text.as_str());
            if matcher.runs_encoder(&question) {
                let loaded = std::sync::Arc::clone(&loaded);
                let context = context.clone();
                tokio::task::spawn_blocking(move || {
                    loaded.matcher.decide_prepared(question, &context)
                })
                .await
                .map_err(ApiError::internal)?
            } else {
                matcher.decide_prepared(question, &context)
            }
        }
    };
    count(&state.metrics, &site_id, &decision);
    let handoff_reason = decision
        .handoff_reason
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.as_str().map(str::to_string));
    let now = state.clock.now_ms();
    let record = QuestionRecord {
        conversation: Conversation {
            id: conversation_id.clone(),
            site_id: site.settings.id.clone(),
            page_url,
            locale,
            customer,
            created_at_ms: now,
        },
        // With `redact_in_store`, knowledge gaps and transcripts keep the masked text.
        question: state
            .privacy
            .store_redactor()
            .mask_owned(&text.into_string()),
        decision: decision.kind.as_str().to_string(),
        confidence: decision.confidence,
        label: decision.top_label(),
        reason: handoff_reason.clone(),
        reply: decision.answer.as_ref().map(|a| a.transcript_text()),
        reply_language_note: decision
            .answer
            .as_ref()
            .and_then(|a| a.language_note.clone()),
        at_ms: now,
    };
    state.recorder.record(record).await;
    Ok(Json(AskResponse {
        conversation_token: state.tokens.issue(&site.settings.id, &conversation_id),
        conversation_id,
        decision: decision.kind.as_str().to_string(),
        answer: decision.answer.map(AnswerBody::from),
        suggestions: decision
            .suggestions
            .into_iter()
            .map(SuggestionBody::from)
            .collect(),
        options: decision
            .options
            .into_iter()
            .map(ClarifyOptionBody::from)
            .collect(),
        confidence: decision.confidence,
        handoff_reason,
    }))
}

fn invalid_choice(message: impl Into<String>) -> ApiError {
    ApiError::Unprocessable {
        code: "invalid_choice",
        message: message.into(),
    }
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
