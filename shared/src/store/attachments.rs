//! Attachments: files a customer sent with a message (or an agent with a reply). Their
//! bytes are in the row itself (a SQLite BLOB, a PostgreSQL `bytea`) or, with
//! `[attachments] store = "s3://…"`, in a bucket under the key the row's `object_key`
//! names (the row's `content` is then empty). Either way replicas see every file.
//!
//! A message with files is one transaction: the customer's line (relayed to an open
//! escalation like any message) and its attachments, or nothing. Objects are written
//! before that transaction begins ([`stage`]) and deleted only after their rows are gone
//! (erasure, retention: [`Store::delete_objects`]), so a row never names a missing object;
//! a crash in between leaves at worst an object no row names, which nothing serves.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::conversations::{append_customer_line_in, Conversation};
use super::{Store, StoreError};
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

/// Files ready for their rows: with an object store, each one's bytes are written already
/// and `keys` names their objects; otherwise `keys` is all `None`.
#[derive(Debug)]
pub(crate) struct Staged<'a> {
    files: &'a [Upload],
    keys: Vec<Option<String>>,
}

/// Writes the objects of `files` (with an object store); call it before the transaction
/// that inserts their rows begins, so no write lock is held during the uploads.
pub(crate) async fn stage<'a>(
    store: &Store,
    files: &'a [Upload],
) -> Result<Staged<'a>, StoreError> {
    let mut keys = Vec::with_capacity(files.len());
    for file in files {
        keys.push(match store.file_storage().objects() {
            Some(objects) => {
                let key = objects.key(&file.id);
                objects
                    .put(&key, file.content.clone())
                    .await
                    .map_err(StoreError::Files)?;
                tracing::debug!(attachment = %file.id, key, "attachment written to the object store");
                Some(key)
            }
            None => None,
        });
    }
    Ok(Staged { files, keys })
}

/// Stores `staged` files as sent with transcript line `message_id` of `conversation_id`,
/// inside the transaction that writes the line (a customer's message or an agent's reply).
pub(crate) async fn insert_attachments(
    tx: &mut super::Tx,
    conversation_id: &str,
    message_id: i64,
    staged: &Staged<'_>,
    now: i64,
) -> Result<Vec<AttachmentMeta>, StoreError> {
    let mut attachments = Vec::with_capacity(staged.files.len());
    for ((position, file), key) in (0_i64..).zip(staged.files).zip(&staged.keys) {
        let meta = AttachmentMeta {
            id: file.id.clone(),
            conversation_id: conversation_id.to_string(),
            message_id,
            file_name: file.file_name.clone(),
            content_type: file.file_type.mime_type().to_string(),
            size_bytes: i64::try_from(file.content.len()).unwrap_or(i64::MAX),
            created_at_ms: now,
        };
        // An object's row keeps no bytes (the column predates `object_key`: NOT NULL).
        let content = match key {
            Some(_) => Vec::new(),
            None => file.content.clone(),
        };
        sqlx::query(
            "INSERT INTO attachments (id, conversation_id, message_id, position, file_name, \
             content_type, size_bytes, content, created_at, object_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&meta.id)
        .bind(&meta.conversation_id)
        .bind(meta.message_id)
        .bind(position)
        .bind(&meta.file_name)
        .bind(&meta.content_type)
        .bind(meta.size_bytes)
        .bind(content)
        .bind(meta.created_at_ms)
        .bind(key.clone())
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
        let staged = stage(self, files).await?;
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let (message_id, escalation_id) =
            append_customer_line_in(self, &mut tx, conversation, body).await?;
        let attachments =
            insert_attachments(&mut tx, &conversation.id, message_id, &staged, now).await?;
        tx.commit().await?;
        Ok(SentAttachments {
            message_id,
            escalation_id,
            attachments,
        })
    }

    /// One stored file with its content (read from the object store when it is there).
    pub async fn attachment(&self, id: &str) -> Result<Option<StoredAttachment>, StoreError> {
        let sql =
            format!("SELECT {META_COLUMNS}, content, object_key FROM attachments WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let meta = meta(&row)?;
        let key: Option<String> = row.try_get("object_key")?;
        let Some(key) = key else {
            let content = row.try_get("content")?;
            return Ok(Some(StoredAttachment { meta, content }));
        };
        let Some(objects) = self.file_storage().objects() else {
            return Err(StoreError::Corrupt(format!(
                "attachment {id} is in an object store ({key}), but `[attachments] store` is not set"
            )));
        };
        match objects.get(&key).await.map_err(StoreError::Files)? {
            Some(content) => Ok(Some(StoredAttachment { meta, content })),
            None => {
                tracing::error!(attachment = %id, key, "an attachment's object is missing from the object store");
                Ok(None)
            }
        }
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

    /// Deletes files stored before `before_ms` (`[privacy] keep_attachments`), their
    /// objects after their rows; how many.
    pub async fn purge_attachments(&self, before_ms: i64) -> Result<u64, StoreError> {
        let rows =
            sqlx::query("DELETE FROM attachments WHERE created_at < $1 RETURNING object_key")
                .bind(before_ms)
                .fetch_all(self.writer())
                .await?;
        let keys = rows
            .iter()
            .map(|row| row.try_get::<Option<String>, _>("object_key"))
            .collect::<Result<Vec<_>, _>>()?;
        self.delete_objects(keys.into_iter().flatten()).await;
        Ok(rows.len() as u64)
    }

    /// Deletes the objects under `keys`, whose rows are gone already. A failure is logged
    /// with the key and does not fail the caller: the rows' change is committed, and an
    /// object no row names is never served.
    pub(crate) async fn delete_objects(&self, keys: impl IntoIterator<Item = String>) {
        let Some(objects) = self.file_storage().objects() else {
            return;
        };
        for key in keys {
            if let Err(error) = objects.delete(&key).await {
                tracing::error!(key, %error, "an erased attachment's object could not be deleted; delete it by hand");
            }
        }
    }
}
