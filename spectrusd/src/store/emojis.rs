//! The server's custom emoji (`emojis`): name, stored image, uploader.

use rusqlite::{Connection, params};
use spectrus_proto::Id;

use super::{StoreError, optional};

/// A stored custom emoji.
#[derive(Debug, Clone)]
pub(crate) struct EmojiRow {
    pub id: Id,
    pub name: String,
    /// The PNG's SHA-256 (hex), under the images store.
    pub sha256: String,
    pub animated: bool,
    pub creator_id: Option<Id>,
    /// Unix milliseconds.
    pub created_at: i64,
}

const COLS: &str = "id, name, sha256, animated, creator_id, created_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EmojiRow> {
    Ok(EmojiRow {
        id: Id(r.get::<_, i64>(0)? as u64),
        name: r.get(1)?,
        sha256: r.get(2)?,
        animated: r.get(3)?,
        creator_id: r.get::<_, Option<i64>>(4)?.map(|v| Id(v as u64)),
        created_at: r.get(5)?,
    })
}

/// Every custom emoji, by name.
pub(crate) fn list(c: &Connection) -> Result<Vec<EmojiRow>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM emojis ORDER BY name"))?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One custom emoji.
pub(crate) fn get(c: &Connection, id: Id) -> Result<Option<EmojiRow>, StoreError> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM emojis WHERE id = ?1"))?
            .query_row([id.0 as i64], row),
    )
}

/// The id of the emoji named `name`, if any.
pub(crate) fn id_by_name(c: &Connection, name: &str) -> Result<Option<Id>, StoreError> {
    optional(
        c.prepare_cached("SELECT id FROM emojis WHERE name = ?1")?
            .query_row([name], |r| Ok(Id(r.get::<_, i64>(0)? as u64))),
    )
}

/// How many custom emoji the server has.
pub(crate) fn count(c: &Connection) -> Result<u64, StoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM emojis", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Stores a new emoji.
pub(crate) fn insert(c: &Connection, e: &EmojiRow) -> Result<(), StoreError> {
    c.execute(
        &format!("INSERT INTO emojis({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![
            e.id.0 as i64,
            e.name,
            e.sha256,
            e.animated,
            e.creator_id.map(|i| i.0 as i64),
            e.created_at
        ],
    )?;
    Ok(())
}

/// Renames an emoji, and the reactions keyed by its old wire form (`old_key` → `new_key`),
/// so a message's reactions with it stay one group.
pub(crate) fn rename(
    c: &Connection,
    id: Id,
    name: &str,
    old_key: &str,
    new_key: &str,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE emojis SET name = ?2 WHERE id = ?1",
        params![id.0 as i64, name],
    )?;
    c.execute(
        "UPDATE reactions SET emoji = ?2 WHERE emoji = ?1",
        params![old_key, new_key],
    )?;
    Ok(())
}

/// Deletes an emoji (its reactions stay, keyed by its wire form).
pub(crate) fn delete(c: &Connection, id: Id) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM emojis WHERE id = ?1", [id.0 as i64])? > 0)
}

/// Whether an emoji uses the image `sha256`.
pub(crate) fn image_in_use(c: &Connection, sha256: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM emojis WHERE sha256 = ?1")?
        .exists([sha256])?)
}
