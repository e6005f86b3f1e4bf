//! The schema migrations, embedded in the binary.
//!
//! `build.rs` lists `migrations/sqlite` and `migrations/postgres` as `sqlx::migrate!` would
//! (`<version>_<description>.sql`, by version) and includes each file's SQL, so adding a
//! migration is adding a file. The macro itself is not used: it needs sqlx's `macros`
//! feature, which compiles sqlx and both database drivers a second time for the compiler,
//! a large part of a first build. Each migration's checksum is the SHA-384 of its file, as
//! `migrate!` computed it, so databases migrated by earlier releases are accepted as they are.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::SqlStr;

use super::Backend;

/// One migration file, as `build.rs` found it.
struct EmbeddedMigration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The migrator for `backend`'s schema.
pub(super) fn migrator(backend: Backend) -> Migrator {
    let files = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    Migrator::with_migrations(
        files
            .iter()
            .map(|file| {
                Migration::new(
                    file.version,
                    Cow::Borrowed(file.description),
                    MigrationType::Simple,
                    SqlStr::from_static(file.sql),
                    // `migrate!`'s opt-out of the migration's transaction.
                    file.sql.starts_with("-- no-transaction"),
                )
            })
            .collect(),
    )
}
