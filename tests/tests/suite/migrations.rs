//! Upgrades keep data: a database migrated by the previous release is accepted as it is.
//!
//! sqlx refuses to start on a database whose recorded migration checksum differs from the
//! binary's, and re-runs any version it does not find recorded. So the ledger this build
//! writes (`_sqlx_migrations`) must begin with exactly the rows the previous release wrote,
//! kept in `tests/fixtures/migrations/` (later migrations may follow them).

use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestBackend, TestDatabase};
use sqlx::Row;

/// `(version, description, checksum hex)` rows of a ledger fixture.
fn fixture(text: &str) -> Vec<(i64, String, String)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('|');
            let mut next = || {
                fields
                    .next()
                    .expect("version|description|checksum")
                    .to_string()
            };
            (next().parse().expect("a version number"), next(), next())
        })
        .collect()
}

#[tokio::test]
async fn a_database_migrated_by_the_previous_release_is_accepted() {
    for backend in backends() {
        let previous = fixture(match backend {
            TestBackend::Sqlite => include_str!("../../fixtures/migrations/sqlite.txt"),
            TestBackend::Postgres => include_str!("../../fixtures/migrations/postgres.txt"),
        });
        let db = TestDatabase::new(backend).await;
        Store::connect(&db.url).await.expect("connect");
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        let written: Vec<(i64, String, String)> = sqlx::query(
            "SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&pool)
        .await
        .expect("ledger")
        .iter()
        .map(|row| {
            (
                row.get("version"),
                row.get("description"),
                hex::encode(row.get::<Vec<u8>, _>("checksum")),
            )
        })
        .collect();
        assert!(
            !previous.is_empty(),
            "{backend:?}: the fixture lists migrations"
        );
        assert_eq!(
            written.get(..previous.len()),
            Some(&previous[..]),
            "{backend:?}: the ledger begins with the rows the previous release recorded"
        );
    }
}
