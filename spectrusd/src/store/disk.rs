//! The data directory's file system: can it be written, how much room is left, and what a
//! storage failure means in words an operator can act on.

use std::io::Write;
use std::path::Path;

use rusqlite::ErrorCode;

use super::StoreError;

/// Name of the file written and removed by [`probe_dir`].
const PROBE_FILE: &str = ".spectrus-write-probe";

/// Writes, fsyncs and removes a small file in `dir`: proves the directory is writable and
/// the file system has room for at least one block.
pub(crate) fn probe_dir(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(PROBE_FILE);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        f.write_all(&[0u8; 4096])?;
        f.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    result
}

/// Free bytes on the file system holding `dir`, as an unprivileged process sees them.
pub(crate) fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let st = nix::sys::statvfs::statvfs(dir).map_err(std::io::Error::from)?;
    #[allow(clippy::useless_conversion)] // the field types differ between platforms
    let (avail, frsize) = (
        u64::from(st.blocks_available()),
        u64::from(st.fragment_size()),
    );
    Ok(avail.saturating_mul(frsize))
}

/// An I/O error in words: "read-only file system", "no space left on the device", ...
pub(crate) fn describe_io(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::EROFS) => "read-only file system".into(),
        Some(libc::ENOSPC) => "no space left on the device".into(),
        Some(libc::EDQUOT) => "disk quota exceeded".into(),
        Some(libc::EACCES) | Some(libc::EPERM) => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A SQLite error in words, naming the cause when it is the disk.
pub(crate) fn describe_sqlite(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => "the disk is full (SQLITE_FULL)".into(),
        Some(ErrorCode::ReadOnly) => {
            "the database is read-only (read-only file system or permissions; SQLITE_READONLY)"
                .into()
        }
        Some(ErrorCode::SystemIoFailure) => format!("I/O error writing the database ({e})"),
        Some(ErrorCode::CannotOpen) => format!("cannot open a database file ({e})"),
        _ => e.to_string(),
    }
}

/// Whether `e` means the database cannot be written at the moment (disk full, read-only,
/// I/O error), as opposed to a bad statement.
pub(crate) fn is_unwritable(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            ErrorCode::DiskFull
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure
                | ErrorCode::CannotOpen
        )
    )
}

/// Checks at start that `dir` can be written and has at least `min_free` bytes free; the
/// error says which is wrong.
pub(crate) fn check_at_start(dir: &Path, min_free: u64) -> Result<(), StoreError> {
    if let Err(e) = probe_dir(dir) {
        return Err(StoreError::Unwritable(format!(
            "data directory {} cannot be written: {}",
            dir.display(),
            describe_io(&e)
        )));
    }
    let free = free_bytes(dir)?;
    if free < min_free {
        return Err(StoreError::Unwritable(format!(
            "data directory {} is full: {} free, below storage.min_free_mb = {}",
            dir.display(),
            mib(free),
            min_free / (1024 * 1024)
        )));
    }
    Ok(())
}

/// `n` bytes as MiB with one decimal.
pub(crate) fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_dir_passes_and_a_huge_floor_fails() {
        let dir = tempfile::tempdir().unwrap();
        check_at_start(dir.path(), 0).unwrap();
        assert!(!dir.path().join(PROBE_FILE).exists());
        let e = check_at_start(dir.path(), u64::MAX).unwrap_err();
        assert!(e.to_string().contains("is full"), "{e}");
    }

    #[test]
    fn a_missing_dir_cannot_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_at_start(&dir.path().join("nope"), 0).unwrap_err();
        assert!(e.to_string().contains("cannot be written"), "{e}");
    }
}
