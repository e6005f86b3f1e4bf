//! Files a customer sends with a message, and their download links.
//!
//! - `POST /api/v1/conversations/{id}/attachments` (conversation token, `multipart/form-data`):
//!   up to `[attachments] max_files` parts named `file` (each at most `max_bytes`) and an
//!   optional `text`. They become one customer line (relayed to an open escalation like
//!   any message) with its files. Types are checked by their bytes and image metadata is
//!   removed (`frontline_shared::attachments`).
//! - `GET /api/v1/attachments/{id}?expires=…&sig=…`: the file, only through a link signed
//!   for its conversation (403 when tampered with, 410 when expired). Images are shown
//!   inline, anything else is a download; `nosniff` and a sandboxing CSP stop any content
//!   from running as a page.

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::attachments::{message_line, AttachmentError, FileType, LinkError, Upload};
use frontline_shared::contracts::conversation_event::ConversationEvent;
use frontline_shared::store::attachments::AttachmentMeta;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::conversation::load;
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::guard::token::BearerToken;
use crate::input::Text;
use crate::state::AppState;

/// The form of `POST …/attachments` (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AttachmentForm {
    /// The files (repeat the part): PNG, JPEG, GIF, WebP, PDF or plain text, judged by
    /// their content.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
    /// What the customer wrote with them (optional).
    text: Option<String>,
}

/// A stored file and a link to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentBody {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Download link, valid for `[attachments] url_ttl_secs`; ask the conversation
    /// again for a fresh one.
    pub url: String,
    pub at_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentsResponse {
    /// True when an agent's chat thread will receive the message (an escalation is open).
    pub relayed: bool,
    pub attachments: Vec<AttachmentBody>,
}

/// The path and query of a link to `meta`'s file, signed now (the dashboard uses it as
/// is, so its pages load the file from their own origin).
pub fn signed_path(state: &AppState, meta: &AttachmentMeta) -> String {
    let link = state
        .attachment_links
        .sign(&meta.conversation_id, &meta.id, state.clock.now_ms());
    format!("/api/v1/attachments/{}?{}", meta.id, link.query())
}

/// A live event's data as the widget receives it: an agent's files each get a link signed
/// now (`url`), so a replayed event never carries an expired one.
pub fn event_data(
    state: &AppState,
    conversation_id: &str,
    event: &ConversationEvent,
) -> serde_json::Value {
    let mut data = event.data();
    let ConversationEvent::Message(message) = event else {
        return data;
    };
    if let Some(files) = data
        .get_mut("attachments")
        .and_then(serde_json::Value::as_array_mut)
    {
        let now_ms = state.clock.now_ms();
        for (file, meta) in files.iter_mut().zip(&message.attachments) {
            let link = state
                .attachment_links
                .sign(conversation_id, &meta.id, now_ms);
            let url = format!(
                "{}/api/v1/attachments/{}?{}",
                state.public_url,
                meta.id,
                link.query()
            );
            file["url"] = serde_json::Value::String(url);
        }
    }
    data
}

impl AttachmentBody {
    /// `meta` with a link signed now.
    pub fn signed(state: &AppState, meta: AttachmentMeta) -> AttachmentBody {
        AttachmentBody {
            url: format!("{}{}", state.public_url, signed_path(state, &meta)),
            id: meta.id,
            file_name: meta.file_name,
            content_type: meta.content_type,
            size_bytes: meta.size_bytes,
            at_ms: meta.created_at_ms,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/attachments", tag = "conversation",
    params(("id" = String, Path, description = "conversation id")),
    security(("conversation_token" = [])),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentsResponse), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    token: BearerToken,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<AttachmentsResponse>), ApiError> {
    let conversation = load(&state, &token, &id).await?;
    let form = FileForm::read(&state, multipart, &["text"]).await?;
    if form.files.is_empty() {
        return Err(no_file());
    }
    let text = match form.field("text") {
        Some(raw) => Some(Text::parse("text", raw, &state.limits)?.into_string()),
        None => None,
    };
    let body = message_line(text.as_deref(), &form.files);
    let files = form.files;
    let sent = state
        .store
        .append_customer_attachments(&conversation, &body, &files)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachmentsResponse {
            relayed: sent.escalation_id.is_some(),
            attachments: sent
                .attachments
                .into_iter()
                .map(|meta| AttachmentBody::signed(&state, meta))
                .collect(),
        }),
    ))
}

/// A `multipart/form-data` body of `file` parts and a few named text fields, each file
/// checked as it arrives (the same limits and checks whoever sends it: the customer's
/// widget, the dashboard's reply box, the admin API).
pub struct FileForm {
    /// The files in the order sent: type judged by the bytes, image metadata removed.
    pub files: Vec<Upload>,
    /// The text fields sent and not blank, by name (one of the names allowed).
    fields: Vec<(&'static str, String)>,
}

impl FileForm {
    /// Reads `multipart`: up to `[attachments] max_files` parts named `file` (each at most
    /// `max_bytes`, 413 `file_too_large`; more files 422 `too_many_files`; a type not
    /// allowed 422 `file_type_not_allowed`) and the text fields named in `fields` (any other
    /// part is 422 `unknown_field`). No file at all is the caller's to judge.
    pub async fn read(
        state: &AppState,
        multipart: Result<Multipart, MultipartRejection>,
        fields: &[&'static str],
    ) -> Result<FileForm, ApiError> {
        let mut multipart = multipart.map_err(|_| {
            ApiError::WrongMediaType("expected a multipart/form-data body with `file` parts")
        })?;
        let mut form = FileForm {
            files: Vec::new(),
            fields: Vec::new(),
        };
        while let Some(field) = multipart.next_field().await.map_err(form_error)? {
            let part = field.name().map(str::to_string).unwrap_or_default();
            if part == "file" {
                if form.files.len() == state.attachments.max_files {
                    return Err(ApiError::Unprocessable {
                        code: "too_many_files",
                        message: format!(
                            "`file`: at most {} files per message",
                            state.attachments.max_files
                        ),
                    });
                }
                let name = field.file_name().unwrap_or("file").to_string();
                let content = read_file(field, &name, state.attachments.max_bytes).await?;
                if name.is_empty() && content.is_empty() {
                    continue; // a browser form's file input with nothing chosen
                }
                form.files
                    .push(Upload::check(&name, content).map_err(refused)?);
            } else if let Some(known) = fields.iter().find(|f| **f == part) {
                let raw = field.text().await.map_err(form_error)?;
                if !raw.trim().is_empty() {
                    form.fields.push((known, raw));
                }
            } else {
                let expected: Vec<String> = std::iter::once("file")
                    .chain(fields.iter().copied())
                    .map(|f| format!("`{f}`"))
                    .collect();
                return Err(ApiError::Unprocessable {
                    code: "unknown_field",
                    message: format!(
                        "unknown form field {part:?}: expected {}",
                        expected.join(" or ")
                    ),
                });
            }
        }
        Ok(form)
    }

    /// The text field `name`, if sent and not blank.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// 422 `no_file`: a form of files without any.
pub fn no_file() -> ApiError {
    ApiError::Unprocessable {
        code: "no_file",
        message: "`file`: send at least one file".into(),
    }
}

/// A `file` part's bytes, refused with 413 as soon as it passes `max_bytes`.
async fn read_file(
    mut field: Field<'_>,
    name: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut content = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
        if content.len() + chunk.len() > max_bytes {
            return Err(ApiError::TooLarge {
                code: "file_too_large",
                message: format!("`file` {name:?} is larger than {max_bytes} bytes"),
            });
        }
        content.extend_from_slice(&chunk);
    }
    Ok(content)
}

fn refused(error: AttachmentError) -> ApiError {
    let code = match error {
        AttachmentError::NotAllowed { .. } => "file_type_not_allowed",
        AttachmentError::Damaged { .. } => "damaged_file",
    };
    ApiError::Unprocessable {
        code,
        message: format!("`file`: {error}"),
    }
}

fn form_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::bad_request("invalid_form", error.body_text())
    }
}

/// A download link's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// Unix seconds after which the link is refused (410).
    pub expires: Option<i64>,
    /// The link's signature.
    pub sig: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "conversation",
    params(("id" = String, Path, description = "attachment id"), LinkQuery),
    responses((status = 200, description = "the file, as stored (image metadata removed)"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<LinkQuery>,
) -> Result<Response, ApiError> {
    let stored = state
        .store
        .attachment(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("unknown_attachment", "no such attachment"))?;
    let (Some(expires), Some(sig)) = (query.expires, query.sig.as_deref()) else {
        return Err(link_error(LinkError::Tampered));
    };
    let now_ms = state.clock.now_ms();
    state
        .attachment_links
        .verify(&stored.meta.conversation_id, &id, expires, sig, now_ms)
        .map_err(link_error)?;
    // A browser may keep the file only as long as the link stays valid.
    let valid_for_secs = (expires - now_ms.div_euclid(1000)).max(0);
    let image = FileType::from_mime_type(&stored.meta.content_type).is_some_and(FileType::is_image);
    let disposition = content_disposition(image, &stored.meta.file_name);
    let headers = [
        (
            header::CONTENT_TYPE,
            header_value(&stored.meta.content_type),
        ),
        (header::CONTENT_DISPOSITION, header_value(&disposition)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
        (
            header::CACHE_CONTROL,
            header_value(&format!("private, max-age={valid_for_secs}")),
        ),
    ];
    Ok((headers, stored.content).into_response())
}

fn link_error(error: LinkError) -> ApiError {
    match error {
        LinkError::Tampered => ApiError::Forbidden {
            code: "invalid_link",
            message: error.to_string(),
        },
        LinkError::Expired => ApiError::Gone {
            code: "link_expired",
            message: error.to_string(),
        },
    }
}

/// `inline` for images, `attachment` otherwise; the name as RFC 6266 `filename*` (UTF-8)
/// with an ASCII `filename` for old clients.
fn content_disposition(image: bool, name: &str) -> String {
    let kind = if image { "inline" } else { "attachment" };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}
