//! SQLite's connections, held by the platform rather than an sqlx pool (a pool pings every
//! connection given back, which for SQLite is a hand-off to the connection's thread and back), and
//! its group commit (see the parent module).

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::Duration,
};

use sqlx::{AnyConnection, Connection as _, any::AnyConnectOptions};
use tokio::sync::{Mutex, OwnedMutexGuard, Semaphore, oneshot};

use super::{CONNECTION_WAIT, ReaderGuard, ReaderGuardInner};

/// Set on every SQLite connection. WAL lets readers run beside the writer. NORMAL leaves the
/// flush of each commit to the group commit (see the parent module), which makes it as
/// durable as FULL would before acknowledging it.
const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA foreign_keys = ON",
];

/// SQLite's reader connections: a slot each, and a permit per slot, so that whoever holds a
/// permit finds a free slot.
#[derive(Debug)]
pub(super) struct Readers {
    options: AnyConnectOptions,
    slots: Vec<Arc<Mutex<Option<AnyConnection>>>>,
    permits: Arc<Semaphore>,
}

/// SQLite reader connections per process.
const READERS: usize = 4;

impl Readers {
    pub(super) fn new(options: AnyConnectOptions) -> Self {
        Self {
            options,
            slots: (0..READERS).map(|_| Arc::new(Mutex::new(None))).collect(),
            permits: Arc::new(Semaphore::new(READERS)),
        }
    }

    pub(super) async fn acquire(&self) -> Result<ReaderGuard, sqlx::Error> {
        let permit = tokio::time::timeout(CONNECTION_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut slot = self
            .slots
            .iter()
            .find_map(|slot| slot.clone().try_lock_owned().ok())
            .ok_or(sqlx::Error::PoolTimedOut)?;
        if slot.is_none() {
            *slot = Some(open_sqlite(&self.options).await?);
        }
        let connection =
            OwnedMutexGuard::try_map(slot, Option::as_mut).map_err(|_| sqlx::Error::PoolClosed)?;
        Ok(ReaderGuard(ReaderGuardInner::Local { connection, _permit: permit }))
    }
}

/// Opens a SQLite connection with [`SQLITE_PRAGMAS`].
pub(super) async fn open_sqlite(options: &AnyConnectOptions) -> Result<AnyConnection, sqlx::Error> {
    let mut connection = AnyConnection::connect_with(options).await?;
    for pragma in SQLITE_PRAGMAS {
        sqlx::raw_sql(pragma).execute(&mut connection).await?;
    }
    Ok(connection)
}

/// SQLite's writer connection, and whether a transaction was abandoned on it (dropped without
/// commit or rollback: the next user rolls it back before anything else).
#[derive(Debug)]
pub(super) struct SingleWriter {
    pub(super) connection: AnyConnection,
    pub(super) abandoned: bool,
}

impl SingleWriter {
    /// Rolls back a transaction left open, if any.
    pub(super) async fn clean(&mut self) -> Result<(), sqlx::Error> {
        if self.abandoned {
            // An abandoned commit may have gone through after all: then there is nothing to
            // roll back, and SQLite says so.
            if let Err(error) = sqlx::raw_sql("ROLLBACK").execute(&mut self.connection).await
                && !error.to_string().contains("no transaction is active")
            {
                return Err(error);
            }
            self.abandoned = false;
        }
        Ok(())
    }
}

/// Waits for the SQLite writer as long as a pool would wait for a connection, then gives up.
pub(super) async fn lock_writer(
    single: &Arc<Mutex<SingleWriter>>,
) -> Result<OwnedMutexGuard<SingleWriter>, sqlx::Error> {
    tokio::time::timeout(CONNECTION_WAIT, single.clone().lock_owned())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)
}

/// Group commit for SQLite: a thread that `fsync`s the write-ahead log for every waiter queued
/// before the flush starts, so concurrent commits share one flush.
#[derive(Debug)]
pub(super) struct LogFlusher {
    requests: mpsc::Sender<oneshot::Sender<Result<(), String>>>,
    writes: Arc<AtomicUsize>,
    /// Set for good once a flush failed.
    failed: Arc<AtomicBool>,
}

/// A write on its way (waiting for the writer, or running): it will want a flush soon. Counted
/// from [`LogFlusher::writing`] until dropped.
#[derive(Debug)]
pub(super) struct Writing(Arc<AtomicUsize>);

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How long a flush waits for writes under way to join it. About one short write transaction on
/// a busy machine; PostgreSQL's `commit_delay` does the same.
const GATHER: Duration = Duration::from_micros(250);

impl LogFlusher {
    /// Starts the flushing thread for the log at `path`. The thread ends with the last handle.
    pub(super) fn start(path: PathBuf) -> std::io::Result<Self> {
        let (requests, queue) = mpsc::channel::<oneshot::Sender<Result<(), String>>>();
        let writes = Arc::new(AtomicUsize::new(0));
        let under_way = Arc::clone(&writes);
        let failed = Arc::new(AtomicBool::new(false));
        let failed_flag = Arc::clone(&failed);
        std::thread::Builder::new().name("sqlite-log-sync".to_owned()).spawn(move || {
            // After a failed fsync the kernel may have dropped the dirty pages, so a later fsync
            // that succeeds proves nothing: every flush fails from then on, and the service stops
            // acknowledging writes (and is no longer ready) until it restarts and recovers from
            // what is on disk.
            let mut failure: Option<String> = None;
            while let Ok(first) = queue.recv() {
                let mut waiters: Vec<_> = std::iter::once(first).chain(queue.try_iter()).collect();
                // Writes under way will ask for a flush in a moment: one flush can serve them too.
                if under_way.load(Ordering::Acquire) > 0 {
                    #[allow(
                        clippy::disallowed_methods,
                        reason = "this is the flusher's own thread, not the async runtime"
                    )]
                    std::thread::sleep(GATHER);
                    waiters.extend(queue.try_iter());
                }
                let result = match &failure {
                    Some(error) => Err(error.clone()),
                    None => sync_file(&path).map_err(|error| {
                        let message = format!("flushing {} to disk: {error}", path.display());
                        tracing::error!(error = %message, "database log flush failed; writes are refused until restart");
                        failure = Some(message.clone());
                        failed_flag.store(true, Ordering::Release);
                        message
                    }),
                };
                metrics::histogram!("db_group_commit_size").record(waiters.len() as f64);
                for waiter in waiters {
                    let _ = waiter.send(result.clone());
                }
            }
        })?;
        Ok(Self { requests, writes, failed })
    }

    /// Tells whether a flush has failed (every write is refused from then on).
    pub(super) fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Counts a write on its way until the returned value is dropped.
    pub(super) fn writing(&self) -> Writing {
        self.writes.fetch_add(1, Ordering::AcqRel);
        Writing(Arc::clone(&self.writes))
    }

    /// Waits for a flush that starts after this call: everything committed before it is then on
    /// disk.
    pub(super) async fn flush(&self) -> Result<(), sqlx::Error> {
        let (done, flushed) = oneshot::channel();
        self.requests.send(done).map_err(|_| flusher_gone())?;
        flushed
            .await
            .map_err(|_| flusher_gone())?
            .map_err(|message| sqlx::Error::Io(std::io::Error::other(message)))
    }
}

fn flusher_gone() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other("the database log flusher stopped"))
}

/// `fsync`s a file, opened afresh so that a log SQLite deleted and created again is the one
/// flushed. No file means nothing to flush: SQLite removes the log only after copying it into the
/// database and syncing that.
fn sync_file(path: &Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(file) => file.sync_all(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// Makes the directory entries of a database's files durable (the log is created beside it).
pub(super) fn sync_directory_of(database: &Path) -> std::io::Result<()> {
    let directory = match database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(directory)?.sync_all()
}
