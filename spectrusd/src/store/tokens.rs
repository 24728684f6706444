//! Refresh tokens, grouped in families (one family per login session).
//!
//! A refresh token is used once: rotation marks it used and issues the next one in the same
//! family. Presenting a used token again means it was stolen (or replayed): the whole family
//! is revoked.

use rusqlite::{Connection, params};
use spectrus_proto::Id;

use super::{StoreError, optional};

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rotation {
    /// Valid: the new token was stored.
    Rotated { user_id: Id, family_id: Id },
    /// Unknown, expired, or its family is revoked.
    Invalid,
    /// Already used: the family has now been revoked.
    Reused { family_id: Id },
}

/// Starts a new family for `user` with its first token.
pub(crate) fn start_family(
    c: &Connection,
    family: Id,
    user: Id,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO token_families(id, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![family.0 as i64, user.0 as i64, now],
    )?;
    c.execute(
        "INSERT INTO refresh_tokens(token_hash, family_id, expires_at) VALUES (?1, ?2, ?3)",
        params![token_hash, family.0 as i64, expires_at],
    )?;
    Ok(())
}

/// Exchanges `old_hash` for `new_hash` (see [`Rotation`]).
pub(crate) fn rotate(
    c: &Connection,
    old_hash: &str,
    new_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<Rotation, StoreError> {
    let found = optional(c.query_row(
        "SELECT t.family_id, t.expires_at, t.used, f.revoked, f.user_id
         FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id WHERE t.token_hash = ?1",
        [old_hash],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
            ))
        },
    ))?;
    let Some((family, expires, used, revoked, user)) = found else {
        return Ok(Rotation::Invalid);
    };
    if revoked {
        return Ok(Rotation::Invalid);
    }
    if used {
        c.execute(
            "UPDATE token_families SET revoked = 1 WHERE id = ?1",
            [family],
        )?;
        return Ok(Rotation::Reused {
            family_id: Id(family as u64),
        });
    }
    if expires <= now {
        return Ok(Rotation::Invalid);
    }
    c.execute(
        "UPDATE refresh_tokens SET used = 1 WHERE token_hash = ?1",
        [old_hash],
    )?;
    c.execute(
        "INSERT INTO refresh_tokens(token_hash, family_id, expires_at) VALUES (?1, ?2, ?3)",
        params![new_hash, family, expires_at],
    )?;
    Ok(Rotation::Rotated {
        user_id: Id(user as u64),
        family_id: Id(family as u64),
    })
}

/// Revokes the family of a token (logout). Returns the family id if the token was known.
pub(crate) fn revoke_by_token(c: &Connection, token_hash: &str) -> Result<Option<Id>, StoreError> {
    let family = optional(c.query_row(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = ?1",
        [token_hash],
        |r| r.get::<_, i64>(0),
    ))?;
    if let Some(f) = family {
        c.execute("UPDATE token_families SET revoked = 1 WHERE id = ?1", [f])?;
    }
    Ok(family.map(|f| Id(f as u64)))
}

/// Revokes every family of a user (kick, ban, disable, password change). Returns them.
pub(crate) fn revoke_user(c: &Connection, user: Id) -> Result<Vec<Id>, StoreError> {
    let mut st = c.prepare("SELECT id FROM token_families WHERE user_id = ?1 AND revoked = 0")?;
    let ids = st
        .query_map([user.0 as i64], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    c.execute(
        "UPDATE token_families SET revoked = 1 WHERE user_id = ?1",
        [user.0 as i64],
    )?;
    Ok(ids.into_iter().map(|i| Id(i as u64)).collect())
}

/// Revoked families that issued a token within `access_ttl_ms` of `now`: access tokens
/// minted from them may still be unexpired, so the daemon keeps them in memory at start.
pub(crate) fn revoked_with_live_access(
    c: &Connection,
    now: i64,
    refresh_ttl_ms: i64,
    access_ttl_ms: i64,
) -> Result<Vec<Id>, StoreError> {
    let mut st = c.prepare(
        "SELECT DISTINCT f.id FROM token_families f JOIN refresh_tokens t ON t.family_id = f.id
         WHERE f.revoked = 1 AND t.expires_at > ?1",
    )?;
    let cutoff = now + refresh_ttl_ms - access_ttl_ms;
    let ids = st
        .query_map([cutoff], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids.into_iter().map(|i| Id(i as u64)).collect())
}
