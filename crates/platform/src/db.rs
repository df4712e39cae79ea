//! The database: SQLite (a file per service, WAL, `synchronous=FULL`) or PostgreSQL, through sqlx's
//! `Any` driver with one portable SQL dialect, and the service's embedded migrations for that backend.
//!
//! On SQLite every write transaction goes through a single writer connection, so writers queue in
//! the process instead of failing with `SQLITE_BUSY`; reads use a separate pool and never block on
//! writers (WAL). On PostgreSQL both are the same pool.

use std::{borrow::Cow, str::FromStr, time::Duration};

use anyhow::Context as _;
use sqlx::{
    Any, AnyPool, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
    error::ErrorKind,
    migrate::Migrator,
};

/// Platform tables (outbox, inbox, parked events) added to every service's migrations.
static PLATFORM_SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static PLATFORM_POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Connections to PostgreSQL per process unless configured: ten services at this size stay under
/// a default server's 100 connections.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

/// A service's embedded migrations, one folder per backend with the same version numbers.
#[derive(Debug)]
pub struct Migrations {
    /// `migrations/sqlite`.
    pub sqlite: &'static Migrator,
    /// `migrations/postgres`.
    pub postgres: &'static Migrator,
}

/// Which database server is behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connected, migrated database.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    reader: AnyPool,
    writer: AnyPool,
}

impl Db {
    /// Connects to `url`, creating the SQLite file or the PostgreSQL database if missing, and runs
    /// the migrations.
    ///
    /// # Errors
    /// When the URL is unreachable or a migration fails; the message names the URL without its password.
    pub async fn connect(url: &str, migrations: &Migrations) -> anyhow::Result<Self> {
        Self::connect_with(url, migrations, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Like [`Db::connect`], with at most `max_connections` connections to PostgreSQL.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated.
    pub async fn connect_with(
        url: &str,
        migrations: &Migrations,
        max_connections: u32,
    ) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let shown = redact(url);
        let db = if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else {
            Self::connect_postgres(url, max_connections).await
        }
        .with_context(|| format!("cannot connect to database {shown}"))?;
        let service = match db.backend {
            Backend::Sqlite => migrations.sqlite,
            Backend::Postgres => migrations.postgres,
        };
        let platform = match db.backend {
            Backend::Sqlite => &PLATFORM_SQLITE,
            Backend::Postgres => &PLATFORM_POSTGRES,
        };
        let mut all: Vec<_> = service.iter().chain(platform.iter()).cloned().collect();
        all.sort_by_key(|migration| migration.version);
        let migrator = Migrator { migrations: Cow::Owned(all), ..Migrator::DEFAULT };
        migrator.run(&db.writer).await.with_context(|| format!("migrating database {shown}"))?;
        Ok(db)
    }

    async fn connect_sqlite(url: &str) -> anyhow::Result<Self> {
        if let Some(path) = sqlite_path(url)
            && let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                // A connection to a local file cannot go stale; pinging it before every use would
                // cost a round trip to its worker thread per query.
                .test_before_acquire(false)
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        // WAL lets readers run beside the writer; FULL makes every commit durable
                        // (orders, payments, reservations and outbox rows must survive a crash).
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *connection).await?;
                        sqlx::query("PRAGMA synchronous = FULL").execute(&mut *connection).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *connection)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *connection).await?;
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        };
        let writer = pool(1).await?;
        let reader = pool(4).await?;
        Ok(Self { backend: Backend::Sqlite, reader, writer })
    }

    async fn connect_postgres(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        create_postgres_database_if_missing(url).await?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            // Short, so requests fail fast (503) while the server is away; the pool reconnects by
            // itself when it returns, testing each connection before handing it out.
            .acquire_timeout(Duration::from_secs(2))
            .test_before_acquire(true)
            .connect(url)
            .await?;
        Ok(Self { backend: Backend::Postgres, reader: pool.clone(), writer: pool })
    }

    /// Returns the backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns the pool for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.reader
    }

    /// Returns the writer, for a write of one statement that commits by itself: on SQLite that is
    /// one hand-off to the connection's thread instead of three for `BEGIN`, the statement and
    /// `COMMIT`.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a write transaction.
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        let started = std::time::Instant::now();
        let tx = self.writer.begin().await;
        metrics::histogram!("db_begin_seconds").record(started.elapsed().as_secs_f64());
        tx
    }

    /// Tells whether the database answers a trivial query within a second.
    pub async fn ping(&self) -> bool {
        let query = sqlx::query("SELECT 1").execute(&self.reader);
        matches!(tokio::time::timeout(Duration::from_secs(1), query).await, Ok(Ok(_)))
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Tells whether a database error is a unique-constraint violation (a duplicate key).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation)
}

/// Tells whether a database error means "the database is unreachable right now" (as opposed to a bug).
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
    ) || matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|code| code.starts_with("57P") || code.starts_with("08")))
}

/// Returns a URL fit for logs: the password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Creates the database named in a PostgreSQL URL when it does not exist, by connecting to the
/// server's `postgres` database. Safe when several processes race to create it.
async fn create_postgres_database_if_missing(url: &str) -> anyhow::Result<()> {
    let (server, name) = split_postgres_url(url)?;
    if name == "postgres" {
        return Ok(());
    }
    let admin_url = format!("{server}/postgres{}", query_of(url));
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&admin_url)
        .await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&admin)
        .await?;
    if exists.is_none() {
        // The name was checked to be a plain identifier, so quoting it is enough.
        // Byte-order collation makes `ORDER BY` agree with SQLite's.
        let statement = format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        );
        if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&admin).await {
            let duplicate = matches!(&error, sqlx::Error::Database(db) if db.code().as_deref() == Some("42P04") || db.code().as_deref() == Some("23505"));
            if !duplicate {
                return Err(error.into());
            }
        }
    }
    admin.close().await;
    Ok(())
}

/// Splits `postgres://user@host:port/name?x` into `postgres://user@host:port` and `name`.
fn split_postgres_url(url: &str) -> anyhow::Result<(String, String)> {
    let without_query = url.split('?').next().unwrap_or(url);
    let scheme_end = without_query.find("://").map_or(0, |index| index + 3);
    let path_start = without_query[scheme_end..]
        .find('/')
        .map(|index| index + scheme_end)
        .context("the PostgreSQL URL names no database")?;
    let name = &without_query[path_start + 1..];
    anyhow::ensure!(
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "database name '{name}' must be lower-case letters, digits and underscores"
    );
    Ok((without_query[..path_start].to_owned(), name.to_owned()))
}

fn query_of(url: &str) -> &str {
    url.find('?').map_or("", |index| &url[index..])
}

/// Returns the PostgreSQL URL of database `name` on the server of `server_url`
/// (`postgres://u@h:5432/anything` and `bazaar_catalog` give `postgres://u@h:5432/bazaar_catalog`).
///
/// # Errors
/// When `server_url` is not a PostgreSQL URL.
pub fn postgres_url_for_database(server_url: &str, name: &str) -> anyhow::Result<String> {
    let without_query = server_url.split('?').next().unwrap_or(server_url);
    let scheme_end = without_query.find("://").context("not a URL")? + 3;
    let server = match without_query[scheme_end..].find('/') {
        Some(index) => &without_query[..scheme_end + index],
        None => without_query,
    };
    Ok(format!("{server}/{name}{}", query_of(server_url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://bazaar:secret@db:5432/catalog"),
            "postgres://bazaar:***@db:5432/catalog"
        );
        assert_eq!(redact("postgres://bazaar@db/catalog"), "postgres://bazaar@db/catalog");
        assert_eq!(redact("sqlite://var/catalog.db"), "sqlite://var/catalog.db");
    }

    #[test]
    fn splits_and_builds_postgres_urls() {
        let (server, name) =
            split_postgres_url("postgres://u@h:5432/bazaar_catalog?sslmode=disable").unwrap();
        assert_eq!((server.as_str(), name.as_str()), ("postgres://u@h:5432", "bazaar_catalog"));
        assert!(split_postgres_url("postgres://u@h:5432/Bad-Name").is_err());
        assert_eq!(
            postgres_url_for_database(
                "postgres://u@h:5432/postgres?sslmode=disable",
                "bazaar_orders"
            )
            .unwrap(),
            "postgres://u@h:5432/bazaar_orders?sslmode=disable"
        );
        assert_eq!(postgres_url_for_database("postgres://u@h", "x").unwrap(), "postgres://u@h/x");
    }

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(sqlite_path("sqlite:///tmp/a.db?mode=rwc"), Some("/tmp/a.db"));
        assert_eq!(sqlite_path("sqlite://var/a.db"), Some("var/a.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
