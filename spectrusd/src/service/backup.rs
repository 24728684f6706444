//! Online backups: a consistent copy of the live database while the daemon keeps serving.
//!
//! The copy runs on a connection of its own (not one of the store's readers), read-only,
//! holding one read transaction (a WAL snapshot) for the whole copy: the writer keeps
//! committing and is never waited for, and the backup never restarts. It copies
//! [`PAGES_PER_STEP`] pages at a time and then rests twice as long as the step took (at
//! least [`PAUSE`]), so it takes at most a third of a core and of the disk; every
//! [`SYNC_EVERY_STEPS`] steps it flushes what it wrote (`fdatasync` of the copy), so the disk
//! never holds more than a couple of MiB of backup data in its queue. Without that, a 1 GiB copy
//! left 1 GiB of dirty pages for one final flush, and the posts' WAL fsyncs queued behind it
//! (posting p99 went from 36 ms to 336 ms at 1,000 posts/s, `docs/benchmarks.md`). The copy
//! is written to `PATH.tmp` (no journal, no fsync of its own: this code syncs it), fsynced,
//! then renamed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use spectrus_proto::admin::BackupResult;

use crate::error::ApiError;
use crate::state::AppState;

/// Pages copied per step (1 MiB with the default 4 KiB pages).
pub const PAGES_PER_STEP: std::ffi::c_int = 256;
/// Steps between two flushes of the copy (2 MiB with 4 KiB pages).
pub const SYNC_EVERY_STEPS: u32 = 2;
/// The shortest rest after a step: lets the writer's fsyncs reach the disk between ours.
pub const PAUSE: Duration = Duration::from_millis(1);

/// Copies the database to `path` (absolute, not existing yet).
pub async fn backup(state: &AppState, path: String) -> Result<BackupResult, ApiError> {
    let dest = PathBuf::from(&path);
    if !dest.is_absolute() {
        return Err(ApiError::field("path", "must be an absolute path"));
    }
    if dest.exists() {
        return Err(ApiError::Conflict(format!("{path} already exists")));
    }
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let tmp2 = tmp.clone();
    let src = state.store.path().to_owned();
    let copied = tokio::task::spawn_blocking(move || copy(&src, &tmp2))
        .await
        .map_err(|e| ApiError::Internal(format!("the backup task failed: {e}")))?;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(ApiError::InvalidBody(format!(
            "cannot write the backup to {path}: {e}"
        )));
    }
    let bytes = finish(&tmp, &dest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ApiError::Internal(format!("finishing the backup {path}: {e}"))
    })?;
    tracing::info!(path, bytes, "backup written");
    Ok(BackupResult { path, bytes })
}

/// The copy itself, on a read-only connection of its own to `src`.
fn copy(src: &Path, tmp: &Path) -> Result<(), CopyError> {
    let src = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(Duration::from_secs(5))?;
    let mut out = Connection::open(tmp)?;
    // A temporary file: no journal, no fsync by SQLite (`flush` and `finish` sync it), and a
    // small cache so copied pages reach the file as they come.
    out.pragma_update(None, "journal_mode", "OFF")?;
    out.pragma_update(None, "synchronous", "OFF")?;
    out.pragma_update(None, "cache_size", -2048)?;
    let file = std::fs::OpenOptions::new().write(true).open(tmp)?;
    // One snapshot for the whole copy: other connections' commits do not restart it.
    src.execute_batch("BEGIN DEFERRED")?;
    let result = (|| -> Result<(), CopyError> {
        src.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        let b = rusqlite::backup::Backup::new(&src, &mut out)?;
        let mut steps = 0u32;
        loop {
            let started = Instant::now();
            match b.step(PAGES_PER_STEP)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {
                    steps += 1;
                    if steps.is_multiple_of(SYNC_EVERY_STEPS) {
                        file.sync_data()?;
                    }
                    // A third of the time at most: rest twice as long as the step (and its
                    // flush) took.
                    std::thread::sleep((started.elapsed() * 2).max(PAUSE));
                }
                _ => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        Ok(())
    })();
    let _ = src.execute_batch("COMMIT");
    result?;
    drop(out);
    Ok(())
}

/// Why a copy failed (reported with the path: usually a path the daemon cannot write).
#[derive(Debug, thiserror::Error)]
enum CopyError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// fsyncs the copy, renames it into place, fsyncs the directory; returns the size.
fn finish(tmp: &Path, dest: &Path) -> std::io::Result<u64> {
    let f = std::fs::File::open(tmp)?;
    f.sync_all()?;
    let bytes = f.metadata()?.len();
    std::fs::rename(tmp, dest)?;
    if let Some(dir) = dest.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(bytes)
}
