//! The database: SQLite (a file per service, WAL, every commit on disk before it is acknowledged)
//! or PostgreSQL, through sqlx's `Any` driver with one portable SQL dialect, and the service's
//! embedded migrations for that backend.
//!
//! On SQLite every write goes through a single writer connection, so writers queue in the process
//! instead of failing with `SQLITE_BUSY`; reads use a few reader connections and never block on
//! writers (WAL). These connections are kept here rather than in an sqlx pool: a pool checks every
//! connection given back with a round trip to it, which for SQLite is a hand-off to the
//! connection's thread and back, as costly as the statement itself. On PostgreSQL reads and
//! writes share one sqlx pool.
//!
//! SQLite commits are made durable by group commit: the writer commits without waiting for the
//! disk (`synchronous=NORMAL`), and [`WriteTx::commit`] then waits for one `fsync` of the
//! write-ahead log that starts after the commit. Commits that finish while an `fsync` runs, or
//! within a quarter of a millisecond when writes are under way, share it, and the single writer is
//! never held while the disk works. A commit is acknowledged exactly when `synchronous=FULL` would
//! acknowledge it: once its log frames are on disk.

use std::{
    borrow::Cow,
    ops::{Deref, DerefMut},
    path::PathBuf,
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use anyhow::Context as _;
use sqlx::{
    Any, AnyConnection, AnyPool, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
    error::ErrorKind,
    migrate::Migrator,
};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard, OwnedSemaphorePermit};

use sqlite::{
    LogFlusher, Readers, SingleWriter, Writing, lock_writer, open_sqlite, sync_directory_of,
};

mod sqlite;

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
    reader: Reader,
    writer: Writer,
    /// Flushes the SQLite write-ahead log; `None` on PostgreSQL (whose commits are durable by
    /// themselves) and for an in-memory database.
    log: Option<Arc<LogFlusher>>,
}

/// Where reads go.
#[derive(Debug, Clone)]
enum Reader {
    /// PostgreSQL: the shared pool.
    Pool(AnyPool),
    /// SQLite: a few connections, opened when first needed and kept.
    Local(Arc<Readers>),
}

/// A connection for reads ([`Db::reader`]). Statements run on it through `&mut *reader` (an
/// [`AnyConnection`]).
#[derive(Debug)]
pub struct ReaderGuard(ReaderGuardInner);

#[derive(Debug)]
enum ReaderGuardInner {
    Pooled(sqlx::pool::PoolConnection<Any>),
    /// The slot is unlocked before the permit is given back (fields drop in order).
    Local {
        connection: OwnedMappedMutexGuard<Option<AnyConnection>, AnyConnection>,
        _permit: OwnedSemaphorePermit,
    },
}

impl Deref for ReaderGuard {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            ReaderGuardInner::Pooled(connection) => connection,
            ReaderGuardInner::Local { connection, .. } => connection,
        }
    }
}

impl DerefMut for ReaderGuard {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            ReaderGuardInner::Pooled(connection) => connection,
            ReaderGuardInner::Local { connection, .. } => connection,
        }
    }
}

/// Where writes go.
#[derive(Debug, Clone)]
enum Writer {
    /// PostgreSQL: the shared pool.
    Pool(AnyPool),
    /// SQLite: the one writer connection.
    Single(Arc<Mutex<SingleWriter>>),
}

/// The writer, held for one statement that commits by itself ([`Db::writer`]). Statements run
/// on it through `&mut *writer` (an [`AnyConnection`]).
#[derive(Debug)]
pub struct WriterGuard {
    inner: WriterGuardInner,
    /// Counts the write as under way (SQLite) until the guard is given back.
    _writing: Option<Writing>,
}

#[derive(Debug)]
enum WriterGuardInner {
    Pooled(sqlx::pool::PoolConnection<Any>),
    Single(OwnedMutexGuard<SingleWriter>),
}

impl Deref for WriterGuard {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            WriterGuardInner::Pooled(connection) => connection,
            WriterGuardInner::Single(writer) => &writer.connection,
        }
    }
}

impl DerefMut for WriterGuard {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            WriterGuardInner::Pooled(connection) => connection,
            WriterGuardInner::Single(writer) => &mut writer.connection,
        }
    }
}

/// A write transaction. Its [`commit`](WriteTx::commit) returns once the changes are on disk.
/// Statements run on it through `&mut *tx` (an [`AnyConnection`]). Dropped without a commit, it
/// rolls back.
#[derive(Debug)]
pub struct WriteTx {
    inner: TxInner,
    log: Option<Arc<LogFlusher>>,
    writing: Option<Writing>,
}

#[derive(Debug)]
enum TxInner {
    Pooled(Transaction<'static, Any>),
    Single(SingleTx),
}

/// The SQLite writer with `BEGIN` run on it; `open` until committed or rolled back.
#[derive(Debug)]
struct SingleTx {
    writer: OwnedMutexGuard<SingleWriter>,
    open: bool,
}

impl Drop for SingleTx {
    fn drop(&mut self) {
        if self.open {
            self.writer.abandoned = true;
        }
    }
}

impl WriteTx {
    /// Commits and waits until the commit is durable.
    ///
    /// # Errors
    /// When the commit or the flush to disk fails.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Self { inner, log, writing } = self;
        match inner {
            TxInner::Pooled(tx) => tx.commit().await?,
            TxInner::Single(mut tx) => {
                sqlx::raw_sql("COMMIT").execute(&mut tx.writer.connection).await?;
                tx.open = false;
            }
        }
        drop(writing);
        match log {
            Some(log) => log.flush().await,
            None => Ok(()),
        }
    }

    /// Rolls back.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.inner {
            TxInner::Pooled(tx) => tx.rollback().await,
            TxInner::Single(mut tx) => {
                sqlx::raw_sql("ROLLBACK").execute(&mut tx.writer.connection).await?;
                tx.open = false;
                Ok(())
            }
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            TxInner::Pooled(tx) => tx,
            TxInner::Single(tx) => &tx.writer.connection,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            TxInner::Pooled(tx) => tx,
            TxInner::Single(tx) => &mut tx.writer.connection,
        }
    }
}

/// Longest wait for a connection (or for the SQLite writer).
const CONNECTION_WAIT: Duration = Duration::from_secs(10);

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
        let mut writer = db.writer().await.with_context(|| format!("opening database {shown}"))?;
        migrator.run(&mut *writer).await.with_context(|| format!("migrating database {shown}"))?;
        drop(writer);
        // The migrations created the log beside the database: make both names and the schema durable.
        if let Some(path) = sqlite_path(url) {
            sync_directory_of(std::path::Path::new(path))
                .with_context(|| format!("syncing the directory of {shown}"))?;
        }
        db.durable().await.with_context(|| format!("flushing database {shown}"))?;
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
        // Connections to a local file are kept for the life of the process: the log then stays
        // the same file from start to end, and its directory entry is synced once.
        let connection = open_sqlite(&options).await?;
        let writer =
            Writer::Single(Arc::new(Mutex::new(SingleWriter { connection, abandoned: false })));
        let reader = Reader::Local(Arc::new(Readers::new(options)));
        let log = match sqlite_path(url) {
            Some(path) => Some(Arc::new(LogFlusher::start(PathBuf::from(format!("{path}-wal")))?)),
            None => None,
        };
        Ok(Self { backend: Backend::Sqlite, reader, writer, log })
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
        tokio::spawn(report_pool(pool.clone()));
        Ok(Self {
            backend: Backend::Postgres,
            reader: Reader::Pool(pool.clone()),
            writer: Writer::Pool(pool),
            log: None,
        })
    }

    /// Returns the backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns a connection for reads (on SQLite one of the reader connections, which never see
    /// an uncommitted write).
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn reader(&self) -> Result<ReaderGuard, sqlx::Error> {
        match &self.reader {
            Reader::Pool(pool) => Ok(ReaderGuard(ReaderGuardInner::Pooled(pool.acquire().await?))),
            Reader::Local(readers) => readers.acquire().await,
        }
    }

    /// Returns the writer, for a write of one statement that commits by itself: on SQLite that is
    /// one hand-off to the connection's thread instead of three for `BEGIN`, the statement and
    /// `COMMIT`. Follow it with [`Db::durable`] before acknowledging the write, unless losing it
    /// to a power cut is harmless (a lease, a mark that only saves repeating idempotent work).
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn writer(&self) -> Result<WriterGuard, sqlx::Error> {
        match &self.writer {
            Writer::Pool(pool) => {
                let inner = WriterGuardInner::Pooled(pool.acquire().await?);
                Ok(WriterGuard { inner, _writing: None })
            }
            Writer::Single(single) => {
                let (writer, writing) = self.single_writer(single).await?;
                Ok(WriterGuard { inner: WriterGuardInner::Single(writer), _writing: writing })
            }
        }
    }

    /// Waits until everything committed before the call is on disk (a no-op on PostgreSQL,
    /// whose commits are durable when they return).
    ///
    /// # Errors
    /// When the flush fails.
    pub async fn durable(&self) -> Result<(), sqlx::Error> {
        match &self.log {
            Some(log) => log.flush().await,
            None => Ok(()),
        }
    }

    /// Starts a write transaction.
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let started = std::time::Instant::now();
        let (inner, writing) = match &self.writer {
            Writer::Pool(pool) => (TxInner::Pooled(pool.begin().await?), None),
            Writer::Single(single) => {
                let (writer, writing) = self.single_writer(single).await?;
                // Open from here: should this future be dropped with `BEGIN` sent, the next user
                // rolls back. Only this connection writes, so the write lock is taken at once.
                let mut tx = SingleTx { writer, open: true };
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut tx.writer.connection).await?;
                (TxInner::Single(tx), writing)
            }
        };
        metrics::histogram!("db_begin_seconds").record(started.elapsed().as_secs_f64());
        Ok(WriteTx { inner, log: self.log.clone(), writing })
    }

    /// Takes SQLite's writer, rolled back from whatever a previous user abandoned, and counts the
    /// write as under way from the wait on, so that a flush meanwhile can wait for it.
    async fn single_writer(
        &self,
        single: &Arc<Mutex<SingleWriter>>,
    ) -> Result<(OwnedMutexGuard<SingleWriter>, Option<Writing>), sqlx::Error> {
        let writing = self.log.as_ref().map(|log| log.writing());
        let mut writer = lock_writer(single).await?;
        writer.clean().await?;
        Ok((writer, writing))
    }

    /// Tells whether the database answers a trivial query within a second and can still make
    /// writes durable (no flush of SQLite's log has failed).
    pub async fn ping(&self) -> bool {
        if self.log.as_ref().is_some_and(|log| log.failed()) {
            return false;
        }
        let query = async { sqlx::query("SELECT 1").execute(&mut *self.reader().await?).await };
        matches!(tokio::time::timeout(Duration::from_secs(1), query).await, Ok(Ok(_)))
    }

    /// Closes the connections.
    pub async fn close(&self) {
        match &self.writer {
            Writer::Pool(pool) => pool.close().await,
            // The connection closes with the last handle; a checkpoint now leaves a short log.
            Writer::Single(single) => {
                if let Ok(mut writer) = lock_writer(single).await
                    && writer.clean().await.is_ok()
                {
                    let _ = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)")
                        .execute(&mut writer.connection)
                        .await;
                }
            }
        }
        if let Reader::Pool(pool) = &self.reader {
            pool.close().await;
        }
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

/// Publishes a PostgreSQL pool's connections in use and idle (`db_pool_connections{state}`) every
/// five seconds, until the pool is closed.
async fn report_pool(pool: AnyPool) {
    let mut interval = tokio::time::interval(Duration::from_secs(5));
    while !pool.is_closed() {
        interval.tick().await;
        let size = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(size);
        metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
        metrics::gauge!("db_pool_connections", "state" => "in_use")
            .set(f64::from(size.saturating_sub(idle)));
    }
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
