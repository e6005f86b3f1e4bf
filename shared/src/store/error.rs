//! The store's one error type.

/// What can go wrong reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is busy: callers answer 503 and may retry.
    #[error("the store is unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("unsupported database url {0:?}: expected sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("store migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The object store holding attachments (`[attachments] store`) failed: callers answer
    /// 503 and may retry.
    #[error("the attachment store is unavailable: {0}")]
    Files(object_store::Error),
}

impl StoreError {
    /// True when retrying later may succeed (connection lost, pool exhausted, locked).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Files(_))
    }

    /// True when the database refuses writes as such: a PostgreSQL server that is read-only
    /// (a standby after a failover, `default_transaction_read_only`), a SQLite file opened
    /// read-only. Retrying over the same connections does not help; a restart reconnects.
    pub fn is_read_only(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                // PostgreSQL: read_only_sql_transaction (25006). SQLite: SQLITE_READONLY
                // (8), _DBMOVED (1032: the file was moved or deleted under the process) and
                // _DIRECTORY (1544); not _RECOVERY or _CANTLOCK, which can pass.
                matches!(
                    db.code().unwrap_or_default().as_ref(),
                    "25006" | "8" | "1032" | "1544"
                )
            }
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_transient(&error) {
            StoreError::Unavailable(error)
        } else {
            StoreError::Database(error)
        }
    }
}

fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: connection exceptions (08…), shutdown (57P…), serialization (40…);
            // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6) with extended codes.
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("40")
                || code == "5"
                || code == "6"
                || code.ends_with("517")
                || code == "261"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, Executor};

    use super::StoreError;

    /// SQLite refuses writes on a `query_only` connection with SQLITE_READONLY, as it does
    /// on a file opened read-only.
    #[tokio::test]
    async fn a_refused_write_is_read_only_and_not_an_outage() {
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("in-memory sqlite");
        conn.execute("CREATE TABLE t (x INTEGER)")
            .await
            .expect("create");
        conn.execute("PRAGMA query_only = ON")
            .await
            .expect("pragma");
        let refused = conn
            .execute("INSERT INTO t (x) VALUES (1)")
            .await
            .expect_err("a read-only connection refuses writes");
        let error = StoreError::from(refused);
        assert!(error.is_read_only(), "{error}");
        assert!(!error.is_unavailable(), "{error}");
        let other = StoreError::from(
            conn.execute("SELECT * FROM missing")
                .await
                .expect_err("no such table"),
        );
        assert!(!other.is_read_only(), "{other}");
    }
}
