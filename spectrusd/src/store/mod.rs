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

pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod bans;
pub(crate) mod channels;
pub(crate) mod invites;
pub mod members;
pub mod messages;
pub(crate) mod roles;
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
    /// The writer could not open its batch transaction (`BEGIN`).
    #[error("cannot begin a transaction: {0}")]
    Begin(String),
    /// The batch's `COMMIT` failed (a full disk, say): none of its writes happened.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The writer thread could not start.
    #[error("cannot start the writer thread: {0}")]
    Writer(String),
    /// A file operation failed (backups).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The writer or a reader is gone (shutting down).
    #[error("the database is closed")]
    Closed,
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

impl Store {
    /// Opens (creating if needed) the database at `path`, runs migrations, starts the writer.
    pub fn open(path: &Path, readers: usize, sync: Synchronous) -> Result<Store, StoreError> {
        let mut conn = open(path, OpenFlags::default(), sync)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let mut pool = Vec::with_capacity(readers);
        for _ in 0..readers {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            pool.push(open(path, flags, sync)?);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("spectrus-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Writer(e.to_string()))?;
        Ok(Store {
            writer: tx,
            readers: Arc::new(ReaderPool {
                conns: Mutex::new(pool),
                permits: Semaphore::new(readers),
            }),
            path: path.to_owned(),
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

fn writer_loop(conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>) {
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
        if first.outside_tx {
            let (_, r) = (first.run)(&conn);
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
        run_batch(&conn, &mut batch);
    }
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

fn run_batch(conn: &Connection, batch: &mut Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let msg = e.to_string();
        for job in batch.drain(..) {
            let _ = job.reply.send(Err(StoreError::Begin(msg.clone())));
        }
        return;
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
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            let msg = e.to_string();
            for (reply, _) in results {
                let _ = reply.send(Err(StoreError::Commit(msg.clone())));
            }
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
