//! Installed plugins: the validated manifest (JSON) and where it came from; each plugin's
//! bot (account, managed role, token hash).

use rusqlite::{Connection, params};
use spectrus_proto::Id;
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
        // An upsert, not `OR REPLACE`: replacing would delete the row and cascade to its bot.
        "INSERT INTO plugins (id, source, manifest, enabled, installed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET source = excluded.source, manifest = excluded.manifest,
           enabled = excluded.enabled, installed_at = excluded.installed_at",
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

/// A plugin's bot: its account, its managed role and its token's SHA-256 (hex).
#[derive(Debug, Clone)]
pub(crate) struct BotRow {
    pub plugin_id: String,
    pub user_id: Id,
    pub role_id: Id,
    pub token_hash: String,
}

/// Records a plugin's bot.
pub(crate) fn insert_bot(c: &Connection, b: &BotRow) -> Result<(), StoreError> {
    c.execute(
        "INSERT OR REPLACE INTO plugin_bots (plugin_id, user_id, role_id, token_hash)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            b.plugin_id,
            b.user_id.0 as i64,
            b.role_id.0 as i64,
            b.token_hash
        ],
    )?;
    Ok(())
}

/// Every plugin's bot, by plugin id.
pub(crate) fn bots(c: &Connection) -> Result<Vec<BotRow>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT plugin_id, user_id, role_id, token_hash FROM plugin_bots ORDER BY plugin_id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(BotRow {
                plugin_id: r.get(0)?,
                user_id: Id(r.get::<_, i64>(1)? as u64),
                role_id: Id(r.get::<_, i64>(2)? as u64),
                token_hash: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One plugin's bot.
pub(crate) fn bot(c: &Connection, plugin: &str) -> Result<Option<BotRow>, StoreError> {
    Ok(bots(c)?.into_iter().find(|b| b.plugin_id == plugin))
}

/// Replaces a bot's token hash; whether the plugin has a bot.
pub(crate) fn set_token(c: &Connection, plugin: &str, hash: &str) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE plugin_bots SET token_hash = ?2 WHERE plugin_id = ?1",
        params![plugin, hash],
    )? > 0)
}
