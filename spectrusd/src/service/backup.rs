//! Online backups: a consistent copy of the live database while the daemon keeps serving.
//!
//! The copy runs on a read connection that holds one read transaction (a WAL snapshot) for
//! the whole copy, so writers keep committing and the backup never restarts; it proceeds in
//! small steps, yielding between them. It is written to `PATH.tmp`, fsynced, then renamed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use spectrus_proto::admin::BackupResult;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;

/// Pages copied per step.
const PAGES_PER_STEP: std::ffi::c_int = 256;

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
    let copied = state.store.read(move |c| copy(c, &tmp2)).await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(match e {
            StoreError::Sqlite(e) => {
                ApiError::InvalidBody(format!("cannot write the backup to {path}: {e}"))
            }
            other => other.into(),
        });
    }
    let bytes = finish(&tmp, &dest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ApiError::Internal(format!("finishing the backup {path}: {e}"))
    })?;
    tracing::info!(path, bytes, "backup written");
    Ok(BackupResult { path, bytes })
}

/// The copy itself, on a read connection.
fn copy(src: &Connection, tmp: &Path) -> Result<(), StoreError> {
    let mut out = Connection::open(tmp)?;
    // One snapshot for the whole copy: other connections' commits do not restart it.
    src.execute_batch("BEGIN DEFERRED")?;
    let result = (|| -> Result<(), StoreError> {
        src.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        let b = rusqlite::backup::Backup::new(src, &mut out)?;
        loop {
            match b.step(PAGES_PER_STEP)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => std::thread::yield_now(),
                rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(5))
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
