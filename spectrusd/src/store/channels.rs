//! Channels, categories and their permission overwrites.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite};

use super::{StoreError, optional, perms_from_json};

const COLS: &str =
    "id, kind, name, topic, parent_id, position, user_limit, bitrate, slowmode_seconds";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Channel> {
    let kind: String = r.get(1)?;
    Ok(Channel {
        id: Id(r.get::<_, i64>(0)? as u64),
        kind: ChannelType::parse(&kind).unwrap_or(ChannelType::Text),
        name: r.get(2)?,
        topic: r.get(3)?,
        parent_id: r.get::<_, Option<i64>>(4)?.map(|v| Id(v as u64)),
        position: r.get(5)?,
        permission_overwrites: Vec::new(),
        user_limit: r.get(6)?,
        bitrate: r.get(7)?,
        slowmode_seconds: r.get(8)?,
    })
}

fn overwrites(c: &Connection) -> Result<HashMap<Id, Vec<PermissionOverwrite>>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT channel_id, role_id, allow, deny FROM channel_overwrites ORDER BY role_id",
    )?;
    let mut map: HashMap<Id, Vec<PermissionOverwrite>> = HashMap::new();
    let rows = st.query_map([], |r| {
        Ok((
            Id(r.get::<_, i64>(0)? as u64),
            PermissionOverwrite {
                role_id: Id(r.get::<_, i64>(1)? as u64),
                allow: perms_from_json(&r.get::<_, String>(2)?),
                deny: perms_from_json(&r.get::<_, String>(3)?),
            },
        ))
    })?;
    for item in rows {
        let (ch, o) = item?;
        map.entry(ch).or_default().push(o);
    }
    Ok(map)
}

/// Every channel with its overwrites, by position (direct messages are not in the tree:
/// see `dms`).
pub(crate) fn list(c: &Connection) -> Result<Vec<Channel>, StoreError> {
    let mut ows = overwrites(c)?;
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLS} FROM channels
         WHERE id NOT IN (SELECT channel_id FROM dm_channels) ORDER BY position, id"
    ))?;
    let mut rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    for ch in &mut rows {
        ch.permission_overwrites = ows.remove(&ch.id).unwrap_or_default();
    }
    Ok(rows)
}

/// One channel with its overwrites.
pub(crate) fn get(c: &Connection, id: Id) -> Result<Option<Channel>, StoreError> {
    let ch = optional(
        c.prepare_cached(&format!(
            "SELECT {COLS} FROM channels
             WHERE id = ?1 AND id NOT IN (SELECT channel_id FROM dm_channels)"
        ))?
        .query_row([id.0 as i64], row),
    )?;
    let Some(mut ch) = ch else { return Ok(None) };
    let mut st = c.prepare_cached("SELECT role_id, allow, deny FROM channel_overwrites WHERE channel_id = ?1 ORDER BY role_id")?;
    ch.permission_overwrites = st
        .query_map([id.0 as i64], |r| {
            Ok(PermissionOverwrite {
                role_id: Id(r.get::<_, i64>(0)? as u64),
                allow: perms_from_json(&r.get::<_, String>(1)?),
                deny: perms_from_json(&r.get::<_, String>(2)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ch))
}

/// Inserts a channel, or replaces its fields (not its overwrites).
pub(crate) fn upsert(c: &Connection, ch: &Channel) -> Result<(), StoreError> {
    c.execute(
        &format!(
            "INSERT INTO channels({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
               topic = excluded.topic, parent_id = excluded.parent_id, position = excluded.position,
               user_limit = excluded.user_limit, bitrate = excluded.bitrate,
               slowmode_seconds = excluded.slowmode_seconds"
        ),
        params![
            ch.id.0 as i64,
            ch.kind.as_str(),
            ch.name,
            ch.topic,
            ch.parent_id.map(|p| p.0 as i64),
            ch.position,
            ch.user_limit,
            ch.bitrate,
            ch.slowmode_seconds
        ],
    )?;
    Ok(())
}

/// The next free position (one past the largest).
pub(crate) fn next_position(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row(
        "SELECT COALESCE(MAX(position), -1) + 1 FROM channels",
        [],
        |r| r.get(0),
    )?)
}

/// Deletes a channel; its messages go with it, its children move to the top level.
pub(crate) fn delete(c: &Connection, id: Id) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM channels WHERE id = ?1", [id.0 as i64])? == 1)
}

/// Sets a role's overwrite in a channel.
pub(crate) fn put_overwrite(
    c: &Connection,
    channel: Id,
    o: &PermissionOverwrite,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO channel_overwrites(channel_id, role_id, allow, deny) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(channel_id, role_id) DO UPDATE SET allow = excluded.allow, deny = excluded.deny",
        params![
            channel.0 as i64,
            o.role_id.0 as i64,
            serde_json::to_string(&o.allow).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&o.deny).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    Ok(())
}

/// Removes a role's overwrite from a channel.
pub(crate) fn delete_overwrite(c: &Connection, channel: Id, role: Id) -> Result<bool, StoreError> {
    Ok(c.execute(
        "DELETE FROM channel_overwrites WHERE channel_id = ?1 AND role_id = ?2",
        params![channel.0 as i64, role.0 as i64],
    )? == 1)
}
