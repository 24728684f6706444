//! WAL checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages:
//! that commit (a post, say) waits while the checkpoint copies the WAL into the database file
//! and fsyncs it, about once a second at 100 posts a second, 4–6 ms against 0.3–1 ms for a
//! commit (docs/benchmarks.md, "Session 7"). Instead the writer's connection reports the WAL's
//! length after each commit (a WAL hook, which also turns the automatic checkpoint off) and
//! past [`SOFT_PAGES`] wakes a checkpointer thread with a connection of its own, which runs a
//! `PASSIVE` checkpoint: it waits for no one and no one waits for it. The writer restarts the
//! WAL from its beginning at its next transaction once a checkpoint has copied all of it, so
//! the WAL stays about [`SOFT_PAGES`] long. Should it still reach [`HARD_PAGES`] (the
//! checkpointer cannot keep up, or a long read such as a backup holds the WAL), the writer
//! checkpoints inside the commit as SQLite would have, so the WAL stays bounded.

use std::ffi::c_int;
use std::path::Path;
use std::sync::mpsc;

use rusqlite::hooks::Wal;
use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use crate::config::Synchronous;

/// WAL pages after which the checkpointer is woken (SQLite's own automatic threshold).
pub(super) const SOFT_PAGES: c_int = 1000;
/// WAL pages after which the writer checkpoints itself, inside the commit (40 MiB with
/// 4 KiB pages).
pub(super) const HARD_PAGES: c_int = 10_000;

/// Wakes the checkpointer thread; it stops once every handle (the writer connection's hook
/// included) is dropped.
pub(super) struct Checkpointer {
    wake: mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// Starts the checkpointer thread on a connection of its own to `path`.
    pub(super) fn start(path: &Path, sync: Synchronous) -> Result<Checkpointer, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = super::open(path, flags, sync)?;
        // One pending wake-up is enough: a checkpoint copies everything committed before it.
        let (wake, rx) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("spectrus-db-checkpoint".into())
            .spawn(move || run(&conn, &rx))
            .map_err(|e| StoreError::Writer(e.to_string()))?;
        Ok(Checkpointer { wake })
    }

    /// Reports the WAL's length from the writer's connection `conn` after each commit, in
    /// place of SQLite's automatic checkpoint.
    pub(super) fn attach(&self, conn: &mut Connection) -> Result<(), StoreError> {
        let wake = self.wake.clone();
        conn.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
            if pages >= HARD_PAGES {
                // What SQLite's automatic checkpoint does; its failure (busy) is not the
                // commit's, which has happened: an error here would report it failed.
                if let Err(e) = wal.checkpoint() {
                    tracing::debug!(error = %e, pages, "inline WAL checkpoint did not run");
                }
            } else if pages >= SOFT_PAGES {
                let _ = wake.try_send(());
            }
            Ok(())
        }))?;
        Ok(())
    }
}

fn run(conn: &Connection, rx: &mpsc::Receiver<()>) {
    while rx.recv().is_ok() {
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        });
        match done {
            Ok((log, copied)) => tracing::trace!(log, copied, "WAL checkpoint"),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::Store;
    use super::*;

    fn wal_pages(db: &Path) -> u64 {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len() / 4096).unwrap_or(0)
    }

    /// 3,000 commits of a few pages each would make a WAL of well over 6,000 pages without
    /// checkpoints; with the checkpointer it is restarted near 1,000, and what was written
    /// is all there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_near_the_soft_limit_and_nothing_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let store = Store::open(&db, 1, Synchronous::Normal).unwrap();
        store
            .write(|c| -> Result<(), StoreError> {
                c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")?;
                Ok(())
            })
            .await
            .unwrap();
        let mut most = 0;
        for i in 0..3000_i64 {
            store
                .write(move |c| -> Result<(), StoreError> {
                    c.execute("INSERT INTO t VALUES (?1, ?2)", (i, "x".repeat(600)))?;
                    Ok(())
                })
                .await
                .unwrap();
            most = most.max(wal_pages(&db));
        }
        assert!(most >= 900, "the WAL never grew: {most} pages");
        assert!(most < 2 * SOFT_PAGES as u64, "the WAL grew to {most} pages");
        let n: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 3000);
    }
}
