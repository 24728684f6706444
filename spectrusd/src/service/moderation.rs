//! Moderation: bans.
//!
//! NOTE (admin branch): a minimal version written against the signatures agreed with the
//! `perms` branch, so the admin socket can call them; the `perms` branch's version (with
//! kicks, timeouts and the hierarchy checks) replaces this file at merge.

use serde_json::json;
use spectrus_proto::gateway::{IdOnly, event};
use spectrus_proto::model::{Ban, UserRef};
use spectrus_proto::{Id, Permission};

use super::{Actor, audit};
use crate::domain::time::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::gateway::Audience;
use crate::state::AppState;
use crate::store::{self, StoreError};

/// Bans `user`: they leave the server, their sessions close, and they cannot come back.
pub async fn ban(
    state: &AppState,
    actor: Actor,
    user: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    actor.require(state, Permission::MembersBan)?;
    if actor.user_id() == Some(user) {
        return Err(ApiError::Conflict("you cannot ban yourself".into()));
    }
    let audit_id = state.ids.next();
    let now = now_ms();
    let r = reason.clone();
    let (families, was_member) = state
        .store
        .write(move |c| {
            let u = store::users::by_id(c, user)?
                .ok_or(StoreError::Rule(ApiError::NotFound("user")))?;
            if u.is_owner {
                return Err(StoreError::Rule(ApiError::Conflict(
                    "the owner cannot be banned".into(),
                )));
            }
            c.execute(
                "INSERT INTO bans(user_id, reason, banned_by, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(user_id) DO UPDATE SET reason = excluded.reason",
                rusqlite::params![user.0 as i64, r, actor.user_id().map(|a| a.0 as i64), now],
            )?;
            let was_member = store::members::is_member(c, user)?;
            c.execute("DELETE FROM members WHERE user_id = ?1", [user.0 as i64])?;
            let families = store::tokens::revoke_user(c, user)?;
            audit(
                c,
                audit_id,
                actor,
                "member.ban",
                Some(("user", user.to_string())),
                json!({"reason": r}),
            )?;
            Ok((families, was_member))
        })
        .await?;
    if !families.is_empty() {
        state.revoke(&families);
    }
    state.access.remove_member(user);
    if was_member {
        state
            .hub
            .dispatch(event::MEMBER_REMOVE, &IdOnly { id: user }, Audience::All);
    }
    let mut e = json!({"user_id": user, "reason": reason});
    match actor.user_id() {
        Some(a) => e["actor_id"] = json!(a),
        None => e["actor"] = json!("admin"),
    }
    state.hub.admin_event("ban_add", e);
    Ok(())
}

/// Lifts the ban of `user` (they may come back with an invite).
pub async fn unban(
    state: &AppState,
    actor: Actor,
    user: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    actor.require(state, Permission::MembersBan)?;
    let audit_id = state.ids.next();
    state
        .store
        .write(move |c| {
            let n = c.execute("DELETE FROM bans WHERE user_id = ?1", [user.0 as i64])?;
            if n == 0 {
                return Err(StoreError::Rule(ApiError::NotFound("ban")));
            }
            audit(
                c,
                audit_id,
                actor,
                "member.unban",
                Some(("user", user.to_string())),
                json!({"reason": reason}),
            )
        })
        .await?;
    let mut e = json!({"user_id": user});
    match actor.user_id() {
        Some(a) => e["actor_id"] = json!(a),
        None => e["actor"] = json!("admin"),
    }
    state.hub.admin_event("ban_remove", e);
    Ok(())
}

/// Every ban, oldest first.
pub async fn bans(state: &AppState, actor: Actor) -> Result<Vec<Ban>, ApiError> {
    actor.require(state, Permission::MembersBan)?;
    Ok(state
        .store
        .read(|c| {
            let mut st = c.prepare_cached(
                "SELECT b.user_id, u.username, u.display_name, b.reason, b.created_at
                 FROM bans b JOIN users u ON u.id = b.user_id ORDER BY b.created_at, b.user_id",
            )?;
            let rows = st
                .query_map([], |r| {
                    Ok(Ban {
                        user: UserRef {
                            id: Id(r.get::<_, i64>(0)? as u64),
                            username: r.get(1)?,
                            display_name: r.get(2)?,
                        },
                        reason: r.get(3)?,
                        created_at: rfc3339(r.get(4)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?)
}
