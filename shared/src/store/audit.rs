//! The audit log: append and read, nothing else.
//!
//! Append-only by construction: this module is the only one that names `audit_log`, and
//! it has no statement that updates or deletes (a test reads the store's sources to check
//! that); the schema's triggers refuse an UPDATE or DELETE from anywhere else.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Store, StoreError};
use crate::audit::{Actor, AuditAction, AuditEntry, AuditFilter};

fn entry(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at_ms: row.try_get("at")?,
        actor: row.try_get("actor")?,
        actor_id: row.try_get("actor_id")?,
        source: row.try_get("source")?,
        origin: row.try_get("origin")?,
        action: row.try_get("action")?,
        object_id: row.try_get("object_id")?,
    })
}

impl Store {
    /// Records that `actor` did `action` to `object_id`, now.
    pub async fn append_audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        object_id: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, actor_id, source, origin, action, object_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.now_ms())
        .bind(&actor.name)
        .bind(actor.agent_id.as_deref())
        .bind(actor.source.as_str())
        .bind(actor.origin.as_deref())
        .bind(action.as_str())
        .bind(object_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Rows matching `filter`, newest first, at most `limit`.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Only the filters given become conditions, numbered in the order they are bound.
        let mut conditions = Vec::new();
        let mut next = 1;
        let mut condition = |sql: &str| {
            conditions.push(format!("{sql} ${next}"));
            next += 1;
        };
        if filter.actor.is_some() {
            condition("actor =");
        }
        if filter.action.is_some() {
            condition("action =");
        }
        if filter.from_ms.is_some() {
            condition("at >=");
        }
        if filter.until_ms.is_some() {
            condition("at <");
        }
        let sql = format!(
            "SELECT id, at, actor, actor_id, source, origin, action, object_id FROM audit_log{}{} \
             ORDER BY at DESC, id DESC LIMIT {}",
            if conditions.is_empty() { "" } else { " WHERE " },
            conditions.join(" AND "),
            limit.max(0),
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(actor) = &filter.actor {
            query = query.bind(actor.as_str());
        }
        if let Some(action) = filter.action {
            query = query.bind(action.as_str());
        }
        if let Some(from) = filter.from_ms {
            query = query.bind(from);
        }
        if let Some(until) = filter.until_ms {
            query = query.bind(until);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(entry).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// No store module but this one names the audit table, and this one neither
    /// updates nor deletes.
    #[test]
    fn the_store_has_no_statement_that_changes_audit_rows() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).expect("src/store") {
            let path = entry.expect("entry").path();
            let source = std::fs::read_to_string(&path).expect("source");
            // Code only: comments may say what the code must not do.
            let source: String = source
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .map(|line| line.to_uppercase() + "\n")
                .collect();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name == "audit.rs" {
                let code = source.split("#[CFG(TEST)]").next().unwrap_or_default();
                assert!(code.contains("INSERT INTO AUDIT_LOG"));
                for verb in ["UPDATE ", "DELETE ", "TRUNCATE", "DROP ", "REPLACE "] {
                    assert!(!code.contains(verb), "audit.rs contains {verb:?}");
                }
            } else {
                assert!(!source.contains("AUDIT_LOG"), "{name} names audit_log");
            }
            checked += 1;
        }
        assert!(checked > 10, "read the store's modules ({checked})");
    }
}
