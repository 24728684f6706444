//! Bans: who may not be a member, and why.

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{Ban, UserRef};

use super::StoreError;
use crate::domain::time::rfc3339;

/// Bans a user (a second ban replaces the reason).
pub(crate) fn insert(
    c: &Connection,
    user: Id,
    reason: Option<&str>,
    by: Option<Id>,
    now: i64,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO bans(user_id, reason, banned_by, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(user_id) DO UPDATE SET reason = excluded.reason, banned_by = excluded.banned_by",
        params![user.0 as i64, reason, by.map(|b| b.0 as i64), now],
    )?;
    Ok(())
}

/// Lifts a ban. Returns whether there was one.
pub(crate) fn delete(c: &Connection, user: Id) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM bans WHERE user_id = ?1", [user.0 as i64])? == 1)
}

/// Whether the user is banned.
pub(crate) fn is_banned(c: &Connection, user: Id) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM bans WHERE user_id = ?1")?
        .exists([user.0 as i64])?)
}

/// Every ban, newest first.
pub(crate) fn list(c: &Connection) -> Result<Vec<Ban>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT u.id, u.username, u.display_name, b.reason, b.created_at, u.is_bot
         FROM bans b JOIN users u ON u.id = b.user_id ORDER BY b.created_at DESC, u.id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Ban {
                user: UserRef {
                    id: Id(r.get::<_, i64>(0)? as u64),
                    username: r.get(1)?,
                    display_name: r.get(2)?,
                    avatar_url: None,
                    bot: r.get(5)?,
                },
                reason: r.get(3)?,
                created_at: rfc3339(r.get(4)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
