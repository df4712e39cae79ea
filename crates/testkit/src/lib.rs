//! Test helpers shared by every service's test suite.
//!
//! - [`TestDb`]: a fresh, empty database per test: a temporary SQLite file always, and a new
//!   PostgreSQL database when `BAZAAR_TEST_DATABASE_URL` is set (dropped after the test);
//! - [`backend_tests!`]: runs each listed `async fn(TestDb)` once per backend;
//! - [`init_logging`]: shows service logs in test output when `TEST_LOG` is set;
//! - [`nats_url`]: the NATS server for transport tests, from `BAZAAR_TEST_NATS_URL`;
//! - [`postgres_url`] and [`ServerDatabases`]: a PostgreSQL server for whole-shop tests, and the
//!   clean-up of the databases a shop created on it;
//! - [`FakeIdentity`]: an identity server that only publishes signing keys and session state, and
//!   signs tokens for any user a test makes up.

#![allow(clippy::print_stderr, reason = "tests report skipped backends on stderr")]

mod identity;

use std::sync::Once;

pub use identity::FakeIdentity;

/// Environment variable naming a PostgreSQL server for store tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const DATABASE_URL_VAR: &str = "BAZAAR_TEST_DATABASE_URL";
/// Environment variable naming a NATS server with JetStream for transport tests.
pub const NATS_URL_VAR: &str = "BAZAAR_TEST_NATS_URL";

/// A database that lives as long as one test.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    backend: &'static str,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(
        #[allow(dead_code, reason = "kept for its Drop, which deletes the directory")]
        tempfile::TempDir,
    ),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    /// Creates an empty SQLite database in a temporary directory.
    ///
    /// # Panics
    /// When no temporary directory can be made.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for a test database");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        Self { url, backend: "sqlite", cleanup: Cleanup::Sqlite(dir) }
    }

    /// Creates an empty PostgreSQL database when [`DATABASE_URL_VAR`] is set; prints that the test
    /// is skipped otherwise.
    ///
    /// # Panics
    /// When the variable is set but the server refuses to create a database.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Some(admin_url) = std::env::var(DATABASE_URL_VAR).ok().filter(|url| !url.is_empty())
        else {
            eprintln!("skipped {test} on PostgreSQL: {DATABASE_URL_VAR} is not set");
            return None;
        };
        sqlx::any::install_default_drivers();
        let name = format!("bazaar_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::AnyPool::connect(&admin_url)
            .await
            .expect("connecting to the test PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )))
            .execute(&admin)
            .await
            .expect("creating a test database");
        admin.close().await;
        let url = bazaar_platform::db::postgres_url_for_database(&admin_url, &name)
            .expect("a PostgreSQL URL");
        Some(Self { url, backend: "postgres", cleanup: Cleanup::Postgres { admin_url, name } })
    }

    /// Returns the database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let admin_url = admin_url.clone();
            let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            // Drop cannot be async, and the test's runtime may be shutting down: use a private one.
            let _ = std::thread::spawn(move || {
                let Ok(runtime) =
                    tokio::runtime::Builder::new_current_thread().enable_all().build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    if let Ok(admin) = sqlx::AnyPool::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&admin).await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Returns the PostgreSQL server URL for whole-shop tests, or prints that the test is skipped.
pub fn postgres_url(test: &str) -> Option<String> {
    let url = std::env::var(DATABASE_URL_VAR).ok().filter(|url| !url.is_empty());
    if url.is_none() {
        eprintln!("skipped {test} on PostgreSQL: {DATABASE_URL_VAR} is not set");
    }
    url
}

/// A unique, valid database name prefix (and NATS namespace) for one test, e.g. `t0123abcd`.
pub fn unique_prefix() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Drops every database named `<prefix>_*` on a PostgreSQL server when dropped: what a whole shop
/// started with `--database-prefix <prefix>` created.
#[derive(Debug)]
pub struct ServerDatabases {
    admin_url: String,
    prefix: String,
}

impl ServerDatabases {
    /// Watches the databases `<prefix>_*` on the server of `admin_url`.
    pub fn new(admin_url: &str, prefix: &str) -> Self {
        Self { admin_url: admin_url.to_owned(), prefix: prefix.to_owned() }
    }
}

impl Drop for ServerDatabases {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let pattern = format!("{}\\_%", self.prefix);
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build()
            else {
                return;
            };
            runtime.block_on(async move {
                sqlx::any::install_default_drivers();
                let Ok(admin) = sqlx::AnyPool::connect(&admin_url).await else { return };
                let names: Vec<String> =
                    sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
                        .bind(&pattern)
                        .fetch_all(&admin)
                        .await
                        .unwrap_or_default();
                for name in names {
                    let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&admin).await;
                }
                admin.close().await;
            });
        })
        .join();
    }
}

/// Returns the NATS URL for transport tests, or prints that the test is skipped.
pub fn nats_url(test: &str) -> Option<String> {
    let url = std::env::var(NATS_URL_VAR).ok().filter(|url| !url.is_empty());
    if url.is_none() {
        eprintln!("skipped {test} on NATS: {NATS_URL_VAR} is not set");
    }
    url
}

/// Installs a log subscriber for tests once; logs show only when `TEST_LOG` is set.
pub fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_env_filter("info").with_test_writer().try_init();
        }
    });
}

/// Runs each listed `async fn(TestDb)` as two tests, `sqlite::<name>` and `postgres::<name>`.
/// The PostgreSQL one says it was skipped when [`DATABASE_URL_VAR`] is not set.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::init_logging();
                    super::$name($crate::TestDb::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::init_logging();
                    if let Some(db) = $crate::TestDb::postgres(stringify!($name)).await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}
