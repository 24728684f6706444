//! Roles and their assignment to members.

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::Role;

use super::{StoreError, optional, perms_from_json};

const COLS: &str = "id, name, color, position, permissions, hoist, mentionable, managed_by";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Role> {
    Ok(Role {
        id: Id(r.get::<_, i64>(0)? as u64),
        name: r.get(1)?,
        color: r.get(2)?,
        position: r.get(3)?,
        permissions: perms_from_json(&r.get::<_, String>(4)?),
        hoist: r.get(5)?,
        mentionable: r.get(6)?,
        managed_by: r.get(7)?,
    })
}

/// Every role, by position.
pub(crate) fn list(c: &Connection) -> Result<Vec<Role>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM roles ORDER BY position, id"))?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One role.
pub(crate) fn get(c: &Connection, id: Id) -> Result<Option<Role>, StoreError> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM roles WHERE id = ?1"))?
            .query_row([id.0 as i64], row),
    )
}

/// Inserts or replaces a role. Which plugin manages a role is written when it is inserted
/// and never changed by an update (a role stays managed until it is deleted).
pub(crate) fn upsert(c: &Connection, r: &Role) -> Result<(), StoreError> {
    c.execute(
        &format!(
            "INSERT INTO roles({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, color = excluded.color,
               position = excluded.position, permissions = excluded.permissions,
               hoist = excluded.hoist, mentionable = excluded.mentionable"
        ),
        params![
            r.id.0 as i64,
            r.name,
            r.color,
            r.position,
            serde_json::to_string(&r.permissions).unwrap_or_else(|_| "[]".into()),
            r.hoist,
            r.mentionable,
            r.managed_by
        ],
    )?;
    Ok(())
}

/// The role at position 0 (`@everyone`), if seeded.
pub(crate) fn everyone(c: &Connection) -> Result<Option<Role>, StoreError> {
    optional(c.query_row(
        &format!("SELECT {COLS} FROM roles WHERE position = 0 ORDER BY id LIMIT 1"),
        [],
        row,
    ))
}

/// Deletes a role (its assignments and overwrites go with it).
pub(crate) fn delete(c: &Connection, id: Id) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM roles WHERE id = ?1", [id.0 as i64])? == 1)
}

/// Gives a role to a member.
pub(crate) fn assign(c: &Connection, user: Id, role: Id) -> Result<(), StoreError> {
    c.execute(
        "INSERT OR IGNORE INTO member_roles(user_id, role_id) VALUES (?1, ?2)",
        params![user.0 as i64, role.0 as i64],
    )?;
    Ok(())
}

/// Takes a role from a member.
pub(crate) fn unassign(c: &Connection, user: Id, role: Id) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM member_roles WHERE user_id = ?1 AND role_id = ?2",
        params![user.0 as i64, role.0 as i64],
    )?;
    Ok(())
}

/// Moves every role at or above `position` one up (room for a new role there).
pub(crate) fn shift_up_from(c: &Connection, position: i64) -> Result<(), StoreError> {
    c.execute(
        "UPDATE roles SET position = position + 1 WHERE position >= ?1",
        [position],
    )?;
    Ok(())
}

/// Renumbers the roles above `@everyone` to 1..n, keeping their order; returns those moved.
pub(crate) fn compact(c: &Connection) -> Result<Vec<Role>, StoreError> {
    let mut moved = Vec::new();
    let roles = list(c)?;
    for (i, mut r) in roles.into_iter().filter(|r| r.position > 0).enumerate() {
        let want = i as i64 + 1;
        if r.position != want {
            r.position = want;
            upsert(c, &r)?;
            moved.push(r);
        }
    }
    Ok(moved)
}

/// The members holding a role.
pub(crate) fn holders(c: &Connection, role: Id) -> Result<Vec<Id>, StoreError> {
    let mut st = c.prepare_cached("SELECT user_id FROM member_roles WHERE role_id = ?1")?;
    let ids = st
        .query_map([role.0 as i64], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids.into_iter().map(|i| Id(i as u64)).collect())
}
