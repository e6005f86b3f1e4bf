//! Attachments: files a customer sent with a message (or an agent with a reply), stored in the store itself (a
//! SQLite BLOB, a PostgreSQL `bytea`), so replicas see every file.
//!
//! A message with files is one transaction: the customer's line (relayed to an open
//! escalation like any message) and its attachments, or nothing.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::conversations::{append_customer_line_in, Conversation};
use super::{new_id, Store, StoreError};
use crate::attachments::Upload;

/// What is known about a stored file, without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentMeta {
    pub id: String,
    pub conversation_id: String,
    /// The transcript line it was sent with.
    pub message_id: i64,
    pub file_name: String,
    /// As served: `image/png`, `application/pdf`, `text/plain; charset=utf-8`, …
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at_ms: i64,
}

/// A stored file with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub meta: AttachmentMeta,
    pub content: Vec<u8>,
}

/// A customer message with files, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentAttachments {
    pub message_id: i64,
    /// The open escalation the message is relayed to, if any.
    pub escalation_id: Option<String>,
    pub attachments: Vec<AttachmentMeta>,
}

const META_COLUMNS: &str =
    "id, conversation_id, message_id, file_name, content_type, size_bytes, created_at";

fn meta(row: &AnyRow) -> Result<AttachmentMeta, StoreError> {
    Ok(AttachmentMeta {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        message_id: row.try_get("message_id")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        created_at_ms: row.try_get("created_at")?,
    })
}

/// Stores `files` as sent with transcript line `message_id` of `conversation_id`, inside
/// the transaction that writes the line (a customer's message or an agent's reply).
pub(crate) async fn insert_attachments(
    tx: &mut super::Tx,
    conversation_id: &str,
    message_id: i64,
    files: &[Upload],
    now: i64,
) -> Result<Vec<AttachmentMeta>, StoreError> {
    let mut attachments = Vec::with_capacity(files.len());
    for (position, file) in (0_i64..).zip(files) {
        let meta = AttachmentMeta {
            id: new_id("att"),
            conversation_id: conversation_id.to_string(),
            message_id,
            file_name: file.file_name.clone(),
            content_type: file.file_type.mime_type().to_string(),
            size_bytes: i64::try_from(file.content.len()).unwrap_or(i64::MAX),
            created_at_ms: now,
        };
        sqlx::query(
            "INSERT INTO attachments (id, conversation_id, message_id, position, file_name, \
             content_type, size_bytes, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&meta.id)
        .bind(&meta.conversation_id)
        .bind(meta.message_id)
        .bind(position)
        .bind(&meta.file_name)
        .bind(&meta.content_type)
        .bind(meta.size_bytes)
        .bind(file.content.clone())
        .bind(meta.created_at_ms)
        .execute(&mut **tx)
        .await?;
        attachments.push(meta);
    }
    Ok(attachments)
}

impl Store {
    /// Stores the customer's line `body` and its `files` in one transaction.
    pub async fn append_customer_attachments(
        &self,
        conversation: &Conversation,
        body: &str,
        files: &[Upload],
    ) -> Result<SentAttachments, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (message_id, escalation_id) =
            append_customer_line_in(self, &mut tx, conversation, body).await?;
        let attachments =
            insert_attachments(&mut tx, &conversation.id, message_id, files, now).await?;
        tx.commit().await?;
        Ok(SentAttachments {
            message_id,
            escalation_id,
            attachments,
        })
    }

    /// One stored file with its content.
    pub async fn attachment(&self, id: &str) -> Result<Option<StoredAttachment>, StoreError> {
        let sql = format!("SELECT {META_COLUMNS}, content FROM attachments WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(StoredAttachment {
                meta: meta(&row)?,
                content: row.try_get("content")?,
            })
        })
        .transpose()
    }

    /// The files of a conversation, oldest message first, each message's in the order sent
    /// (without their content).
    pub async fn conversation_attachments(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<AttachmentMeta>, StoreError> {
        let sql = format!(
            "SELECT {META_COLUMNS} FROM attachments WHERE conversation_id = $1 \
             ORDER BY message_id, position"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(conversation_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(meta).collect()
    }

    /// The files sent with transcript line `message_id` of `conversation_id`, in the order
    /// sent (without their content; empty once erased).
    pub async fn message_attachments(
        &self,
        conversation_id: &str,
        message_id: i64,
    ) -> Result<Vec<AttachmentMeta>, StoreError> {
        let sql = format!(
            "SELECT {META_COLUMNS} FROM attachments WHERE conversation_id = $1 \
             AND message_id = $2 ORDER BY position"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(conversation_id)
            .bind(message_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(meta).collect()
    }

    /// Deletes files stored before `before_ms` (`[privacy] keep_attachments`); how many.
    pub async fn purge_attachments(&self, before_ms: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM attachments WHERE created_at < $1")
            .bind(before_ms)
            .execute(self.writer())
            .await?
            .rows_affected())
    }
}
