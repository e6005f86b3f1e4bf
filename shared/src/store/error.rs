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
}

impl StoreError {
    /// True when retrying later may succeed (connection lost, pool exhausted, locked).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
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
