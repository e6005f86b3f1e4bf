//! The store: conversations, their transcript and decisions, feedback, escalations, the
//! bot's outbox and the events a customer's widget streams.
//!
//! One implementation over sqlx's `Any` driver serves SQLite (the embedded default) and
//! PostgreSQL (several replicas). Callers never see SQL; the few places where the two
//! dialects differ (write-transaction start, `SKIP LOCKED`, `NOTIFY`) are methods of
//! [`Backend`]. Times are Unix milliseconds from the store's [`Clock`](crate::clock::Clock).
//!
//! # Layout
//! - [`admin_sessions`]: dashboard sign-ins (hashed ids, idle expiry).
//! - [`agents`]: agent accounts (e-mail, name, role, password hash) and invitation links.
//! - [`audit`]: the append-only audit log (who did what, from where).
//! - [`attachments`]: files sent with a message (content in the store or in a bucket).
//! - [`conversations`]: conversations, questions with decisions, feedback, transcripts.
//! - [`escalations`]: handoffs and the claim / release / resolve transitions.
//! - [`outbox`]: leased, ordered, retried delivery work for the bot.
//! - [`events`]: what a conversation's live stream shows, and how to wait for it.
//! - [`chat`]: chat messages posted for escalations, and callbacks already applied.
//! - [`chat_cursors`]: the newest message seen per chat channel, for catching up.
//! - [`leases`]: roles one replica holds at a time (the Discord gateway session).
//! - [`search`]: the dashboard's conversation list: filters, full-text search, pages.
//! - [`stats`]: figures for digests and the dashboard, per period.
//! - [`rollups`]: counts per site and 15-minute bucket, kept by triggers; recounts.
//! - [`unanswered_days`]: each closed day's unanswered questions, clustered once (by id).
//! - [`digests`]: daily digests recorded once per channel and day.
//! - [`forecasts`]: forecasts as made (one per site, channel and day), hourly arrivals.
//! - [`csat`]: satisfaction ratings after a resolution.
//! - [`saved_replies`]: saved (canned) replies, global or per site.
//! - [`customer_data`]: one customer's data by e-mail: export and erasure (GDPR), retention.
//! - [`webhooks`]: webhook events queued with the changes they report; their delivery log.
//! - [`emails`]: conversations' mail threads (reply tokens) and mails recorded by Message-ID.

pub mod admin_sessions;
pub mod agents;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod chat;
pub mod chat_cursors;
pub mod chat_identities;
pub mod conversations;
pub mod csat;
pub mod customer_data;
pub mod digests;
pub mod emails;
mod error;
pub mod escalations;
pub mod events;
pub mod forecasts;
pub mod inbound_flags;
pub mod leases;
mod listen;
pub mod local_days;
mod migrations;

pub use listen::Listener;
pub mod outbox;
mod questions;
pub mod rollups;
pub mod saved_replies;
pub mod search;
mod site_column;
pub mod sso_logins;
pub mod stats;
pub mod timing_histograms;
pub mod timings;
pub mod unanswered_days;
pub mod webhooks;

pub use error::StoreError;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

use crate::clock::{system_clock, SharedClock};

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// SQLite must take the write lock up front, or concurrent writers fail instead of waiting.
    fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }
}

/// The handle every part of Frontline uses to read and write durable state.
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads (and, on PostgreSQL, writes too).
    pool: AnyPool,
    /// Writes. On SQLite a one-connection pool: writers queue in order inside the process
    /// instead of sleeping in SQLite's busy handler (which backs off up to 100 ms at a
    /// time and gave `/handoff` a p99 near a second under load). On PostgreSQL the same
    /// pool as reads.
    writer: AnyPool,
    backend: Backend,
    clock: SharedClock,
    url: String,
    /// The webhook endpoints events are queued for (none unless [`Store::with_webhooks`]).
    webhooks: crate::webhooks::Routing,
    /// Reports count raw rows instead of reading the rollups (see
    /// [`Store::reading_raw_rows`]).
    raw_reports: bool,
    /// Where attachment bytes go (the rows themselves unless [`Store::with_file_storage`]).
    files: crate::attachments::storage::FileStorage,
}

/// A write transaction.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Store {
    /// Connects, creating a SQLite file if needed, and applies the backend's migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with_clock(url, system_clock()).await
    }

    pub async fn connect_with_clock(url: &str, clock: SharedClock) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(url.into()))?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        // Page cache per connection (KiB): the writer's must hold a whole batch's dirty
        // pages, or SQLite spills them mid-transaction and reads them back.
        let options = |connections: u32, cache_kib: u32| {
            AnyPoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(Duration::from_secs(5))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA temp_store = MEMORY").await?;
                            let cache = format!("PRAGMA cache_size = -{cache_kib}");
                            sqlx::query(sqlx::AssertSqlSafe(cache))
                                .execute(&mut *conn)
                                .await?;
                        }
                        Ok(())
                    })
                })
        };
        let (pool, writer) = match backend {
            Backend::Sqlite => {
                // The writer first: it creates the file and switches it to WAL.
                let writer = options(1, 65_536)
                    .connect(&url)
                    .await
                    .map_err(StoreError::from)?;
                let pool = options(8, 8_192)
                    .connect(&url)
                    .await
                    .map_err(StoreError::from)?;
                (pool, writer)
            }
            Backend::Postgres => {
                let pool = options(16, 0)
                    .connect(&url)
                    .await
                    .map_err(StoreError::from)?;
                (pool.clone(), pool)
            }
        };
        let store = Store {
            pool,
            writer,
            backend,
            clock,
            url,
            webhooks: crate::webhooks::Routing::default(),
            raw_reports: false,
            files: crate::attachments::storage::FileStorage::Inline,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        migrations::migrator(self.backend)
            .run(&self.writer)
            .await
            .map_err(StoreError::Migrate)
    }

    /// This handle, queueing webhook events for `routing`'s endpoints from now on. Every
    /// process that changes escalations must be given the same `[[webhooks]]`.
    pub fn with_webhooks(mut self, routing: crate::webhooks::Routing) -> Store {
        self.webhooks = routing;
        self
    }

    /// This handle, writing attachment bytes to `files` from now on (files stored inline
    /// before stay readable). Every process that reads or writes files must be given the
    /// same `[attachments] store`.
    pub fn with_file_storage(mut self, files: crate::attachments::storage::FileStorage) -> Store {
        self.files = files;
        self
    }

    /// Where attachment bytes go.
    pub fn file_storage(&self) -> &crate::attachments::storage::FileStorage {
        &self.files
    }

    /// This handle, with reports, the digest and the forecast counting raw rows as they
    /// did before the [`rollups`]: what the stats bench measures "before" against, and an
    /// independent count for tests. Production never uses it.
    pub fn reading_raw_rows(mut self) -> Store {
        self.raw_reports = true;
        self
    }

    /// Whether reports count raw rows ([`Store::reading_raw_rows`]).
    pub fn reads_raw_rows(&self) -> bool {
        self.raw_reports
    }

    /// How a period is read: whole buckets from the rollups, unless
    /// [`Store::reading_raw_rows`].
    pub(crate) fn split(&self, from_ms: i64, to_ms: i64) -> rollups::Split {
        if self.raw_reports {
            rollups::Split::raw(from_ms, to_ms)
        } else {
            rollups::Split::of(from_ms, to_ms)
        }
    }

    /// The webhook endpoints events are queued for.
    pub fn webhooks(&self) -> &crate::webhooks::Routing {
        &self.webhooks
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection URL (for a second connection such as a PostgreSQL listener).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The pool for writes outside [`Store::begin_write`] (single statements).
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction in the backend's dialect.
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(self.writer.begin_with(self.backend.begin_write()).await?)
    }

    /// Cheap round trip for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The installation-wide secret named `key`: read it, or create it once (first
    /// writer wins, so every replica ends up with the same value).
    pub async fn installation_secret(&self, key: &str) -> Result<String, StoreError> {
        let candidate = hex::encode(rand::random::<[u8; 32]>());
        sqlx::query(
            "INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(&candidate)
        .execute(&self.writer)
        .await?;
        let row = sqlx::query("SELECT value FROM installation WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// A fresh id with a readable prefix, e.g. `esc_019ac3…`: 48 bits of Unix milliseconds
/// then 80 random bits (as in ULID). Time first keeps inserts at the right edge of the
/// primary-key and per-conversation indexes instead of scattering them over random pages;
/// the random part keeps ids unguessable (conversations also need their token).
pub fn new_id(prefix: &str) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    format!(
        "{prefix}_{:012x}{}",
        ms & 0xffff_ffff_ffff,
        hex::encode(rand::random::<[u8; 10]>())
    )
}

/// Reads an optional column, tolerating SQLite's dynamic typing.
pub(crate) fn opt_i64(row: &AnyRow, column: &str) -> Result<Option<i64>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?)
}

pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}
