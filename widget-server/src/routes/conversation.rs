//! A conversation as its customer sees it: history, and writing after handoff.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use frontline_matcher::split_transcript_text;
use frontline_shared::escalation::TranscriptLine;
use frontline_shared::store::conversations::{Author, Conversation};
use frontline_shared::templates::transcript_html;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson, ErrorBody};
use crate::guard::token::BearerToken;
use crate::input::Text;
use crate::state::AppState;
use frontline_shared::conversation_token::TokenSite;

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptLineBody {
    /// `customer`, `assistant` or `agent`.
    pub author: String,
    pub author_name: Option<String>,
    pub body: String,
    /// An assistant answer's title (the card's heading), when the line is one.
    pub title: Option<String>,
    /// An assistant answer's or an agent's saved reply's text as sanitized HTML, rendered
    /// from its Markdown the same way the live line was, so restored history looks as it
    /// did; `body` stays the source. Absent (null) for plain text.
    pub html: Option<String>,
    /// With an assistant's answer to a customer who wrote in another language than the
    /// answer's: the note they were shown, in theirs ("Diese Antwort gibt es nur auf
    /// Englisch."), as `answer.language_note` was on `/ask`; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_note: Option<String>,
    pub at_ms: i64,
    /// The files sent with this line (the customer's or an agent's), with fresh links;
    /// absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachments::AttachmentBody>,
}

impl From<TranscriptLine> for TranscriptLineBody {
    fn from(line: TranscriptLine) -> Self {
        let (title, html) = if line.author == Author::Assistant.as_str() {
            let (title, markdown) = split_transcript_text(&line.body);
            (title.map(str::to_string), Some(transcript_html(markdown)))
        } else if line.markdown {
            (None, Some(transcript_html(&line.body)))
        } else {
            (None, None)
        };
        TranscriptLineBody {
            author: line.author,
            author_name: line.author_name,
            body: line.body,
            title,
            html,
            language_note: line.language_note,
            at_ms: line.at_ms,
            attachments: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationSummary {
    pub id: String,
    /// `queued`, `claimed` or `resolved`.
    pub status: String,
    pub agent: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationBody {
    pub conversation_id: String,
    pub site_id: String,
    pub transcript: Vec<TranscriptLineBody>,
    pub escalation: Option<EscalationSummary>,
    /// Every file of the conversation (the customer's and agents'), oldest first, with
    /// fresh download links (each also under its transcript line).
    pub attachments: Vec<super::attachments::AttachmentBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageRequest {
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    /// True when an agent's chat thread will receive it (an escalation is open).
    pub relayed: bool,
}

/// Reads a conversation the token opens; questions still being batched are flushed first.
/// A site-bound token must also name the conversation's own site.
pub(crate) async fn load(
    state: &AppState,
    token: &BearerToken,
    id: &str,
) -> Result<Conversation, ApiError> {
    let site = token.authorize(state, id)?;
    let mut stored = state.store.conversation(id).await?;
    if stored.is_none() {
        state.recorder.flush().await;
        stored = state.store.conversation(id).await?;
    }
    let conversation = stored
        .ok_or_else(|| ApiError::not_found("unknown_conversation", "no such conversation"))?;
    match site {
        TokenSite::Site(site) if conversation.site_id != site => Err(ApiError::Unauthorized),
        _ => Ok(conversation),
    }
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversation", operation_id = "show_conversation",
    params(("id" = String, Path, description = "conversation id")),
    security(("conversation_token" = [])),
    responses((status = 200, body = ConversationBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    token: BearerToken,
) -> Result<Json<ConversationBody>, ApiError> {
    let conversation = load(&state, &token, &id).await?;
    let transcript = state.store.numbered_transcript(&id).await?;
    let escalation = state.store.latest_escalation_for(&id).await?;
    let attachments = state.store.conversation_attachments(&id).await?;
    let files_of = |message_id: Option<i64>| {
        attachments
            .iter()
            .filter(|meta| Some(meta.message_id) == message_id)
            .map(|meta| super::attachments::AttachmentBody::signed(&state, meta.clone()))
            .collect()
    };
    let transcript = transcript
        .into_iter()
        .map(|(message_id, line)| TranscriptLineBody {
            attachments: files_of(message_id),
            ..TranscriptLineBody::from(line)
        })
        .collect();
    Ok(Json(ConversationBody {
        attachments: attachments
            .iter()
            .map(|meta| super::attachments::AttachmentBody::signed(&state, meta.clone()))
            .collect(),
        conversation_id: conversation.id,
        site_id: conversation.site_id.into(),
        transcript,
        escalation: escalation.map(|e| EscalationSummary {
            id: e.id,
            status: e.status.as_str().to_string(),
            agent: e.claimed_by.or(e.resolved_by),
        }),
    }))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversation",
    params(("id" = String, Path, description = "conversation id")),
    security(("conversation_token" = [])),
    request_body = MessageRequest,
    responses((status = 201, body = MessageResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    token: BearerToken,
    ApiJson(request): ApiJson<MessageRequest>,
) -> Result<(StatusCode, Json<MessageResponse>), ApiError> {
    let text = Text::parse("text", &request.text, &state.limits)?;
    let conversation = load(&state, &token, &id).await?;
    let open = state
        .store
        .append_customer_message(&conversation, text.as_str())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageResponse {
            relayed: open.is_some(),
        }),
    ))
}
