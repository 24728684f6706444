//! Installed plugins: the validated manifest (JSON) and where it came from.

use rusqlite::{Connection, params};
use spectrus_proto::admin::PluginManifest;

use super::StoreError;

/// One stored plugin.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub id: String,
    pub source: String,
    pub manifest: PluginManifest,
    pub enabled: bool,
    pub installed_at_ms: i64,
}

/// Every installed plugin, by id.
pub(crate) fn list(c: &Connection) -> Result<Vec<Row>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT id, source, manifest, enabled, installed_at FROM plugins ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            let text: String = r.get(2)?;
            let manifest = serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    2,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?;
            Ok(Row {
                id: r.get(0)?,
                source: r.get(1)?,
                manifest,
                enabled: r.get(3)?,
                installed_at_ms: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Installs (or replaces) a plugin.
pub(crate) fn insert(c: &Connection, row: &Row) -> Result<(), StoreError> {
    let manifest = serde_json::to_string(&row.manifest).unwrap_or_default();
    c.execute(
        "INSERT OR REPLACE INTO plugins (id, source, manifest, enabled, installed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            row.id,
            row.source,
            manifest,
            row.enabled,
            row.installed_at_ms
        ],
    )?;
    Ok(())
}

/// Removes a plugin; whether it was there.
pub(crate) fn delete(c: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM plugins WHERE id = ?1", [id])? > 0)
}

/// Turns a plugin on or off; whether it was there.
pub(crate) fn set_enabled(c: &Connection, id: &str, enabled: bool) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE plugins SET enabled = ?2 WHERE id = ?1",
        params![id, enabled],
    )? > 0)
}
