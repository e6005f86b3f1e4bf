//! The audit log: append and read, nothing else.
//!
//! Append-only by construction: this module is the only one that names `audit_log`, and
//! it has no statement that updates or deletes (a test reads the store's sources to check
//! that); the schema's triggers refuse an UPDATE or DELETE from anywhere else.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Store, StoreError};
use crate::audit::{Actor, AuditAction, AuditEntry, AuditFilter};
use crate::site_id::SiteId;

/// A claim, resolve or first reply of the audit log, with its escalation's creation time,
/// rating and whether it was reopened after (the raw material of the per-agent figures, [`crate::stats::agents`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandledEscalation {
    pub actor: String,
    pub actor_id: Option<String>,
    /// [`AuditAction::Claim`], [`AuditAction::Resolve`], or [`AuditAction::Reply`] (only
    /// the escalation's first reply, by anyone).
    pub action: AuditAction,
    pub escalation_id: String,
    /// When the action was taken (Unix ms).
    pub at_ms: i64,
    /// When the escalation was created (Unix ms).
    pub created_at_ms: i64,
    /// The customer's rating of the escalation, if they gave one.
    pub rating: Option<i64>,
    /// For a resolve: the escalation was reopened after it (by the customer writing again).
    pub reopened: bool,
}

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

/// The audit row a change writes in its own transaction: who did what (the object is the
/// changed row's id).
#[derive(Debug, Clone, Copy)]
pub struct AuditRecord<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
}

/// The statement that appends `record` on `object_id` at `at_ms`.
fn insert<'q>(
    record: AuditRecord<'q>,
    object_id: Option<&'q str>,
    at_ms: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let actor = record.actor;
    sqlx::query(
        "INSERT INTO audit_log (at, actor, actor_id, source, origin, action, object_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at_ms)
    .bind(actor.name.as_str())
    .bind(actor.agent_id.as_deref())
    .bind(actor.source.as_str())
    .bind(actor.origin.as_deref())
    .bind(record.action.as_str())
    .bind(object_id)
}

/// Appends `record` on `object_id` in the caller's transaction, so the row commits (or
/// rolls back) with the change it records: every store method that makes an audited change
/// takes its [`AuditRecord`] and calls this before it commits.
pub(crate) async fn append_in(
    store: &Store,
    tx: &mut super::Tx,
    record: AuditRecord<'_>,
    object_id: Option<&str>,
) -> Result<(), StoreError> {
    insert(record, object_id, store.now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Records that `actor` did `action` to `object_id`, now, on its own: for what changes
    /// nothing (a failed sign-in, a sign-out, an export). A change records itself in its
    /// own transaction instead ([`append_in`]).
    pub async fn append_audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        object_id: Option<&str>,
    ) -> Result<(), StoreError> {
        insert(AuditRecord { actor, action }, object_id, self.now_ms())
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

    /// The claims, resolves and escalations' first replies recorded in `[from_ms,
    /// until_ms)`, of account `agent_id` only and of escalations of `site` only when given,
    /// oldest first.
    pub async fn handled_escalations(
        &self,
        from_ms: i64,
        until_ms: i64,
        agent_id: Option<&str>,
        site: Option<&SiteId>,
    ) -> Result<Vec<HandledEscalation>, StoreError> {
        // A reply counts only as the escalation's first (no earlier reply row, by anyone);
        // a resolve is reopened when a reopen of its escalation follows it.
        let query = sqlx::query(
            "SELECT a.actor, a.actor_id, a.action, a.object_id, a.at, e.created_at, r.rating, \
             CAST(CASE WHEN a.action = $2 AND EXISTS (SELECT 1 FROM escalation_reopens o \
               WHERE o.escalation_id = a.object_id AND o.at >= a.at) THEN 1 ELSE 0 END AS BIGINT) \
               AS reopened \
             FROM audit_log a JOIN escalations e ON e.id = a.object_id \
             LEFT JOIN csat_ratings r ON r.escalation_id = a.object_id \
             WHERE a.action IN ($1, $2, $3) AND a.at >= $4 AND a.at < $5 \
             AND ($6 = '' OR a.actor_id = $6) AND ($7 = '' OR e.site_id = $7) \
             AND (a.action <> $3 OR NOT EXISTS (SELECT 1 FROM audit_log b \
               WHERE b.object_id = a.object_id AND b.action = $3 \
               AND (b.at < a.at OR (b.at = a.at AND b.id < a.id)))) \
             ORDER BY a.at, a.id",
        )
        .bind(AuditAction::Claim.as_str())
        .bind(AuditAction::Resolve.as_str())
        .bind(AuditAction::Reply.as_str())
        .bind(from_ms)
        .bind(until_ms)
        .bind(agent_id.unwrap_or_default().to_string())
        .bind(site.map(|s| s.to_string()).unwrap_or_default());
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let action: String = row.try_get("action")?;
                Ok(HandledEscalation {
                    actor: row.try_get("actor")?,
                    actor_id: row.try_get("actor_id")?,
                    action: AuditAction::parse(&action).unwrap_or(AuditAction::Claim),
                    escalation_id: row.try_get("object_id")?,
                    at_ms: row.try_get("at")?,
                    created_at_ms: row.try_get("created_at")?,
                    rating: super::opt_i64(row, "rating")?,
                    reopened: super::opt_i64(row, "reopened")?.unwrap_or(0) != 0,
                })
            })
            .collect()
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

    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// Nor does any other code of the workspace's binaries (the widget server, the bot,
    /// the shared crates): no statement that updates, deletes, truncates or drops audit
    /// rows, however it is spaced.
    #[test]
    fn no_code_of_the_workspace_changes_audit_rows() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["shared", "widget-server/src", "bot/src"] {
            sources(&workspace.join(dir), &mut files);
        }
        assert!(files.len() > 100, "read the workspace ({})", files.len());
        for path in files {
            let source = std::fs::read_to_string(&path).expect("source");
            let code: String = source
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase();
            let code = code.split_whitespace().collect::<Vec<_>>().join(" ");
            // Built from parts, so this test's own source does not hold them.
            for verb in [
                "UPDATE",
                "DELETE FROM",
                "TRUNCATE",
                "TRUNCATE TABLE",
                "DROP TABLE",
                "REPLACE INTO",
            ] {
                let statement = format!("{verb} {}", "AUDIT_LOG");
                assert!(
                    !code.contains(&statement),
                    "{} contains {statement:?}",
                    path.display()
                );
            }
        }
    }
}
