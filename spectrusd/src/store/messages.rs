//! Messages, mentions, reactions and read states.
//!
//! History is keyset-paginated on the message id (never OFFSET): a page is one index range
//! scan on `(channel_id, id)`, plus one range scan each for the page's reactions and mentions.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{Embed, Message, Reaction, ReadState, UserRef};

use super::{StoreError, optional};
use crate::domain::time::rfc3339;

/// A message to insert.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: Id,
    pub channel_id: Id,
    pub author_id: Id,
    pub content: String,
    pub reply_to: Option<Id>,
    pub nonce: Option<String>,
    pub mentions: Mentions,
}

/// Whom a message pings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mentions {
    /// Members named `<@id>` (listed on the message).
    pub users: Vec<Id>,
    /// Members pinged through `@everyone`, `@here` or a role (counted, not listed).
    pub implied: Vec<Id>,
    /// Whether `@everyone`/`@here` took effect.
    pub everyone: bool,
    /// Roles mentioned `<@&id>` that took effect.
    pub roles: Vec<Id>,
}

/// Which page of history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cursor {
    /// The newest messages.
    Latest,
    /// Older than this id.
    Before(Id),
    /// Newer than this id.
    After(Id),
    /// Centred on this id.
    Around(Id),
}

/// Stores a message and its mentions.
pub fn insert(c: &Connection, m: &NewMessage) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO messages(id, channel_id, author_id, content, reply_to, nonce, mention_everyone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        m.id.0 as i64,
        m.channel_id.0 as i64,
        m.author_id.0 as i64,
        m.content,
        m.reply_to.map(|r| r.0 as i64),
        m.nonce,
        m.mentions.everyone
    ])?;
    set_mentions(c, m.id, m.channel_id, &m.mentions)?;
    Ok(())
}

fn set_mentions(
    c: &Connection,
    message: Id,
    channel: Id,
    mentions: &Mentions,
) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM message_mentions WHERE message_id = ?1")?
        .execute([message.0 as i64])?;
    c.prepare_cached("DELETE FROM message_role_mentions WHERE message_id = ?1")?
        .execute([message.0 as i64])?;
    let mut st = c.prepare_cached(
        "INSERT OR IGNORE INTO message_mentions(message_id, user_id, channel_id, implied) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (list, implied) in [(&mentions.users, false), (&mentions.implied, true)] {
        for u in list {
            st.execute(params![
                message.0 as i64,
                u.0 as i64,
                channel.0 as i64,
                implied
            ])?;
        }
    }
    let mut st = c.prepare_cached(
        "INSERT OR IGNORE INTO message_role_mentions(message_id, role_id) VALUES (?1, ?2)",
    )?;
    for r in &mentions.roles {
        st.execute(params![message.0 as i64, r.0 as i64])?;
    }
    Ok(())
}

/// The id of a message by this author with this nonce, no older than `since_id`.
pub fn find_by_nonce(
    c: &Connection,
    author: Id,
    nonce: &str,
    since_id: Id,
) -> Result<Option<Id>, StoreError> {
    optional(
        c.prepare_cached("SELECT id FROM messages WHERE author_id = ?1 AND nonce = ?2 AND id >= ?3 ORDER BY id LIMIT 1")?
            .query_row(params![author.0 as i64, nonce, since_id.0 as i64], |r| r.get::<_, i64>(0)),
    )
    .map(|o| o.map(|v| Id(v as u64)))
}

/// The channel and author of a message.
pub fn owner_of(c: &Connection, id: Id) -> Result<Option<(Id, Id)>, StoreError> {
    optional(
        c.prepare_cached("SELECT channel_id, author_id FROM messages WHERE id = ?1")?
            .query_row([id.0 as i64], |r| {
                Ok((
                    Id(r.get::<_, i64>(0)? as u64),
                    Id(r.get::<_, i64>(1)? as u64),
                ))
            }),
    )
}

/// Replaces the content (and mentions) of a message.
pub fn edit(
    c: &Connection,
    id: Id,
    channel: Id,
    content: &str,
    mentions: &Mentions,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE messages SET content = ?2, edited_at = ?3, mention_everyone = ?4 WHERE id = ?1",
        params![id.0 as i64, content, now, mentions.everyone],
    )?;
    set_mentions(c, id, channel, mentions)?;
    Ok(())
}

/// Deletes a message.
pub fn delete(c: &Connection, id: Id) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM messages WHERE id = ?1", [id.0 as i64])? == 1)
}

/// Deletes a channel's messages by `author` (any when `None`) with ids from `since` on (any
/// when `None`); returns the deleted ids, oldest first.
pub fn purge(
    c: &Connection,
    channel: Id,
    author: Option<Id>,
    since: Option<Id>,
) -> Result<Vec<Id>, StoreError> {
    let author = author.map(|a| a.0 as i64);
    let since = since.map_or(0, |s| i64::try_from(s.0).unwrap_or(i64::MAX));
    let ids = c
        .prepare_cached(
            "DELETE FROM messages WHERE channel_id = ?1 AND (?2 IS NULL OR author_id = ?2) \
             AND id >= ?3 RETURNING id",
        )?
        .query_map(params![channel.0 as i64, author, since], |r| {
            Ok(Id(r.get::<_, i64>(0)? as u64))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut ids = ids;
    ids.sort();
    Ok(ids)
}

/// Pins (`Some(now)`) or unpins (`None`) a message; `false` when nothing changed.
pub fn set_pinned(c: &Connection, id: Id, at: Option<i64>) -> Result<bool, StoreError> {
    let sql = if at.is_some() {
        "UPDATE messages SET pinned_at = ?2 WHERE id = ?1 AND pinned_at IS NULL"
    } else {
        "UPDATE messages SET pinned_at = ?2 WHERE id = ?1 AND pinned_at IS NOT NULL"
    };
    Ok(c.prepare_cached(sql)?.execute(params![id.0 as i64, at])? == 1)
}

/// How many messages are pinned in `channel`.
pub fn pin_count(c: &Connection, channel: Id) -> Result<u64, StoreError> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM messages WHERE channel_id = ?1 AND pinned_at IS NOT NULL",
    )?
    .query_row([channel.0 as i64], |r| r.get::<_, i64>(0))? as u64)
}

/// The pinned messages of `channel`, most recently pinned first.
pub fn pins(c: &Connection, channel: Id, viewer: Id) -> Result<Vec<Message>, StoreError> {
    let ids: Vec<Id> = c
        .prepare_cached(
            "SELECT id FROM messages WHERE channel_id = ?1 AND pinned_at IS NOT NULL ORDER BY pinned_at DESC, id DESC",
        )?
        .query_map([channel.0 as i64], |r| Ok(Id(r.get::<_, i64>(0)? as u64)))?
        .collect::<Result<_, _>>()?;
    get_each(c, &ids, viewer)
}

/// Adds a reaction; `false` when it was already there.
pub fn add_reaction(
    c: &Connection,
    message: Id,
    emoji: &str,
    user: Id,
    now: i64,
) -> Result<bool, StoreError> {
    Ok(c.execute(
        "INSERT OR IGNORE INTO reactions(message_id, emoji, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![message.0 as i64, emoji, user.0 as i64, now],
    )? == 1)
}

/// Removes a reaction; `false` when it was not there.
pub fn remove_reaction(
    c: &Connection,
    message: Id,
    emoji: &str,
    user: Id,
) -> Result<bool, StoreError> {
    Ok(c.execute(
        "DELETE FROM reactions WHERE message_id = ?1 AND emoji = ?2 AND user_id = ?3",
        params![message.0 as i64, emoji, user.0 as i64],
    )? == 1)
}

const SELECT: &str =
    "SELECT m.id, m.channel_id, m.author_id, u.username, u.display_name, m.content,
    m.edited_at, m.reply_to, m.pinned_at, m.mention_everyone, m.embeds, m.suppress_embeds, u.is_bot FROM messages m JOIN users u ON u.id = m.author_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    let id = Id(r.get::<_, i64>(0)? as u64);
    Ok(Message {
        id,
        channel_id: Id(r.get::<_, i64>(1)? as u64),
        author: UserRef {
            id: Id(r.get::<_, i64>(2)? as u64),
            username: r.get(3)?,
            display_name: r.get(4)?,
            avatar_url: None,
            bot: r.get(12)?,
        },
        content: r.get(5)?,
        created_at: rfc3339(id.unix_millis() as i64),
        edited_at: r.get::<_, Option<i64>>(6)?.map(rfc3339),
        reply_to: r.get::<_, Option<i64>>(7)?.map(|v| Id(v as u64)),
        mentions: Vec::new(),
        reactions: Vec::new(),
        nonce: None,
        pinned_at: r.get::<_, Option<i64>>(8)?.map(rfc3339),
        pinned: r.get::<_, Option<i64>>(8)?.is_some(),
        mention_everyone: r.get(9)?,
        mention_roles: Vec::new(),
        attachments: Vec::new(),
        embeds: r
            .get::<_, Option<String>>(10)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        suppress_embeds: r.get(11)?,
    })
}

/// Attaches link previews to a message, unless its author suppressed them; `false` when the
/// message is gone or suppressed.
pub fn set_embeds(c: &Connection, id: Id, embeds: &[Embed]) -> Result<bool, StoreError> {
    let json = serde_json::to_string(embeds).unwrap_or_else(|_| "[]".into());
    Ok(
        c.prepare_cached("UPDATE messages SET embeds = ?2 WHERE id = ?1 AND suppress_embeds = 0")?
            .execute(params![id.0 as i64, json])?
            == 1,
    )
}

/// Removes a message's link previews for good (`true`), or allows them again.
pub fn set_suppressed(c: &Connection, id: Id, suppressed: bool) -> Result<(), StoreError> {
    c.prepare_cached(
        "UPDATE messages SET embeds = CASE WHEN ?2 THEN NULL ELSE embeds END, suppress_embeds = ?2 WHERE id = ?1",
    )?
    .execute(params![id.0 as i64, suppressed])?;
    Ok(())
}

/// Removes a message's link previews (its link changed), leaving them allowed.
pub fn clear_embeds(c: &Connection, id: Id) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE messages SET embeds = NULL WHERE id = ?1")?
        .execute([id.0 as i64])?;
    Ok(())
}

/// One message as `viewer` sees it.
pub fn get(c: &Connection, id: Id, viewer: Id) -> Result<Option<Message>, StoreError> {
    let m = optional(
        c.prepare_cached(&format!("{SELECT} WHERE m.id = ?1"))?
            .query_row([id.0 as i64], row),
    )?;
    let Some(m) = m else { return Ok(None) };
    let mut v = vec![m];
    decorate(c, &mut v, viewer)?;
    Ok(v.pop())
}

/// A page of a channel's history, newest first.
pub fn page(
    c: &Connection,
    channel: Id,
    cursor: Cursor,
    limit: u32,
    viewer: Id,
) -> Result<Vec<Message>, StoreError> {
    let ch = channel.0 as i64;
    let lim = i64::from(limit);
    let mut out = match cursor {
        Cursor::Latest => query(
            c,
            "WHERE m.channel_id = ?1 ORDER BY m.id DESC LIMIT ?2",
            params![ch, lim],
        )?,
        Cursor::Before(id) => query(
            c,
            "WHERE m.channel_id = ?1 AND m.id < ?3 ORDER BY m.id DESC LIMIT ?2",
            params![ch, lim, id.0 as i64],
        )?,
        Cursor::After(id) => {
            // The `limit` messages right after `id`, returned newest first.
            let mut v = query(
                c,
                "WHERE m.channel_id = ?1 AND m.id > ?3 ORDER BY m.id ASC LIMIT ?2",
                params![ch, lim, id.0 as i64],
            )?;
            v.reverse();
            v
        }
        Cursor::Around(id) => {
            let older = lim / 2;
            let newer = lim - older;
            let mut v = query(
                c,
                "WHERE m.channel_id = ?1 AND m.id >= ?3 ORDER BY m.id ASC LIMIT ?2",
                params![ch, newer, id.0 as i64],
            )?;
            v.reverse();
            v.extend(query(
                c,
                "WHERE m.channel_id = ?1 AND m.id < ?3 ORDER BY m.id DESC LIMIT ?2",
                params![ch, older, id.0 as i64],
            )?);
            v
        }
    };
    decorate(c, &mut out, viewer)?;
    Ok(out)
}

/// These messages (those that still exist), in the order given, as `viewer` sees them. Unlike
/// a history page, the ids may be far apart: mentions and reactions are read per message.
pub fn get_each(c: &Connection, ids: &[Id], viewer: Id) -> Result<Vec<Message>, StoreError> {
    let mut one = c.prepare_cached(&format!("{SELECT} WHERE m.id = ?1"))?;
    let mut mentions = c.prepare_cached(
        "SELECT user_id FROM message_mentions WHERE message_id = ?1 AND implied = 0 ORDER BY rowid",
    )?;
    let mut roles = c.prepare_cached(
        "SELECT role_id FROM message_role_mentions WHERE message_id = ?1 ORDER BY rowid",
    )?;
    let mut reactions = c.prepare_cached(
        "SELECT emoji, COUNT(*), MAX(user_id = ?2), MIN(rowid) AS first
         FROM reactions WHERE message_id = ?1 GROUP BY emoji ORDER BY first",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(mut m) = optional(one.query_row([id.0 as i64], row))? else {
            continue;
        };
        m.mentions = mentions
            .query_map([id.0 as i64], |r| Ok(Id(r.get::<_, i64>(0)? as u64)))?
            .collect::<Result<_, _>>()?;
        m.mention_roles = roles
            .query_map([id.0 as i64], |r| Ok(Id(r.get::<_, i64>(0)? as u64)))?
            .collect::<Result<_, _>>()?;
        m.reactions = reactions
            .query_map(params![id.0 as i64, viewer.0 as i64], |r| {
                Ok(Reaction {
                    emoji: r.get(0)?,
                    count: r.get(1)?,
                    me: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        out.push(m);
    }
    super::attachments::decorate(c, &mut out)?;
    Ok(out)
}

fn query(c: &Connection, tail: &str, p: impl rusqlite::Params) -> Result<Vec<Message>, StoreError> {
    let mut st = c.prepare_cached(&format!("{SELECT} {tail}"))?;
    let rows = st.query_map(p, row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Fills mentions and reactions of a page with two range scans.
fn decorate(c: &Connection, msgs: &mut [Message], viewer: Id) -> Result<(), StoreError> {
    let (Some(lo), Some(hi)) = (
        msgs.iter().map(|m| m.id).min(),
        msgs.iter().map(|m| m.id).max(),
    ) else {
        return Ok(());
    };
    let index: HashMap<Id, usize> = msgs.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut st = c.prepare_cached(
        "SELECT message_id, user_id FROM message_mentions WHERE message_id BETWEEN ?1 AND ?2 AND implied = 0 ORDER BY message_id, rowid",
    )?;
    let mut rows = st.query(params![lo.0 as i64, hi.0 as i64])?;
    while let Some(r) = rows.next()? {
        let mid = Id(r.get::<_, i64>(0)? as u64);
        if let Some(&i) = index.get(&mid) {
            msgs[i].mentions.push(Id(r.get::<_, i64>(1)? as u64));
        }
    }
    let mut st = c.prepare_cached(
        "SELECT message_id, role_id FROM message_role_mentions WHERE message_id BETWEEN ?1 AND ?2 ORDER BY message_id, rowid",
    )?;
    let mut rows = st.query(params![lo.0 as i64, hi.0 as i64])?;
    while let Some(r) = rows.next()? {
        let mid = Id(r.get::<_, i64>(0)? as u64);
        if let Some(&i) = index.get(&mid) {
            msgs[i].mention_roles.push(Id(r.get::<_, i64>(1)? as u64));
        }
    }
    let mut st = c.prepare_cached(
        "SELECT message_id, emoji, COUNT(*), MAX(user_id = ?3), MIN(rowid) AS first
         FROM reactions WHERE message_id BETWEEN ?1 AND ?2 GROUP BY message_id, emoji ORDER BY message_id, first",
    )?;
    let mut rows = st.query(params![lo.0 as i64, hi.0 as i64, viewer.0 as i64])?;
    while let Some(r) = rows.next()? {
        let mid = Id(r.get::<_, i64>(0)? as u64);
        if let Some(&i) = index.get(&mid) {
            msgs[i].reactions.push(Reaction {
                emoji: r.get(1)?,
                count: r.get(2)?,
                me: r.get(3)?,
            });
        }
    }
    super::attachments::decorate(c, msgs)?;
    Ok(())
}

/// Moves a member's read position forward (never back).
pub fn ack(c: &Connection, user: Id, channel: Id, message: Id) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO read_states(user_id, channel_id, last_message_id) VALUES (?1, ?2, ?3)
         ON CONFLICT(user_id, channel_id) DO UPDATE SET last_message_id = MAX(last_message_id, excluded.last_message_id)",
    )?
    .execute(params![user.0 as i64, channel.0 as i64, message.0 as i64])?;
    Ok(())
}

/// Unread cap: counting stops here (clients show "999+").
pub const UNREAD_CAP: i64 = 1000;

/// Read states of `user` in `channels`, with unread and mention counts.
pub fn read_states(
    c: &Connection,
    user: Id,
    channels: &[Id],
) -> Result<Vec<ReadState>, StoreError> {
    let mut last = c.prepare_cached(
        "SELECT last_message_id FROM read_states WHERE user_id = ?1 AND channel_id = ?2",
    )?;
    let mut unread = c.prepare_cached(
        "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE channel_id = ?1 AND id > ?2 AND author_id != ?3 LIMIT ?4)",
    )?;
    let mut mentions = c.prepare_cached(
        "SELECT COUNT(*) FROM message_mentions WHERE user_id = ?1 AND channel_id = ?2 AND message_id > ?3",
    )?;
    let mut out = Vec::with_capacity(channels.len());
    for ch in channels {
        let last_read: Option<i64> =
            optional(last.query_row(params![user.0 as i64, ch.0 as i64], |r| r.get(0)))?;
        let from = last_read.unwrap_or(0);
        let unread_count: i64 = unread
            .query_row(params![ch.0 as i64, from, user.0 as i64, UNREAD_CAP], |r| {
                r.get(0)
            })?;
        let mention_count: i64 =
            mentions.query_row(params![user.0 as i64, ch.0 as i64, from], |r| r.get(0))?;
        out.push(ReadState {
            channel_id: *ch,
            last_read_id: last_read.map(|v| Id(v as u64)),
            unread_count: unread_count as u64,
            mention_count: mention_count as u64,
        });
    }
    Ok(out)
}
