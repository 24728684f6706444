//! Invite codes.

use rusqlite::{Connection, params};
use spectrus_proto::Id;

use super::{StoreError, optional};

/// An invite as stored.
#[derive(Debug, Clone)]
pub(crate) struct InviteRow {
    pub code: String,
    pub uses: u32,
    pub max_uses: Option<u32>,
    pub expires_at: Option<i64>,
    pub created_by: Option<Id>,
    pub created_at: i64,
}

const COLS: &str = "code, uses, max_uses, expires_at, created_by, created_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InviteRow> {
    Ok(InviteRow {
        code: r.get(0)?,
        uses: r.get(1)?,
        max_uses: r.get(2)?,
        expires_at: r.get(3)?,
        created_by: r.get::<_, Option<i64>>(4)?.map(|v| Id(v as u64)),
        created_at: r.get(5)?,
    })
}

/// Stores a new invite.
pub(crate) fn insert(c: &Connection, i: &InviteRow) -> Result<(), StoreError> {
    c.execute(
        &format!("INSERT INTO invites({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![
            i.code,
            i.uses,
            i.max_uses,
            i.expires_at,
            i.created_by.map(|v| v.0 as i64),
            i.created_at
        ],
    )?;
    Ok(())
}

/// Every invite, newest first.
pub(crate) fn list(c: &Connection) -> Result<Vec<InviteRow>, StoreError> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {COLS} FROM invites ORDER BY created_at DESC"
    ))?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One invite.
pub(crate) fn get(c: &Connection, code: &str) -> Result<Option<InviteRow>, StoreError> {
    optional(
        c.prepare_cached(&format!("SELECT {COLS} FROM invites WHERE code = ?1"))?
            .query_row([code], row),
    )
}

/// Whether an invite can still be used at `now`.
pub(crate) fn usable(i: &InviteRow, now: i64) -> bool {
    i.max_uses.is_none_or(|m| i.uses < m) && i.expires_at.is_none_or(|e| e > now)
}

/// Uses the invite once if it is still usable. Atomic: of two racing for the last use,
/// exactly one gets `true`.
pub(crate) fn consume(c: &Connection, code: &str, now: i64) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE invites SET uses = uses + 1 WHERE code = ?1
           AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > ?2)",
        params![code, now],
    )?;
    Ok(n == 1)
}

/// Deletes an invite; `false` when there was none.
pub(crate) fn delete(c: &Connection, code: &str) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM invites WHERE code = ?1", [code])? == 1)
}
