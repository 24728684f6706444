//! Direct messages (`dm_channels`, `dm_recipients`), blocks (`user_blocks`) and members' own
//! settings (`user_settings`). A conversation is also a row of `channels` (so messages,
//! reactions and read states work unchanged); `channels::list` leaves those rows out.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{ChannelType, UserSettings};

use super::{StoreError, optional};

/// One conversation as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DmRow {
    pub id: Id,
    /// `Dm` or `GroupDm`.
    pub kind: ChannelType,
    pub owner_id: Id,
    /// Every participant, the owner included, by id.
    pub participants: Vec<Id>,
    pub last_message_id: Option<Id>,
}

/// The key that makes a one-to-one conversation unique per pair.
fn pair_key(a: Id, b: Id) -> String {
    let (lo, hi) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    format!("{}:{}", lo.0, hi.0)
}

fn participants(c: &Connection) -> Result<HashMap<Id, Vec<Id>>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT channel_id, user_id FROM dm_recipients ORDER BY channel_id, user_id",
    )?;
    let mut map: HashMap<Id, Vec<Id>> = HashMap::new();
    let rows = st.query_map([], |r| {
        Ok((
            Id(r.get::<_, i64>(0)? as u64),
            Id(r.get::<_, i64>(1)? as u64),
        ))
    })?;
    for item in rows {
        let (ch, u) = item?;
        map.entry(ch).or_default().push(u);
    }
    Ok(map)
}

fn rows(c: &Connection, sql: &str, arg: Option<i64>) -> Result<Vec<DmRow>, StoreError> {
    let mut st = c.prepare_cached(sql)?;
    let map = |r: &rusqlite::Row<'_>| {
        let kind: String = r.get(1)?;
        Ok(DmRow {
            id: Id(r.get::<_, i64>(0)? as u64),
            kind: ChannelType::parse(&kind).unwrap_or(ChannelType::Dm),
            owner_id: Id(r.get::<_, i64>(2)? as u64),
            participants: Vec::new(),
            last_message_id: r.get::<_, Option<i64>>(3)?.map(|v| Id(v as u64)),
        })
    };
    let list = match arg {
        Some(a) => st.query_map([a], map)?.collect::<Result<Vec<_>, _>>()?,
        None => st.query_map([], map)?.collect::<Result<Vec<_>, _>>()?,
    };
    Ok(list)
}

const SELECT: &str = "SELECT d.channel_id, d.kind, d.owner_id,
       (SELECT MAX(m.id) FROM messages m WHERE m.channel_id = d.channel_id)
     FROM dm_channels d";

fn with_participants(c: &Connection, mut list: Vec<DmRow>) -> Result<Vec<DmRow>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT user_id FROM dm_recipients WHERE channel_id = ?1 ORDER BY user_id",
    )?;
    for d in &mut list {
        d.participants = st
            .query_map([d.id.0 as i64], |r| Ok(Id(r.get::<_, i64>(0)? as u64)))?
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(list)
}

/// Every conversation (to build the access model at start).
pub(crate) fn all(c: &Connection) -> Result<Vec<DmRow>, StoreError> {
    let mut parts = participants(c)?;
    let mut list = rows(c, &format!("{SELECT} ORDER BY d.channel_id"), None)?;
    for d in &mut list {
        d.participants = parts.remove(&d.id).unwrap_or_default();
    }
    Ok(list)
}

/// The ids of every conversation (search leaves those the caller is not in out).
pub(crate) fn ids(c: &Connection) -> Result<Vec<Id>, StoreError> {
    let mut st = c.prepare_cached("SELECT channel_id FROM dm_channels")?;
    Ok(st
        .query_map([], |r| Ok(Id(r.get::<_, i64>(0)? as u64)))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// `user`'s conversations, the most recently active first.
pub(crate) fn for_user(c: &Connection, user: Id) -> Result<Vec<DmRow>, StoreError> {
    let mut list = rows(
        c,
        &format!(
            "{SELECT} WHERE d.channel_id IN
               (SELECT channel_id FROM dm_recipients WHERE user_id = ?1)"
        ),
        Some(user.0 as i64),
    )?;
    list.sort_by_key(|d| std::cmp::Reverse(d.last_message_id.unwrap_or(d.id)));
    with_participants(c, list)
}

/// One conversation.
pub(crate) fn get(c: &Connection, id: Id) -> Result<Option<DmRow>, StoreError> {
    let list = rows(
        c,
        &format!("{SELECT} WHERE d.channel_id = ?1"),
        Some(id.0 as i64),
    )?;
    Ok(with_participants(c, list)?.into_iter().next())
}

/// The one-to-one conversation of `a` and `b`, if there is one.
pub(crate) fn find_pair(c: &Connection, a: Id, b: Id) -> Result<Option<Id>, StoreError> {
    optional(c.query_row(
        "SELECT channel_id FROM dm_channels WHERE pair_key = ?1",
        [pair_key(a, b)],
        |r| Ok(Id(r.get::<_, i64>(0)? as u64)),
    ))
}

/// Stores a new conversation (its `channels` row too).
pub(crate) fn insert(c: &Connection, d: &DmRow, now: i64) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO channels(id, kind, name, position) VALUES (?1, 'text', '', 0)",
        [d.id.0 as i64],
    )?;
    let key = match (d.kind, d.participants.as_slice()) {
        (ChannelType::Dm, [a, b]) => Some(pair_key(*a, *b)),
        _ => None,
    };
    c.execute(
        "INSERT INTO dm_channels(channel_id, kind, owner_id, pair_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            d.id.0 as i64,
            d.kind.as_str(),
            d.owner_id.0 as i64,
            key,
            now
        ],
    )?;
    let mut st =
        c.prepare_cached("INSERT INTO dm_recipients(channel_id, user_id) VALUES (?1, ?2)")?;
    for u in &d.participants {
        st.execute(params![d.id.0 as i64, u.0 as i64])?;
    }
    Ok(())
}

/// Blocks `blocked` for `user`; false when it already was.
pub(crate) fn block(c: &Connection, user: Id, blocked: Id, now: i64) -> Result<bool, StoreError> {
    Ok(c.execute(
        "INSERT OR IGNORE INTO user_blocks(user_id, blocked_id, created_at) VALUES (?1, ?2, ?3)",
        params![user.0 as i64, blocked.0 as i64, now],
    )? == 1)
}

/// Unblocks; false when `blocked` was not blocked.
pub(crate) fn unblock(c: &Connection, user: Id, blocked: Id) -> Result<bool, StoreError> {
    Ok(c.execute(
        "DELETE FROM user_blocks WHERE user_id = ?1 AND blocked_id = ?2",
        params![user.0 as i64, blocked.0 as i64],
    )? == 1)
}

/// Whom `user` has blocked, oldest first.
pub(crate) fn blocked_by(c: &Connection, user: Id) -> Result<Vec<Id>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT blocked_id FROM user_blocks WHERE user_id = ?1 ORDER BY created_at, blocked_id",
    )?;
    Ok(st
        .query_map([user.0 as i64], |r| Ok(Id(r.get::<_, i64>(0)? as u64)))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Whether `user` has blocked `other`.
pub(crate) fn is_blocked(c: &Connection, user: Id, other: Id) -> Result<bool, StoreError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM user_blocks WHERE user_id = ?1 AND blocked_id = ?2)",
        params![user.0 as i64, other.0 as i64],
        |r| r.get(0),
    )?)
}

/// `user`'s settings (the defaults without a row).
pub(crate) fn settings(c: &Connection, user: Id) -> Result<UserSettings, StoreError> {
    let row: Option<(bool, bool)> = optional(c.query_row(
        "SELECT allow_dms, show_link_previews FROM user_settings WHERE user_id = ?1",
        [user.0 as i64],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))?;
    Ok(UserSettings {
        allow_dms: row.is_none_or(|r| r.0),
        show_link_previews: row.is_none_or(|r| r.1),
    })
}

/// Stores `user`'s settings.
pub(crate) fn set_settings(c: &Connection, user: Id, s: &UserSettings) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO user_settings(user_id, allow_dms, show_link_previews) VALUES (?1, ?2, ?3)
         ON CONFLICT(user_id) DO UPDATE SET allow_dms = excluded.allow_dms,
         show_link_previews = excluded.show_link_previews",
        params![user.0 as i64, s.allow_dms, s.show_link_previews],
    )?;
    Ok(())
}
