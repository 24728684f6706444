//! A secret the daemon makes once and keeps in its data directory (the JWT secret, the
//! plugin signing key): read it, or make it into a new file only the daemon's user may read
//! (mode 0600). The new secret is written whole to a temporary file beside it and linked
//! into place, which fails when another creator got there first: a daemon starting at the
//! same time on the same directory then reads that one, never a half-written file.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A secret as read or made.
#[derive(Debug)]
pub(crate) struct Secret {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Whether this call made it.
    pub created: bool,
}

/// Reads the secret at `path`, or, when there is no file, writes `make()`'s bytes there
/// (mode 0600) and answers them.
pub(crate) fn read_or_create(
    path: &Path,
    make: impl FnOnce() -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<Secret> {
    if let Some(bytes) = read(path)? {
        return Ok(Secret {
            bytes,
            created: false,
        });
    }
    let bytes = make()?;
    let tmp = temp_path(path);
    let written = write_new(&tmp, &bytes).and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => {
            // The new name is durable too (best effort: the file itself is synced).
            if let Some(dir) = path.parent()
                && let Ok(d) = std::fs::File::open(dir)
            {
                let _ = d.sync_all();
            }
            Ok(Secret {
                bytes,
                created: true,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another creator won the race: its secret is the one.
            let bytes = read(path)?.with_context(|| format!("{} vanished", path.display()))?;
            Ok(Secret {
                bytes,
                created: false,
            })
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// The file's bytes, or `None` when there is no file.
fn read(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// A name beside `path` no other creator uses.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ))
}

/// Writes `bytes` into a new file at `path`, mode 0600, synced.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::read_or_create;

    #[test]
    fn made_once_mode_0600_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let first = read_or_create(&path, || Ok(b"one".to_vec())).unwrap();
        assert!(first.created);
        assert_eq!(first.bytes, b"one");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = read_or_create(&path, || panic!("made twice")).unwrap();
        assert!(!again.created);
        assert_eq!(again.bytes, b"one");
        // Only the secret is left in the directory (no temporary file).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn racing_creators_agree_on_one_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let got: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u8)
                .map(|i| {
                    let path = &path;
                    s.spawn(move || read_or_create(path, || Ok(vec![i; 32])).unwrap().bytes)
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(on_disk.len(), 32);
        assert!(got.iter().all(|b| *b == on_disk), "{got:?}");
    }

    #[test]
    fn a_failure_to_make_the_secret_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let e = read_or_create(&path, || anyhow::bail!("no randomness")).unwrap_err();
        assert_eq!(e.to_string(), "no randomness");
        assert!(!path.exists());
    }
}
