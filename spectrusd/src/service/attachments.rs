//! Attachments: receiving uploaded files (streamed to disk within the size limits, their
//! type sniffed from the bytes, images measured, thumbnailed and stripped), storing them
//! with their message, finding one to serve to someone who may see it,
//! and unlinking files no attachment names any more.

use spectrus_proto::{Id, Permission};

use super::Actor;
use crate::domain::files;
use crate::domain::time::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::attachments::{Blob, NewAttachment};
use crate::store::files::{Incoming, Temp};

/// Checks made before any byte of an upload is read: the caller may post in `channel`, and
/// the upload rate limit.
pub(crate) fn begin(state: &AppState, user: Id, channel: Id) -> Result<(), ApiError> {
    state
        .access
        .require_in(user, channel, Permission::MessagesSend)?;
    state.rates.upload(user)?;
    Ok(())
}

/// `n` bytes in MB as people read them (`25 MB`).
fn megabytes(n: u64) -> String {
    let mb = n as f64 / (1024.0 * 1024.0);
    if mb >= 10.0 || mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// One file of a request being received.
pub(crate) struct Receiving {
    incoming: Incoming,
    filename: String,
    max_file: u64,
}

/// Starts receiving a file named `raw_name` (sanitised here). The server's total quota is
/// checked when the message is stored (a file stored already takes no more room).
pub(crate) async fn receive(state: &AppState, raw_name: &str) -> Result<Receiving, ApiError> {
    let incoming = state
        .blobs
        .incoming()
        .await
        .map_err(|e| ApiError::Internal(format!("cannot store the upload: {e}")))?;
    Ok(Receiving {
        incoming,
        filename: files::sanitize_filename(raw_name),
        max_file: state.config().uploads.max_file_bytes,
    })
}

impl Receiving {
    /// Appends a chunk; refuses (and the temporary file goes) past a limit.
    pub(crate) async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        let size = self.incoming.size() + chunk.len() as u64;
        if size > self.max_file {
            return Err(ApiError::FileTooLarge(format!(
                "{} is larger than {}",
                self.filename,
                megabytes(self.max_file)
            )));
        }
        self.incoming
            .write(chunk)
            .await
            .map_err(|e| ApiError::Internal(format!("cannot store the upload: {e}")))
    }
}

/// A received file, ready to be stored with its message.
#[derive(Debug)]
pub(crate) struct Staged {
    file: Temp,
    thumb: Option<Temp>,
    filename: String,
    blob: Blob,
}

/// The content type of a file from its first bytes; never what the client said.
fn sniff(head: &[u8]) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut at the end of the sniffed head is fine.
        Err(e) => e.error_len().is_none(),
    };
    if text && !head.contains(&0) && !head.is_empty() {
        "text/plain; charset=utf-8".into()
    } else {
        "application/octet-stream".into()
    }
}

/// Finishes a file: flushed, hashed, its type sniffed; an image is measured, thumbnailed
/// and stripped of metadata off the async runtime.
pub(crate) async fn finish(state: &AppState, r: Receiving) -> Result<Staged, ApiError> {
    let io = |e: std::io::Error| ApiError::Internal(format!("cannot store the upload: {e}"));
    let filename = r.filename;
    let written = r.incoming.finish().await.map_err(io)?;
    let content_type = sniff(&written.head);
    let max_side = state.config().uploads.max_image_side;
    let blobs = state.blobs.clone();
    let name = filename.clone();
    tokio::task::spawn_blocking(move || -> Result<Staged, ApiError> {
        let mut file = written.temp;
        let mut blob = Blob {
            sha256: written.sha256,
            size: written.size,
            content_type,
            width: None,
            height: None,
            has_thumb: false,
        };
        let path = file
            .path()
            .ok_or_else(|| ApiError::Internal("upload vanished".into()))?
            .to_owned();
        let processed =
            super::images::process(&path, &blob.content_type, max_side).map_err(|e| match e {
                super::images::ImageError::TooLarge { .. } => {
                    ApiError::field("files", format!("{name}: {e}"))
                }
                super::images::ImageError::Io(e) => io(e),
            })?;
        let mut thumb = None;
        if let Some(p) = processed {
            blob.width = Some(p.width);
            blob.height = Some(p.height);
            if let Some(bytes) = p.stripped {
                let t = blobs.temp_path().map_err(io)?;
                let tp = t.path().map(|p| p.to_owned()).unwrap_or_default();
                std::fs::write(&tp, &bytes).map_err(io)?;
                let (sha, size) = store::files::hash_file(&tp).map_err(io)?;
                blob.sha256 = sha;
                blob.size = size;
                file = t;
            }
            if let Some(bytes) = p.thumbnail {
                let t = blobs.temp_path().map_err(io)?;
                let tp = t.path().map(|p| p.to_owned()).unwrap_or_default();
                std::fs::write(&tp, &bytes).map_err(io)?;
                blob.has_thumb = true;
                thumb = Some(t);
            }
        }
        Ok(Staged {
            file,
            thumb,
            filename: name,
            blob,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(format!("image processing failed: {e}")))?
}

/// Stores `files` as `message`'s attachments: on the writer's connection, in the message's
/// transaction, the files are moved into place and recorded (the total quota checked
/// again here, where uploads are serialised).
pub(crate) fn store_all(
    state_blobs: &store::files::Blobs,
    c: &rusqlite::Connection,
    message: Id,
    ids: &[Id],
    files: Vec<Staged>,
    max_total: u64,
) -> Result<(), ApiError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut adding = 0u64;
    for f in &files {
        if !store::attachments::has_blob(c, &f.blob.sha256)? {
            adding += f.blob.size;
        }
    }
    if store::attachments::total_bytes(c)? + adding > max_total {
        return Err(ApiError::FileTooLarge(
            "the server's file storage is full: no room for this upload".into(),
        ));
    }
    let now = now_ms();
    let mut rows = Vec::with_capacity(files.len());
    for (mut f, id) in files.into_iter().zip(ids.iter().copied()) {
        store::attachments::put_blob(c, &f.blob, now)?;
        state_blobs
            .commit(&mut f.file, &f.blob.sha256, f.thumb.as_mut())
            .map_err(|e| ApiError::Internal(format!("cannot store the upload: {e}")))?;
        rows.push(NewAttachment {
            id,
            filename: f.filename.clone(),
            blob: f.blob.clone(),
        });
    }
    store::attachments::insert(c, message, &rows)?;
    Ok(())
}

/// An attachment to serve.
pub(crate) struct Served {
    pub path: std::path::PathBuf,
    pub content_type: String,
    /// The `Content-Disposition` header: inline for images, audio and video, else a
    /// download, with the file name.
    pub disposition: String,
}

/// Who asks for an attachment.
pub(crate) enum Asker {
    /// A bearer token's user.
    User(Id),
    /// A signed URL's query.
    Signed { expires: u64, sig: String },
}

/// Finds attachment `id` for `asker`: 404 unless the caller may read its channel right now
/// (or holds a valid signed URL). `thumb`: its thumbnail (the image itself when it is
/// small enough to be its own).
pub(crate) async fn find(
    state: &AppState,
    asker: Asker,
    id: Id,
    thumb: bool,
) -> Result<Served, ApiError> {
    let not_found = ApiError::NotFound("attachment");
    if let Asker::Signed { expires, sig } = &asker
        && !state.urls.verify(id, *expires, sig, now_ms() as u64 / 1000)
    {
        return Err(not_found);
    }
    let found = state
        .store
        .read(move |c| store::attachments::locate(c, id))
        .await?
        .ok_or(ApiError::NotFound("attachment"))?;
    if let Asker::User(user) = asker {
        super::readable::require(state, Actor::User(user), found.channel_id)
            .map_err(|_| ApiError::NotFound("attachment"))?;
    }
    let b = &found.blob;
    let (path, content_type) = if thumb && b.has_thumb {
        let p = state.blobs.thumb_path(&b.sha256);
        let t = infer::get_from_path(&p)
            .ok()
            .flatten()
            .map_or("image/jpeg", |t| t.mime_type())
            .to_owned();
        (p, t)
    } else {
        (state.blobs.path(&b.sha256), b.content_type.clone())
    };
    Ok(Served {
        path,
        disposition: files::content_disposition(files::is_inline(&content_type), &found.filename),
        content_type,
    })
}

/// Unlinks the files whose last attachment went (the `attachments_release` trigger listed
/// them), in a writer job so no upload of the same bytes runs in between. A failure is
/// logged: the request that deleted the message has succeeded. Nothing is removed while a
/// backup runs ([`crate::store::files::Blobs::hold`]).
pub(crate) async fn sweep(state: &AppState) {
    let blobs = state.blobs.clone();
    let r = super::write(state, move |c| {
        if blobs.held() {
            // A backup is copying the files; they stay listed and go with the next sweep.
            return Ok(0);
        }
        let gone = store::attachments::take_garbage(c)?;
        for sha in &gone {
            if let Err(e) = blobs.remove(sha) {
                tracing::warn!(sha, error = %e, "cannot remove an unreferenced file");
            }
        }
        Ok(gone.len())
    })
    .await;
    match r {
        Ok(0) => {}
        Ok(n) => tracing::debug!(files = n, "removed unreferenced files"),
        Err(e) => tracing::warn!(error = %e, "cannot sweep unreferenced files"),
    }
}
