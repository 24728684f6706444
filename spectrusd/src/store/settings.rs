//! Server settings: a small key/value table.

use rusqlite::{Connection, params};

use super::{StoreError, optional};

/// Reads one setting.
pub(crate) fn get(c: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    optional(
        c.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0)),
    )
}

/// Writes one setting (`None` deletes it).
pub(crate) fn set(c: &Connection, key: &str, value: Option<&str>) -> Result<(), StoreError> {
    match value {
        Some(v) => c.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, v],
        )?,
        None => c.execute("DELETE FROM settings WHERE key = ?1", [key])?,
    };
    Ok(())
}
