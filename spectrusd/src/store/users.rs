//! Accounts.

use rusqlite::{Connection, Row, params};
use spectrus_proto::Id;
use spectrus_proto::model::{User, UserRef};

use super::{StoreError, optional};
use crate::domain::time::rfc3339;

/// An account with its secrets, as stored.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub id: Id,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_owner: bool,
    pub disabled: bool,
    pub created_at: i64,
    /// A plugin's bot (no password login).
    pub is_bot: bool,
}

impl UserRow {
    /// The public form.
    pub(crate) fn to_user(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            owner: self.is_owner,
            bot: self.is_bot,
            created_at: rfc3339(self.created_at),
        }
    }

    /// The embedded short form.
    pub(crate) fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            avatar_url: None,
            bot: self.is_bot,
        }
    }
}

const COLS: &str =
    "id, username, display_name, password_hash, is_owner, disabled, created_at, is_bot";

fn row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: Id(r.get::<_, i64>(0)? as u64),
        username: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        is_owner: r.get(4)?,
        disabled: r.get(5)?,
        created_at: r.get(6)?,
        is_bot: r.get(7)?,
    })
}

/// Inserts an account. Fails with a constraint error when the username is taken.
pub(crate) fn insert(c: &Connection, u: &UserRow) -> Result<(), StoreError> {
    c.execute(
        &format!("INSERT INTO users({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            u.id.0 as i64,
            u.username,
            u.display_name,
            u.password_hash,
            u.is_owner,
            u.disabled,
            u.created_at,
            u.is_bot
        ],
    )?;
    Ok(())
}

/// Whether the username is taken.
pub(crate) fn username_taken(c: &Connection, username: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM users WHERE username = ?1")?
        .exists([username])?)
}

/// One account by id.
pub(crate) fn by_id(c: &Connection, id: Id) -> Result<Option<UserRow>, StoreError> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM users WHERE id = ?1"))?
            .query_row([id.0 as i64], row),
    )
}

/// One account by username.
pub(crate) fn by_username(c: &Connection, username: &str) -> Result<Option<UserRow>, StoreError> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM users WHERE username = ?1"))?
            .query_row([username], row),
    )
}

/// Every account, by id.
pub(crate) fn list(c: &Connection) -> Result<Vec<UserRow>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} FROM users ORDER BY id"))?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The owner's id, if claimed.
pub(crate) fn owner_id(c: &Connection) -> Result<Option<Id>, StoreError> {
    optional(
        c.query_row("SELECT id FROM users WHERE is_owner = 1 LIMIT 1", [], |r| {
            r.get::<_, i64>(0)
        }),
    )
    .map(|o| o.map(|v| Id(v as u64)))
}

/// Changes the display name.
pub(crate) fn set_display_name(c: &Connection, id: Id, name: &str) -> Result<(), StoreError> {
    c.execute(
        "UPDATE users SET display_name = ?2 WHERE id = ?1",
        params![id.0 as i64, name],
    )?;
    Ok(())
}

/// Changes the password hash.
pub(crate) fn set_password_hash(c: &Connection, id: Id, hash: &str) -> Result<(), StoreError> {
    c.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id.0 as i64, hash],
    )?;
    Ok(())
}

// --- Operator administration (admin socket) ---

/// Disables or enables an account.
pub(crate) fn set_disabled(c: &Connection, id: Id, disabled: bool) -> Result<(), StoreError> {
    c.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id.0 as i64, disabled],
    )?;
    Ok(())
}

/// Makes `id` the one owner (the previous owner stays an ordinary account).
pub(crate) fn set_owner(c: &Connection, id: Id) -> Result<(), StoreError> {
    c.execute("UPDATE users SET is_owner = 0 WHERE is_owner = 1", [])?;
    c.execute("UPDATE users SET is_owner = 1 WHERE id = ?1", [id.0 as i64])?;
    Ok(())
}

/// Deletes an account while keeping its messages: the row stays (messages reference it) but
/// loses its name, its password and its membership, so it reads as a deleted user.
pub(crate) fn anonymize(c: &Connection, id: Id) -> Result<(), StoreError> {
    c.execute(
        "UPDATE users SET username = ?2, display_name = 'Deleted user', password_hash = '!',
           disabled = 1, is_owner = 0 WHERE id = ?1",
        params![id.0 as i64, format!("deleted-{}", id.0)],
    )?;
    c.execute("DELETE FROM members WHERE user_id = ?1", [id.0 as i64])?;
    c.execute(
        "DELETE FROM token_families WHERE user_id = ?1",
        [id.0 as i64],
    )?;
    Ok(())
}

/// Sets (or clears) a user's avatar hash; answers the one it replaced.
pub(crate) fn set_avatar(
    c: &Connection,
    user: Id,
    sha256: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let old: Option<String> = optional(
        c.prepare_cached("SELECT avatar FROM users WHERE id = ?1")?
            .query_row([user.0 as i64], |r| r.get(0)),
    )?
    .flatten();
    c.prepare_cached("UPDATE users SET avatar = ?2 WHERE id = ?1")?
        .execute(params![user.0 as i64, sha256])?;
    Ok(old)
}

/// Whether any user's avatar is this image.
pub(crate) fn avatar_in_use(c: &Connection, sha256: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("SELECT 1 FROM users WHERE avatar = ?1")?
        .exists([sha256])?)
}
