//! PostgreSQL `LISTEN`: wake-ups for new events and outbox rows without polling.

use super::{Backend, Store, StoreError};

/// A dedicated connection listening to one channel.
#[derive(Debug)]
pub struct Listener(sqlx::postgres::PgListener);

impl Store {
    /// Listens to `channel` on PostgreSQL; `None` on SQLite (callers poll instead).
    pub async fn listen(&self, channel: &str) -> Result<Option<Listener>, StoreError> {
        if self.backend() != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(self.url()).await?;
        listener.listen(channel).await?;
        Ok(Some(Listener(listener)))
    }
}

impl Listener {
    /// The next notification's payload. An error means the connection was lost:
    /// notifications may have been missed, so callers re-read the store.
    pub async fn recv(&mut self) -> Result<String, StoreError> {
        let notification = self.0.recv().await?;
        Ok(notification.payload().to_string())
    }
}
