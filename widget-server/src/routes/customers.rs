//! `/api/v1/admin/customers/{email}`: one customer's data (GDPR). `GET …/export` returns
//! everything stored under the e-mail as one JSON document (conversations, transcripts,
//! escalations, customer fields, ratings, attachments' details), or with `format=zip` /
//! `Accept: application/zip` one zip archive of that document and the files themselves
//! (`frontline_shared::privacy::export_archive`); `DELETE` erases it, keeping the figures (see
//! `frontline_shared::store::customer_data`), and has the bot edit the chat alerts to
//! "[erased at the customer's request]" through the outbox. Both are idempotent and work
//! from any replica: the store is all they touch.
//!
//! Both are recorded in the audit log: an erasure in its own transaction (all of the
//! customer's conversations and the row, or nothing), an export (which changes nothing)
//! before the data is sent, so an export whose row cannot be written is not sent. The
//! object is [`customer_ref`], not the e-mail, so the log keeps no trace of an erased
//! customer's address (the log is never rewritten).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontline_shared::email::Email;
use frontline_shared::privacy::export_archive;
use frontline_shared::store::attachments::StoredAttachment;
use frontline_shared::store::customer_data::{CustomerExport, Erasure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::guard::admin::Admin;
use crate::state::AppState;
use frontline_shared::audit::{Actor, AuditAction};
use frontline_shared::store::audit::AuditRecord;
use sha2::{Digest, Sha256};

/// The audit log's object for a customer: `customer:` and the first 16 hex digits of the
/// SHA-256 of the lower-case e-mail (whoever knows the address can find its rows).
pub fn customer_ref(email: &Email) -> String {
    let digest = Sha256::digest(email.as_str().to_lowercase().as_bytes());
    format!("customer:{}", &hex::encode(digest)[..16])
}

/// `raw` as an e-mail address, or a 400 naming `email`.
pub fn email(raw: &str) -> Result<Email, ApiError> {
    Email::parse(raw).map_err(|e| ApiError::bad_request("invalid_email", format!("`email`: {e}")))
}

/// `GET …/export`'s query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (the document alone, the default) or `zip` (one archive: `export.json`, the
    /// same document, and every file under `attachments/{attachment id}/{file name}`).
    /// `Accept: application/zip` asks for the archive too.
    pub format: Option<String>,
}

/// Whether the caller asked for the archive (`format=zip`, or `Accept: application/zip`
/// without a `format`); a 400 naming `format` for anything but `json` or `zip`.
fn wants_archive(query: &ExportQuery, headers: &HeaderMap) -> Result<bool, ApiError> {
    match query.format.as_deref().map(str::trim) {
        Some("zip") => Ok(true),
        Some("json") => Ok(false),
        Some("") | None => Ok(headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.split(';').next().map(str::trim) == Some("application/zip"))),
        Some(other) => Err(ApiError::bad_request(
            "invalid_format",
            format!("`format`: expected `json` or `zip`, got {other:?}"),
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/admin/customers/{email}/export", tag = "admin", operation_id = "export_customer",
    params(("email" = String, Path, description = "the customer's e-mail (any case)"), ExportQuery), security(("admin_token" = [])),
    responses((status = 200, description = "every conversation, message, escalation, customer field, rating and attachment of the e-mail: one JSON attachment, or with `format=zip` (or `Accept: application/zip`) one zip archive holding that JSON as `export.json` and the files under `attachments/{id}/{file name}`", body = Object),
        (status = 400, description = "`email` is not an e-mail address, or `format` is neither `json` nor `zip`", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let email = email(&raw)?;
    let archive = wants_archive(&query, &headers)?;
    let (export, files) = export_customer(&state, &admin.actor, &email, archive).await?;
    if !archive {
        let disposition = "attachment; filename=\"frontline-customer-export.json\"";
        return Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)).into_response());
    }
    Ok(zip_response(archive_of(export, files).await?))
}

/// Everything stored under `email`, as exported (nothing recorded: the dashboard's
/// customer view counts it before any export).
pub async fn held(state: &AppState, email: &Email) -> Result<CustomerExport, ApiError> {
    state.recorder.flush().await;
    Ok(state.store.export_customer(email.as_str()).await?)
}

/// The export use case, for the API and the dashboard's customer view alike: what
/// [`held`] finds, with the files' contents when `with_files`, recorded in the audit log
/// as `export` by `actor` once all of it is read.
pub async fn export_customer(
    state: &AppState,
    actor: &Actor,
    email: &Email,
    with_files: bool,
) -> Result<(CustomerExport, Vec<StoredAttachment>), ApiError> {
    let export = held(state, email).await?;
    let files = if with_files {
        export_archive::files_of(&state.store, &export).await?
    } else {
        Vec::new()
    };
    state
        .store
        .append_audit(actor, AuditAction::Export, Some(&customer_ref(email)))
        .await?;
    Ok((export, files))
}

/// The zip archive of an export: `export.json` and the files.
pub async fn archive_of(
    export: CustomerExport,
    files: Vec<StoredAttachment>,
) -> Result<Vec<u8>, ApiError> {
    tokio::task::spawn_blocking(move || export_archive::build(&export, &files))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// An archive as a download.
pub fn zip_response(zip: Vec<u8>) -> Response {
    let disposition = "attachment; filename=\"frontline-customer-export.zip\"";
    (
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        zip,
    )
        .into_response()
}

/// What `DELETE /api/v1/admin/customers/{email}` erased now (zero when already erased).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureBody {
    pub erased_conversations: u64,
    pub erased_escalations: u64,
}

impl From<Erasure> for ErasureBody {
    fn from(erasure: Erasure) -> Self {
        ErasureBody {
            erased_conversations: erasure.conversations,
            erased_escalations: erasure.escalations,
        }
    }
}

#[utoipa::path(delete, path = "/api/v1/admin/customers/{email}", tag = "admin", operation_id = "erase_customer",
    params(("email" = String, Path, description = "the customer's e-mail (any case)")), security(("admin_token" = [])),
    responses((status = 200, description = "erased (counts are zero when there was nothing left to erase)", body = ErasureBody),
        (status = 400, description = "`email` is not an e-mail address", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(raw): Path<String>,
) -> Result<Json<ErasureBody>, ApiError> {
    let email = email(&raw)?;
    Ok(Json(
        erase_customer(&state, &admin.actor, &email).await?.into(),
    ))
}

/// The erasure use case, for the API and the dashboard's customer view alike: erases
/// what is stored under `email` (see `frontline_shared::store::customer_data`), recorded
/// in the audit log as `erasure` by `actor`.
pub async fn erase_customer(
    state: &AppState,
    actor: &Actor,
    email: &Email,
) -> Result<Erasure, ApiError> {
    state.recorder.flush().await;
    // The erasure and its audit row commit together, or neither does.
    let audit = AuditRecord {
        actor,
        action: AuditAction::Erasure,
    };
    let erasure = state
        .store
        .erase_customer(email.as_str(), audit, &customer_ref(email))
        .await?;
    tracing::info!(
        conversations = erasure.conversations,
        escalations = erasure.escalations,
        "customer data erased on request"
    );
    Ok(erasure)
}
