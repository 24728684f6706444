//! SQLite storage: one writer thread with group commit, a pool of readers.
//!
//! Every write runs on the single writer thread. The writer drains whatever jobs are queued
//! and commits them in one transaction (each job in its own savepoint, so one failing job
//! does not undo the others); a job's caller is answered only after the commit, so an answer
//! means the write is durable. Reads run on a small pool of read-only connections in
//! `spawn_blocking`. WAL mode lets readers and the writer run at once.
//!
//! Durability: `synchronous = FULL` by default: the WAL is fsynced at every commit, so an
//! acknowledged write survives `kill -9` and power loss; group commit amortizes the fsync
//! over every job in the batch. `NORMAL` (configurable) still survives `kill -9` (the WAL is
//! written before the commit returns) but may lose the last commits on power loss.

pub(crate) mod attachments;
pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod bans;
pub(crate) mod channels;
pub(crate) mod disk;
pub(crate) mod dms;
pub(crate) mod emojis;
pub(crate) mod files;
pub(crate) mod invites;
pub(crate) mod license;
pub mod members;
pub mod messages;
pub(crate) mod plugins;
pub(crate) mod roles;
pub mod search;
pub(crate) mod settings;
pub(crate) mod tokens;
pub(crate) mod users;
pub(crate) mod voice;

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::config::Synchronous;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// A storage failure, named for what failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A statement failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The schema migrations could not run (at startup).
    #[error("migration failed: {0}")]
    Migration(String),
    /// The writer could not open its batch transaction (`BEGIN`); the text says why.
    #[error("cannot begin a database transaction: {0}")]
    Begin(String),
    /// The batch's `COMMIT` failed (a full disk, say): none of its writes happened.
    #[error("database commit failed: {0}")]
    Commit(String),
    /// The writer thread could not start.
    #[error("cannot start the writer thread: {0}")]
    Writer(String),
    /// A file operation failed (backups).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The database cannot be written now: the disk is full, the file system is read-only,
    /// or an I/O error; the text says which.
    #[error("{0}")]
    Unwritable(String),
    /// The writer or a reader is gone (shutting down).
    #[error("the database is closed")]
    Closed,
}

impl StoreError {
    /// Whether this failure is the disk's (full, read-only, I/O), not the request's: the
    /// database will take writes again once the operator fixes the disk.
    pub(crate) fn is_unwritable(&self) -> bool {
        match self {
            StoreError::Unwritable(_) | StoreError::Begin(_) | StoreError::Commit(_) => true,
            StoreError::Sqlite(e) => disk::is_unwritable(e),
            _ => false,
        }
    }
}

/// What the writer answers a job: the job's own result (boxed, with whether it succeeded),
/// or why the transaction around it failed.
type Outcome = Result<Box<dyn Any + Send>, StoreError>;

/// A job's body: runs on the writer's connection; `true` when it succeeded (its savepoint is
/// kept), with its result boxed.
type Run = Box<dyn FnOnce(&Connection) -> (bool, Box<dyn Any + Send>) + Send>;

struct Job {
    run: Run,
    reply: oneshot::Sender<Outcome>,
    /// Runs outside any transaction (checkpoints), after the batch before it commits.
    outside_tx: bool,
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: mpsc::UnboundedSender<Job>,
    readers: Arc<ReaderPool>,
    path: PathBuf,
    /// When the last write probe succeeded, and [`Store::failed_batches`] then (readiness
    /// checks share it; see [`Store::probe_write_shared`]).
    last_probe: Arc<tokio::sync::Mutex<Option<(std::time::Instant, u64)>>>,
    /// Batches the writer failed as a whole, since start.
    failed_batches: Arc<std::sync::atomic::AtomicU64>,
}

struct ReaderPool {
    conns: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

/// Opens `path` with the pragmas every connection needs.
fn open(path: &Path, flags: OpenFlags, sync: Synchronous) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(
        None,
        "synchronous",
        match sync {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        },
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    // Query-planner stability: a cached statement keeps its plan whatever values are bound.
    // Without it SQLite re-prepares (parses and plans again) a statement on each execution
    // whose parameters fed the planner, which was a third of the readers' time per post.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

/// What the writer reports to `/metrics` (no-op handles when metrics are off).
#[derive(Clone)]
pub struct StoreMetrics {
    /// Time of each batch, `BEGIN` to `COMMIT` (fsync included).
    pub commit_seconds: metrics::Histogram,
    /// Batches that failed as a whole.
    pub failures: metrics::Counter,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        StoreMetrics {
            commit_seconds: metrics::Histogram::noop(),
            failures: metrics::Counter::noop(),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, runs migrations, starts the writer.
    pub fn open(path: &Path, readers: usize, sync: Synchronous) -> Result<Store, StoreError> {
        Self::open_observed(path, readers, sync, StoreMetrics::default())
    }

    /// [`Store::open`], with the writer reporting to `metrics`.
    pub fn open_observed(
        path: &Path,
        readers: usize,
        sync: Synchronous,
        metrics: StoreMetrics,
    ) -> Result<Store, StoreError> {
        let mut conn = open_writer(path, sync)?;
        if let Err(e) = embedded::migrations::runner().run(&mut conn) {
            // Name the disk when it is the cause, not just "commit failed".
            let dir = path.parent().unwrap_or(Path::new("."));
            if let Err(io) = disk::probe_dir(dir) {
                return Err(StoreError::Unwritable(format!(
                    "schema migration failed: {} cannot be written: {}",
                    dir.display(),
                    disk::describe_io(&io)
                )));
            }
            return Err(StoreError::Migration(e.to_string()));
        }
        let mut pool = Vec::with_capacity(readers);
        for _ in 0..readers {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            pool.push(open(path, flags, sync)?);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let failed_batches = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let writer = Writer {
            failed_batches: failed_batches.clone(),
            conn,
            path: path.to_owned(),
            sync,
            needs_reopen: false,
            metrics,
        };
        std::thread::Builder::new()
            .name("spectrus-db-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| StoreError::Writer(e.to_string()))?;
        Ok(Store {
            writer: tx,
            readers: Arc::new(ReaderPool {
                conns: Mutex::new(pool),
                permits: Semaphore::new(readers),
            }),
            path: path.to_owned(),
            last_probe: Arc::default(),
            failed_batches,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` inside the writer's transaction; answers after the commit. `f` refuses with
    /// the caller's own error type (a rule it checked), or any [`StoreError`]; either way its
    /// writes are undone and the other jobs of the batch are unaffected.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.submit(f, false).await
    }

    async fn submit<T, E, F>(&self, f: F, outside_tx: bool) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            run: Box::new(move |c| {
                let r = f(c);
                (r.is_ok(), Box::new(r) as Box<dyn Any + Send>)
            }),
            reply,
            outside_tx,
        };
        self.writer.send(job).map_err(|_| StoreError::Closed)?;
        let any = rx.await.map_err(|_| StoreError::Closed)??;
        match any.downcast::<Result<T, E>>() {
            Ok(r) => *r,
            Err(_) => Err(StoreError::Closed.into()),
        }
    }

    /// Runs `f` on a read connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Closed)?;
        let conn = self
            .readers
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .ok_or(StoreError::Closed)?;
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let out = f(&conn);
            pool.conns
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            out
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// Proves the database takes writes now: one small committed (fsynced) write through
    /// the writer, like any request's. The readiness check calls it.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        self.write(|c| -> Result<(), StoreError> {
            let now = crate::domain::time::now_ms().to_string();
            settings::set(c, "health_probe", Some(&now))
        })
        .await
    }

    /// [`Store::probe_write`], shared: a success younger than `max_age`, with no failed
    /// write since, answers without a new write, and concurrent callers wait for one probe,
    /// so a flood of readiness checks costs at most one fsync per `max_age`. A failure is
    /// never reused.
    pub async fn probe_write_shared(&self, max_age: std::time::Duration) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut last = self.last_probe.lock().await;
        let failed = self.failed_batches.load(Relaxed);
        if last.is_some_and(|(at, f)| at.elapsed() < max_age && f == failed) {
            return Ok(());
        }
        self.probe_write().await?;
        *last = Some((std::time::Instant::now(), self.failed_batches.load(Relaxed)));
        Ok(())
    }

    /// Checkpoints the WAL into the main file (on shutdown and before backups).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        self.submit(
            |c| {
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                Ok(())
            },
            true,
        )
        .await
    }
}

const MAX_BATCH: usize = 256;

/// Opens the writer's connection: read-write, WAL. SQLite silently opens a file it cannot
/// write read-only; that is refused here, so a read-only database is an error at once.
fn open_writer(path: &Path, sync: Synchronous) -> Result<Connection, StoreError> {
    let conn = open(path, OpenFlags::default(), sync)?;
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(StoreError::Unwritable(format!(
            "{} can only be opened read-only (read-only file system or permissions)",
            path.display()
        )));
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| StoreError::Unwritable(disk::describe_sqlite(&e)))?;
    Ok(conn)
}

/// The writer thread's state: its connection, and what it needs to open a new one when the
/// disk failed under it (full, read-only, I/O error), so writes resume by themselves once
/// the disk is fixed, without a restart.
struct Writer {
    conn: Connection,
    path: PathBuf,
    sync: Synchronous,
    /// The last batch failed because of the disk: reopen before the next one.
    needs_reopen: bool,
    metrics: StoreMetrics,
    failed_batches: Arc<std::sync::atomic::AtomicU64>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::UnboundedReceiver<Job>) {
        let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
        let mut pending: Option<Job> = None;
        loop {
            let first = match pending.take() {
                Some(job) => job,
                None => match rx.blocking_recv() {
                    Some(job) => job,
                    None => break,
                },
            };
            self.reopen_if_needed();
            if first.outside_tx {
                let (_, r) = (first.run)(&self.conn);
                let _ = first.reply.send(Ok(r));
                continue;
            }
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) if job.outside_tx => {
                        pending = Some(job);
                        break;
                    }
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let started = std::time::Instant::now();
            let result = run_batch(&self.conn, &mut batch);
            self.metrics
                .commit_seconds
                .record(started.elapsed().as_secs_f64());
            match result {
                Ok(()) => {
                    if self.needs_reopen {
                        tracing::info!("database writes succeed again");
                        self.needs_reopen = false;
                    }
                }
                Err(e) => {
                    self.metrics.failures.increment(1);
                    self.failed_batches
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.needs_reopen = e.is_unwritable();
                }
            }
        }
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }

    /// After a disk failure: a new connection, when one can be opened read-write (the old
    /// one may have fallen back to read-only or kept a failed file handle).
    fn reopen_if_needed(&mut self) {
        if !self.needs_reopen {
            return;
        }
        match open_writer(&self.path, self.sync) {
            Ok(conn) => {
                tracing::info!(path = %self.path.display(), "reopened the database after a write failure");
                self.conn = conn;
            }
            Err(e) => tracing::warn!(error = %e, "cannot reopen the database yet"),
        }
    }
}

/// Runs one batch in one transaction. An error means the whole batch failed (every job was
/// answered with it); a job refused by its own rule is not an error here.
fn run_batch(conn: &Connection, batch: &mut Vec<Job>) -> Result<(), StoreError> {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let msg = disk::describe_sqlite(&e);
        tracing::error!(
            writes = batch.len(),
            "database writes refused: cannot begin a transaction: {msg}"
        );
        for job in batch.drain(..) {
            let _ = job.reply.send(Err(StoreError::Begin(msg.clone())));
        }
        return Err(StoreError::Begin(msg));
    }
    let mut results: Vec<(oneshot::Sender<Outcome>, Outcome)> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let result = match conn.execute_batch("SAVEPOINT job") {
            Ok(()) => {
                let (ok, r) = (job.run)(conn);
                let end = if ok {
                    "RELEASE job"
                } else {
                    "ROLLBACK TO job; RELEASE job"
                };
                match conn.execute_batch(end) {
                    Ok(()) => Ok(r),
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        };
        results.push((job.reply, result));
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for (reply, r) in results {
                let _ = reply.send(r);
            }
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            let msg = disk::describe_sqlite(&e);
            tracing::error!(
                writes = results.len(),
                "database commit failed, writes refused: {msg}"
            );
            for (reply, _) in results {
                let _ = reply.send(Err(StoreError::Commit(msg.clone())));
            }
            Err(StoreError::Commit(msg))
        }
    }
}

/// Reads a JSON permission list column.
pub(crate) fn perms_from_json(s: &str) -> spectrus_proto::permissions::PermissionSet {
    serde_json::from_str(s).unwrap_or_default()
}

/// Maps `QueryReturnedNoRows` to `None`.
pub(crate) fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>, StoreError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
