//! Attachment rows: the blob each names, listing a page's attachments, the total stored,
//! and the garbage the `attachments_release` trigger leaves when a blob loses its last
//! attachment (migration V9).

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{Attachment, Message};

use super::{StoreError, optional};

/// A stored file's facts.
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub has_thumb: bool,
}

/// One attachment to store with a message.
#[derive(Debug, Clone)]
pub(crate) struct NewAttachment {
    pub id: Id,
    pub filename: String,
    pub blob: Blob,
}

/// An attachment with where it belongs, for serving it.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub channel_id: Id,
    pub filename: String,
    pub blob: Blob,
}

/// Bytes all stored files take (each blob once).
pub(crate) fn total_bytes(c: &Connection) -> Result<u64, StoreError> {
    Ok(
        c.prepare_cached("SELECT COALESCE(SUM(size), 0) FROM blobs")?
            .query_row([], |r| r.get::<_, i64>(0))? as u64,
    )
}

/// Whether a blob with this hash is stored already.
pub(crate) fn has_blob(c: &Connection, sha256: &str) -> Result<bool, StoreError> {
    Ok(optional(
        c.prepare_cached("SELECT 1 FROM blobs WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get::<_, i64>(0)),
    )?
    .is_some())
}

/// Records a blob (nothing when it is there already) and takes it off the garbage list.
pub(crate) fn put_blob(c: &Connection, b: &Blob, now: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO blobs(sha256, size, content_type, width, height, has_thumb, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        b.sha256,
        b.size as i64,
        b.content_type,
        b.width,
        b.height,
        b.has_thumb,
        now
    ])?;
    c.prepare_cached("DELETE FROM blob_garbage WHERE sha256 = ?1")?
        .execute([&b.sha256])?;
    Ok(())
}

/// Stores `message`'s attachments (their blobs recorded already).
pub(crate) fn insert(
    c: &Connection,
    message: Id,
    items: &[NewAttachment],
) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(
        "INSERT INTO attachments(id, message_id, position, filename, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (i, a) in items.iter().enumerate() {
        st.execute(params![
            a.id.0 as i64,
            message.0 as i64,
            i as i64,
            a.filename,
            a.blob.sha256
        ])?;
    }
    Ok(())
}

fn blob_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Blob> {
    Ok(Blob {
        sha256: r.get(at)?,
        size: r.get::<_, i64>(at + 1)? as u64,
        content_type: r.get(at + 2)?,
        width: r.get(at + 3)?,
        height: r.get(at + 4)?,
        has_thumb: r.get(at + 5)?,
    })
}

/// One attachment, with its message's channel.
pub(crate) fn locate(c: &Connection, id: Id) -> Result<Option<Located>, StoreError> {
    optional(
        c.prepare_cached(
            "SELECT m.channel_id, a.filename, b.sha256, b.size, b.content_type, b.width, b.height, b.has_thumb
             FROM attachments a JOIN messages m ON m.id = a.message_id JOIN blobs b ON b.sha256 = a.sha256
             WHERE a.id = ?1",
        )?
        .query_row([id.0 as i64], |r| {
            Ok(Located {
                channel_id: Id(r.get::<_, i64>(0)? as u64),
                filename: r.get(1)?,
                blob: blob_row(r, 2)?,
            })
        }),
    )
}

/// Fills the attachments of these messages (URLs are the bare paths; the service signs
/// them).
pub(crate) fn decorate(c: &Connection, msgs: &mut [Message]) -> Result<(), StoreError> {
    if msgs.is_empty() {
        return Ok(());
    }
    let mut st = c.prepare_cached(
        "SELECT a.id, a.filename, b.sha256, b.size, b.content_type, b.width, b.height, b.has_thumb
         FROM attachments a JOIN blobs b ON b.sha256 = a.sha256
         WHERE a.message_id = ?1 ORDER BY a.position",
    )?;
    for m in msgs.iter_mut() {
        let rows = st
            .query_map([m.id.0 as i64], |r| {
                Ok((
                    Id(r.get::<_, i64>(0)? as u64),
                    r.get::<_, String>(1)?,
                    blob_row(r, 2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        m.attachments = rows
            .into_iter()
            .map(|(id, filename, b)| to_wire(id, filename, &b))
            .collect();
    }
    Ok(())
}

/// The wire form, with the unsigned path as `url`.
pub(crate) fn to_wire(id: Id, filename: String, b: &Blob) -> Attachment {
    let url = format!(
        "/api/v1/attachments/{}/{}",
        id.0,
        crate::domain::files::path_segment(&filename)
    );
    Attachment {
        id,
        thumbnail_url: b.has_thumb.then(|| url.clone()),
        url,
        filename,
        size: b.size,
        content_type: b.content_type.clone(),
        width: b.width,
        height: b.height,
    }
}

/// Takes the blobs no attachment names any more off the garbage list, answering their
/// hashes (the caller unlinks the files in the same writer job).
pub(crate) fn take_garbage(c: &Connection) -> Result<Vec<String>, StoreError> {
    Ok(
        c.prepare_cached("DELETE FROM blob_garbage RETURNING sha256")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?,
    )
}
