//! Membership of the community (one per daemon), with nicknames, timeouts and roles.

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{Member, Presence, UserRef};

use super::{StoreError, optional};
use crate::domain::time::rfc3339;

/// A member as stored.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user: UserRef,
    pub nick: Option<String>,
    pub roles: Vec<Id>,
    pub joined_at: i64,
    pub timeout_until: Option<i64>,
}

impl MemberRow {
    /// The wire form with a presence.
    pub fn to_member(&self, presence: Presence) -> Member {
        Member {
            user: self.user.clone(),
            nick: self.nick.clone(),
            roles: self.roles.clone(),
            joined_at: rfc3339(self.joined_at),
            timeout_until: self.timeout_until.map(rfc3339),
            presence,
        }
    }
}

/// Adds a member (no-op when already one).
pub fn insert(c: &Connection, user: Id, joined_at: i64) -> Result<(), StoreError> {
    c.execute(
        "INSERT OR IGNORE INTO members(user_id, joined_at) VALUES (?1, ?2)",
        params![user.0 as i64, joined_at],
    )?;
    Ok(())
}

/// Whether the user is a member.
pub fn is_member(c: &Connection, user: Id) -> Result<bool, StoreError> {
    Ok(
        c.prepare_cached("SELECT 1 FROM members WHERE user_id = ?1")?
            .exists([user.0 as i64])?,
    )
}

/// How many members there are.
pub fn count(c: &Connection) -> Result<u64, StoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM members", [], |r| r.get::<_, i64>(0))? as u64)
}

const SELECT: &str =
    "SELECT m.user_id, u.username, u.display_name, m.nick, m.joined_at, m.timeout_until,
        (SELECT group_concat(role_id) FROM member_roles r WHERE r.user_id = m.user_id), u.avatar,
        u.is_bot
    FROM members m JOIN users u ON u.id = m.user_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    let roles: Option<String> = r.get(6)?;
    Ok(MemberRow {
        user: UserRef {
            id: Id(r.get::<_, i64>(0)? as u64),
            username: r.get(1)?,
            display_name: r.get(2)?,
            avatar_url: r
                .get::<_, Option<String>>(7)?
                .map(|h| format!("/api/v1/images/{h}.png")),
            bot: r.get(8)?,
        },
        nick: r.get(3)?,
        joined_at: r.get(4)?,
        timeout_until: r.get(5)?,
        roles: roles
            .map(|s| {
                s.split(',')
                    .filter_map(|p| p.parse::<u64>().ok())
                    .map(Id)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Members with id greater than `after`, by id, at most `limit`.
pub fn page(c: &Connection, after: Option<Id>, limit: u32) -> Result<Vec<MemberRow>, StoreError> {
    let mut st = c.prepare_cached(&format!(
        "{SELECT} WHERE m.user_id > ?1 ORDER BY m.user_id LIMIT ?2"
    ))?;
    let rows = st
        .query_map(params![after.map(|a| a.0 as i64).unwrap_or(-1), limit], row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Members at positions `offset..offset + limit` of the list by id.
pub fn range(c: &Connection, offset: u32, limit: u32) -> Result<Vec<MemberRow>, StoreError> {
    let mut st = c.prepare_cached(&format!("{SELECT} ORDER BY m.user_id LIMIT ?1 OFFSET ?2"))?;
    let rows = st
        .query_map(params![limit, offset], row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One member.
pub fn get(c: &Connection, user: Id) -> Result<Option<MemberRow>, StoreError> {
    optional(
        c.prepare_cached(&format!("{SELECT} WHERE m.user_id = ?1"))?
            .query_row([user.0 as i64], row),
    )
}

/// Removes a member (their role assignments go with them). Returns whether one was removed.
pub fn delete(c: &Connection, user: Id) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM members WHERE user_id = ?1", [user.0 as i64])? == 1)
}

/// Sets or clears a member's nickname.
pub fn set_nick(c: &Connection, user: Id, nick: Option<&str>) -> Result<(), StoreError> {
    c.execute(
        "UPDATE members SET nick = ?2 WHERE user_id = ?1",
        params![user.0 as i64, nick],
    )?;
    Ok(())
}

/// Sets or lifts a member's timeout (Unix ms).
pub fn set_timeout(c: &Connection, user: Id, until: Option<i64>) -> Result<(), StoreError> {
    c.execute(
        "UPDATE members SET timeout_until = ?2 WHERE user_id = ?1",
        params![user.0 as i64, until],
    )?;
    Ok(())
}

/// Replaces a member's roles.
pub fn set_roles(c: &Connection, user: Id, roles: &[Id]) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM member_roles WHERE user_id = ?1",
        [user.0 as i64],
    )?;
    for r in roles {
        super::roles::assign(c, user, *r)?;
    }
    Ok(())
}
