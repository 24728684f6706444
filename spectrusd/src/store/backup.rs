//! Online backups: a consistent copy of the live database while the daemon keeps serving.
//!
//! The copy runs on a connection of its own (not one of the store's readers), read-only,
//! holding one read transaction (a WAL snapshot) for the whole copy: the writer keeps
//! committing and is never waited for, and the backup never restarts. It copies
//! [`PAGES_PER_STEP`] pages (256 KiB) at a time, writes them out at once and waits for them
//! (`sync_file_range`), then rests twice as long as the step took (at least [`PAUSE`]), so it
//! takes at most a third of a core and of the disk, and the disk never has more than one
//! step of backup data queued ahead of the posts' WAL fsyncs. Measured with kernel traces
//! (`docs/benchmarks.md`): on a quiet machine a WAL fsync that waited behind the backup's
//! writes took about 1 ms at p99 this way, against 3.5 ms when the copy was flushed with
//! `fdatasync` every 2 MiB (and 2.5 ms with 1 MiB steps); without any flushing, a 1 GiB copy
//! left 1 GiB of dirty pages for one final flush and posting p99 went from 36 ms to 336 ms.
//! The copy is written to `PATH.tmp` (no journal, no fsync of its own: this code writes it
//! out), fsynced (data, size and the device cache), then renamed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::Store;

/// Pages copied, then written out, per step (256 KiB with the default 4 KiB pages). In the
/// measurements 1 MiB steps delayed the WAL fsyncs queued behind them more, and 128 KiB
/// steps did no better than 256 KiB but made the copy a third slower.
pub(crate) const PAGES_PER_STEP: std::ffi::c_int = 64;
/// The shortest rest after a step: lets the writer's fsyncs reach the disk between ours.
pub(crate) const PAUSE: Duration = Duration::from_millis(1);

/// Why a backup failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The copy could not be written (usually a path the daemon cannot write).
    #[error("{0}")]
    Copy(#[from] CopyError),
    /// The copy was written but could not be made durable or renamed into place.
    #[error("{0}")]
    Finish(std::io::Error),
    /// The copying task died.
    #[error("the backup task failed: {0}")]
    Task(String),
}

impl Store {
    /// Copies the database to `dest` (through `dest.tmp`, renamed when complete and
    /// durable); answers its size in bytes.
    pub async fn backup(&self, dest: &Path) -> Result<u64, BackupError> {
        let mut tmp = dest.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        let tmp2 = tmp.clone();
        let src = self.path().to_owned();
        let copied = tokio::task::spawn_blocking(move || copy(&src, &tmp2))
            .await
            .map_err(|e| BackupError::Task(e.to_string()))?;
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        finish(&tmp, dest).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            BackupError::Finish(e)
        })
    }
}

/// The copy itself, on a read-only connection of its own to `src`.
fn copy(src: &Path, tmp: &Path) -> Result<(), CopyError> {
    let src = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(Duration::from_secs(5))?;
    // The copy holds password hashes and every message: only the daemon's user may read it.
    // Created here, 0600, before SQLite opens it (SQLite would use the umask).
    create_private(tmp)?;
    let mut out = Connection::open(tmp)?;
    // A temporary file: no journal, no fsync by SQLite (`write_out` and `finish` do it), and
    // a small cache so copied pages reach the file as they come.
    out.pragma_update(None, "journal_mode", "OFF")?;
    out.pragma_update(None, "synchronous", "OFF")?;
    out.pragma_update(None, "cache_size", -2048)?;
    let file = std::fs::OpenOptions::new().write(true).open(tmp)?;
    // One snapshot for the whole copy: other connections' commits do not restart it.
    src.execute_batch("BEGIN DEFERRED")?;
    let result = (|| -> Result<(), CopyError> {
        src.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        let b = rusqlite::backup::Backup::new(&src, &mut out)?;
        loop {
            let started = Instant::now();
            match b.step(PAGES_PER_STEP)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {
                    write_out(&file)?;
                    // A third of the time at most: rest twice as long as the step (and its
                    // writing out) took.
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

/// Creates the empty file `path`, readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop)
}

/// Writes the copy's dirty pages to the disk and waits for them (the step just copied: the
/// earlier ones were written out after their own steps). Unlike `fdatasync` it neither
/// writes metadata nor flushes the device cache: `finish` does that once, at the end.
#[cfg(target_os = "linux")]
fn write_out(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: `file` is open for the whole call; offset 0 and length 0 mean the whole file,
    // and the flags are a valid combination; sync_file_range reads no memory of ours.
    let r = unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            0,
            0,
            libc::SYNC_FILE_RANGE_WAIT_BEFORE
                | libc::SYNC_FILE_RANGE_WRITE
                | libc::SYNC_FILE_RANGE_WAIT_AFTER,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Writes the copy's dirty pages to the disk (no `sync_file_range` here: `fdatasync`).
#[cfg(not(target_os = "linux"))]
fn write_out(file: &std::fs::File) -> std::io::Result<()> {
    file.sync_data()
}

/// Why a copy failed (usually a path the daemon cannot write).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
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
