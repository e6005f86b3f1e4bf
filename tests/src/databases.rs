//! A fresh, empty store for each test, on SQLite or PostgreSQL.
//!
//! PostgreSQL tests run when `FRONTLINE_TEST_POSTGRES_URL` is set (CI sets it); when it is
//! set and the server is unreachable they fail, they never skip silently.

use std::path::PathBuf;

/// The backends a test can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// Backends to run parameterized tests on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<TestBackend> {
    let mut all = vec![TestBackend::Sqlite];
    if postgres_admin_url().is_some() {
        all.push(TestBackend::Postgres);
    } else {
        eprintln!("note: FRONTLINE_TEST_POSTGRES_URL is not set; PostgreSQL variants are skipped");
    }
    all
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("FRONTLINE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A database that exists for one test and is removed after it.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub backend: TestBackend,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub async fn new(backend: TestBackend) -> TestDatabase {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path: PathBuf = dir.path().join("frontline.db");
                TestDatabase {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    backend,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            TestBackend::Postgres => {
                let admin = postgres_admin_url()
                    .expect("FRONTLINE_TEST_POSTGRES_URL must be set for PostgreSQL tests");
                let name = format!("frontline_test_{}", hex::encode(rand::random::<[u8; 6]>()));
                run_admin(&admin, &format!("CREATE DATABASE {name}")).await;
                TestDatabase {
                    url: replace_database(&admin, &name),
                    backend,
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl TestDatabase {
    /// Makes this PostgreSQL database refuse writes the way a standby does after a
    /// failover (SQLSTATE 25006): `default_transaction_read_only` for every new session,
    /// and the open sessions ended, so that their clients reconnect into it.
    pub async fn turn_read_only(&self) {
        let (Some(name), Some(admin)) = (&self.pg_name, postgres_admin_url()) else {
            panic!("turn_read_only needs a PostgreSQL test database");
        };
        run_admin(
            &admin,
            &format!("ALTER DATABASE {name} SET default_transaction_read_only = on"),
        )
        .await;
        run_admin(
            &admin,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
        )
        .await;
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (Some(name), Some(admin)) = (self.pg_name.take(), postgres_admin_url()) else {
            return;
        };
        // Drop runs outside async code: use a private runtime on its own thread.
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(run_admin(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ));
            }
        })
        .join();
    }
}

async fn run_admin(admin_url: &str, statement: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is configured but unreachable: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// `postgres://u@h:p/db?x` with the database part replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = &base[scheme_end..];
    let without_db = match host_part.find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{without_db}/{name}?{q}"),
        None => format!("{without_db}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
