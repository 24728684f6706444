//! File bytes on disk, content-addressed: `<data_dir>/files/ab/cdef…` (the SHA-256 in hex,
//! split after two characters), an image's thumbnail beside it as `…​.thumb`, uploads in
//! progress under `files/tmp/`. An upload is streamed to a temporary file while hashed and
//! renamed into place only when its message is stored; a temporary file nobody committed is
//! removed when its handle drops, so a refused upload leaves nothing behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::domain::image_urls::ImageKind;

/// How many leading bytes are kept for sniffing the content type.
const HEAD_BYTES: usize = 8192;

/// The files directory of a data directory.
#[derive(Debug, Clone)]
pub(crate) struct Blobs {
    root: PathBuf,
    /// Backups in progress: while any runs, unreferenced files are not removed (they stay
    /// listed for the next sweep), so every file the backup's database names is still there
    /// to copy.
    backups: Arc<AtomicUsize>,
}

/// Holds off file removal while a backup copies the files (see [`Blobs::hold`]).
#[derive(Debug)]
pub(crate) struct Hold(Arc<AtomicUsize>);

impl Drop for Hold {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What [`Blobs::copy_into`] copied.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Copied {
    pub files: u64,
    pub bytes: u64,
}

impl Blobs {
    /// The store under `<data_dir>/files`.
    pub(crate) fn new(data_dir: &Path) -> Blobs {
        Blobs {
            root: data_dir.join("files"),
            backups: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Pauses the removal of unreferenced files until the returned guard drops.
    pub(crate) fn hold(&self) -> Hold {
        self.backups.fetch_add(1, Ordering::SeqCst);
        Hold(self.backups.clone())
    }

    /// Whether a backup holds off removals now.
    pub(crate) fn held(&self) -> bool {
        self.backups.load(Ordering::SeqCst) > 0
    }

    /// Copies every stored file (attachments, thumbnails, avatars, icons; not uploads in
    /// progress) into `dest`, in the same layout, created 0700. Files are hard-linked when
    /// `dest` is on the same file system (they never change once stored), copied otherwise.
    /// Blocking.
    pub(crate) fn copy_into(&self, dest: &Path) -> std::io::Result<Copied> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(dest)?;
        let mut done = Copied::default();
        if self.root.is_dir() {
            copy_tree(&self.root, dest, &self.tmp_dir(), &mut done)?;
        }
        Ok(done)
    }

    /// Where the file with this SHA-256 (hex) lives.
    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.root.join(a).join(b)
    }

    /// Where its thumbnail lives.
    pub(crate) fn thumb_path(&self, sha256: &str) -> PathBuf {
        let mut p = self.path(sha256).into_os_string();
        p.push(".thumb");
        PathBuf::from(p)
    }

    /// Where an avatar or icon (a PNG named by its SHA-256) lives.
    pub(crate) fn image_path(&self, sha256: &str) -> PathBuf {
        self.image_path_of(sha256, ImageKind::Png)
    }

    /// Where a stored image of `kind` lives (an animated emoji is a GIF).
    pub(crate) fn image_path_of(&self, sha256: &str, kind: ImageKind) -> PathBuf {
        self.root
            .join("images")
            .join(format!("{sha256}.{}", kind.ext()))
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A new temporary file to stream an upload into.
    pub(crate) async fn incoming(&self) -> std::io::Result<Incoming> {
        let dir = self.tmp_dir();
        tokio::fs::create_dir_all(&dir).await?;
        let path = dir.join(format!("upload-{:016x}", rand::random::<u64>()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Incoming {
            temp: Temp(Some(path)),
            file,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
        })
    }

    /// A new temporary path (for a rewritten file or a thumbnail), removed on drop unless
    /// committed.
    pub(crate) fn temp_path(&self) -> std::io::Result<Temp> {
        let dir = self.tmp_dir();
        std::fs::create_dir_all(&dir)?;
        Ok(Temp(Some(
            dir.join(format!("work-{:016x}", rand::random::<u64>())),
        )))
    }

    /// Moves a finished temporary file into place as `sha256` (and its thumbnail, if any).
    /// Blocking: call it on the writer thread or in `spawn_blocking`.
    pub(crate) fn commit(
        &self,
        file: &mut Temp,
        sha256: &str,
        thumb: Option<&mut Temp>,
    ) -> std::io::Result<()> {
        let dest = self.path(sha256);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if let Some(t) = thumb
            && let Some(src) = t.0.take()
        {
            std::fs::rename(src, self.thumb_path(sha256))?;
        }
        if let Some(src) = file.0.take() {
            std::fs::rename(src, dest)?;
        }
        Ok(())
    }

    /// Removes a stored file and its thumbnail (gone already is fine). Blocking.
    pub(crate) fn remove(&self, sha256: &str) -> std::io::Result<()> {
        for p in [self.path(sha256), self.thumb_path(sha256)] {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Removes leftovers of uploads interrupted by a crash. Blocking; call at start.
    pub(crate) fn clear_tmp(&self) -> std::io::Result<()> {
        match std::fs::remove_dir_all(self.tmp_dir()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A temporary file, removed when dropped unless it was committed (moved into place).
#[derive(Debug)]
pub(crate) struct Temp(Option<PathBuf>);

impl Temp {
    /// Its path (while not committed).
    pub(crate) fn path(&self) -> Option<&Path> {
        self.0.as_deref()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// An upload being streamed to disk.
pub(crate) struct Incoming {
    temp: Temp,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

/// A fully written upload, not yet in place.
#[derive(Debug)]
pub(crate) struct Written {
    pub temp: Temp,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    pub size: u64,
    /// The first bytes (for sniffing the type).
    pub head: Vec<u8>,
}

impl Incoming {
    /// Bytes written so far.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Appends a chunk.
    pub(crate) async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.file.write_all(chunk).await?;
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        Ok(())
    }

    /// Flushes the file to disk and answers its hash.
    pub(crate) async fn finish(mut self) -> std::io::Result<Written> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        let digest = self.hasher.finalize();
        Ok(Written {
            temp: self.temp,
            sha256: hex::encode(digest),
            size: self.size,
            head: self.head,
        })
    }
}

/// SHA-256 of a file, hex (for rewritten images). Blocking.
pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((hex::encode(h.finalize()), n))
}

/// Copies the tree under `src` into `dest` (which exists), skipping `skip`.
fn copy_tree(src: &Path, dest: &Path, skip: &Path, done: &mut Copied) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        if from == skip {
            continue;
        }
        let to = dest.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::DirBuilder::new().mode(0o700).create(&to)?;
            copy_tree(&from, &to, skip, done)?;
        } else if kind.is_file() {
            let bytes = match std::fs::hard_link(&from, &to) {
                Ok(()) => entry.metadata()?.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(_) => std::fs::copy(&from, &to)?,
            };
            done.files += 1;
            done.bytes += bytes;
        }
    }
    Ok(())
}
