//! Saved replies: one row per reply, global (`site_id` NULL) or for one site, one name
//! per scope (the unique index on the lower-case name and the site). Created, changed and
//! deleted only through [`crate::saved_replies`]; each change commits with its audit row.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::{self, AuditRecord};
use super::{new_id, Store, StoreError};
use crate::saved_replies::{SavedReply, SavedReplyInput};
use crate::site_id::SiteId;

const COLUMNS: &str = "id, name, site_id, body, updated_at, updated_by";

fn saved_reply(row: &AnyRow) -> Result<SavedReply, StoreError> {
    Ok(SavedReply {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        site_id: row.try_get("site_id")?,
        body: row.try_get("body")?,
        updated_at_ms: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

impl Store {
    /// Stores a new saved reply written by `audit`'s actor, with `audit`'s row on it; `None`
    /// when its scope has one of that name (then nothing is recorded).
    pub async fn create_saved_reply(
        &self,
        input: &SavedReplyInput,
        audit: AuditRecord<'_>,
    ) -> Result<Option<SavedReply>, StoreError> {
        let id = new_id("sr");
        let inserted = self
            .write_saved_reply(
                "INSERT INTO saved_replies (id, name, name_key, site_id, body, created_at, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT DO NOTHING",
                &id,
                input,
                audit,
            )
            .await?;
        if inserted == 0 {
            return Ok(None);
        }
        self.saved_reply(&id).await
    }

    /// Replaces a saved reply's name, scope and body (written by `audit`'s actor, with
    /// `audit`'s row on it): `None` when there is no such reply, `Some(false)` when the new
    /// name is taken in its scope, `Some(true)` once changed.
    pub async fn change_saved_reply(
        &self,
        id: &str,
        input: &SavedReplyInput,
        audit: AuditRecord<'_>,
    ) -> Result<Option<bool>, StoreError> {
        if self.saved_reply(id).await?.is_none() {
            return Ok(None);
        }
        let taken =
            self.saved_replies(None).await?.into_iter().any(|r| {
                r.id != id && r.site_id == input.site_id && r.name_key() == input.name_key()
            });
        if taken {
            return Ok(Some(false));
        }
        self.write_saved_reply(
            "UPDATE saved_replies SET name = $2, name_key = $3, site_id = $4, body = $5, \
             updated_at = $6, updated_by = $7 WHERE id = $1",
            id,
            input,
            audit,
        )
        .await?;
        Ok(Some(true))
    }

    /// Runs `sql`, an insert or update of saved reply `id`, with `$1` the id, `$2` to `$5`
    /// the input's name, name key, site and body, `$6` now and `$7` who (`audit`'s actor);
    /// when it changed a row, `audit`'s row commits with it. The rows it changed. One
    /// binding for both, so a new column is bound the same way in each.
    async fn write_saved_reply(
        &self,
        sql: &'static str,
        id: &str,
        input: &SavedReplyInput,
        audit: AuditRecord<'_>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(sql)
            .bind(id)
            .bind(&input.name)
            .bind(input.name_key())
            .bind(input.site_id.as_ref().map(SiteId::as_str))
            .bind(&input.body)
            .bind(self.now_ms())
            .bind(audit.actor.name.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed > 0 {
            audit::append_in(self, &mut tx, audit, Some(id)).await?;
            tx.commit().await?;
        }
        Ok(changed)
    }

    /// Deletes a saved reply, with `audit`'s row on it; false when there was none (then
    /// nothing is recorded).
    pub async fn delete_saved_reply(
        &self,
        id: &str,
        audit: AuditRecord<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let deleted = sqlx::query("DELETE FROM saved_replies WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        audit::append_in(self, &mut tx, audit, Some(id)).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn saved_reply(&self, id: &str) -> Result<Option<SavedReply>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM saved_replies WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(saved_reply)
            .transpose()
    }

    /// The saved replies usable on `site` (its own and the global ones), or every one
    /// when `site` is `None`; by name.
    pub async fn saved_replies(
        &self,
        site: Option<&SiteId>,
    ) -> Result<Vec<SavedReply>, StoreError> {
        let rows = match site {
            Some(site) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM saved_replies WHERE site_id IS NULL OR site_id = $1 \
                     ORDER BY name_key, site_id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(site.as_str())
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM saved_replies ORDER BY name_key, site_id");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(saved_reply).collect()
    }
}
