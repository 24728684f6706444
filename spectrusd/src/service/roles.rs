//! Roles: create, edit, reorder, delete, and their assignment to members.
//!
//! NOTE (admin branch): a minimal version written against the signatures agreed with the
//! `perms` branch, so the admin socket can call them; the `perms` branch's version (with the
//! role hierarchy checks) replaces this file at merge.

use serde_json::json;
use spectrus_proto::admin::{CreateRole, PatchRole, RolePosition};
use spectrus_proto::gateway::{IdOnly, event};
use spectrus_proto::model::{Presence, Role};
use spectrus_proto::{Id, Permission};

use super::{Actor, audit};
use crate::error::ApiError;
use crate::gateway::Audience;
use crate::state::AppState;
use crate::store::{self, StoreError};

fn rule(e: ApiError) -> StoreError {
    StoreError::Rule(e)
}

fn check_fields(name: Option<&str>, color: Option<&str>) -> Result<(), ApiError> {
    let mut check = crate::domain::validate::Checker::new();
    if let Some(n) = name {
        let len = n.chars().count();
        check.check(
            "name",
            (1..=100).contains(&len) && n.trim() == n,
            "must be 1 to 100 characters without surrounding spaces",
        );
        check.check("name", n != "@everyone", "@everyone is taken");
    }
    if let Some(c) = color {
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        check.check("color", ok, "must look like #e67e22");
    }
    Ok(check.finish()?)
}

/// Every role, by position.
pub async fn list(state: &AppState) -> Result<Vec<Role>, ApiError> {
    Ok(state.store.read(store::roles::list).await?)
}

/// Creates a role at position 1 (just above `@everyone`; the others move up).
pub async fn create(state: &AppState, actor: Actor, req: CreateRole) -> Result<Role, ApiError> {
    actor.require(state, Permission::RolesManage)?;
    check_fields(Some(&req.name), req.color.as_deref())?;
    let id = state.ids.next();
    let audit_id = state.ids.next();
    let (role, moved) = state
        .store
        .write(move |c| {
            let mut moved = Vec::new();
            for mut r in store::roles::list(c)?
                .into_iter()
                .filter(|r| r.position >= 1)
            {
                r.position += 1;
                store::roles::upsert(c, &r)?;
                moved.push(r);
            }
            let role = Role {
                id,
                name: req.name,
                color: req.color,
                position: 1,
                permissions: req.permissions,
                hoist: req.hoist.unwrap_or(false),
                mentionable: req.mentionable.unwrap_or(false),
            };
            store::roles::upsert(c, &role)?;
            audit(
                c,
                audit_id,
                actor,
                "role.create",
                Some(("role", id.to_string())),
                json!({"after": &role}),
            )?;
            Ok((role, moved))
        })
        .await?;
    for r in &moved {
        state.access.upsert_role(r);
        state.hub.dispatch(event::ROLE_UPDATE, r, Audience::All);
    }
    state.access.upsert_role(&role);
    state.hub.dispatch(event::ROLE_CREATE, &role, Audience::All);
    Ok(role)
}

/// Edits a role: absent fields stay, a `null` colour clears it.
pub async fn patch(
    state: &AppState,
    actor: Actor,
    id: Id,
    req: PatchRole,
) -> Result<Role, ApiError> {
    actor.require(state, Permission::RolesManage)?;
    check_fields(req.name.as_deref(), req.color.clone().flatten().as_deref())?;
    let audit_id = state.ids.next();
    let role = state
        .store
        .write(move |c| {
            let before =
                store::roles::get(c, id)?.ok_or_else(|| rule(ApiError::NotFound("role")))?;
            let mut r = before.clone();
            if let Some(n) = req.name {
                if r.position == 0 {
                    return Err(rule(ApiError::field("name", "@everyone cannot be renamed")));
                }
                r.name = n;
            }
            if let Some(p) = req.permissions {
                r.permissions = p;
            }
            if let Some(c) = req.color {
                r.color = c;
            }
            if let Some(h) = req.hoist {
                r.hoist = h;
            }
            if let Some(m) = req.mentionable {
                r.mentionable = m;
            }
            store::roles::upsert(c, &r)?;
            audit(
                c,
                audit_id,
                actor,
                "role.update",
                Some(("role", id.to_string())),
                json!({"before": before, "after": &r}),
            )?;
            Ok(r)
        })
        .await?;
    state.access.upsert_role(&role);
    state.hub.dispatch(event::ROLE_UPDATE, &role, Audience::All);
    Ok(role)
}

/// Deletes a role (`@everyone` cannot be deleted); the roles above move down.
pub async fn delete(state: &AppState, actor: Actor, id: Id) -> Result<(), ApiError> {
    actor.require(state, Permission::RolesManage)?;
    let audit_id = state.ids.next();
    let (role, moved) = state
        .store
        .write(move |c| {
            let role = store::roles::get(c, id)?.ok_or_else(|| rule(ApiError::NotFound("role")))?;
            if role.position == 0 {
                return Err(rule(ApiError::Conflict(
                    "@everyone cannot be deleted".into(),
                )));
            }
            store::roles::delete(c, id)?;
            let mut moved = Vec::new();
            for mut r in store::roles::list(c)?
                .into_iter()
                .filter(|r| r.position > role.position)
            {
                r.position -= 1;
                store::roles::upsert(c, &r)?;
                moved.push(r);
            }
            audit(
                c,
                audit_id,
                actor,
                "role.delete",
                Some(("role", id.to_string())),
                json!({"before": &role}),
            )?;
            Ok((role, moved))
        })
        .await?;
    state.access.remove_role(id);
    state
        .hub
        .dispatch(event::ROLE_DELETE, &IdOnly { id: role.id }, Audience::All);
    for r in &moved {
        state.access.upsert_role(r);
        state.hub.dispatch(event::ROLE_UPDATE, r, Audience::All);
    }
    Ok(())
}

/// Moves roles in one transaction; `@everyone` stays at 0 and nothing else may go there.
pub async fn reorder(
    state: &AppState,
    actor: Actor,
    moves: Vec<RolePosition>,
) -> Result<Vec<Role>, ApiError> {
    actor.require(state, Permission::RolesManage)?;
    if moves.is_empty() || moves.len() > 250 {
        return Err(ApiError::InvalidBody("give 1 to 250 role positions".into()));
    }
    let audit_id = state.ids.next();
    let roles = state
        .store
        .write(move |c| {
            let mut roles = store::roles::list(c)?;
            for m in &moves {
                let Some(idx) = roles.iter().position(|r| r.id == m.id) else {
                    return Err(rule(ApiError::NotFound("role")));
                };
                if roles[idx].position == 0 || m.position < 1 {
                    return Err(rule(ApiError::field(
                        "position",
                        "@everyone stays at position 0 and nothing else may go there",
                    )));
                }
                let r = roles.remove(idx);
                let at = (m.position as usize).min(roles.len());
                roles.insert(at, r);
            }
            for (i, r) in roles.iter_mut().enumerate() {
                if r.position != i as i64 {
                    r.position = i as i64;
                    store::roles::upsert(c, r)?;
                }
            }
            audit(
                c,
                audit_id,
                actor,
                "role.reorder",
                None,
                json!({"moves": moves.iter().map(|m| (m.id, m.position)).collect::<Vec<_>>()}),
            )?;
            Ok(roles)
        })
        .await?;
    for r in &roles {
        state.access.upsert_role(r);
        state.hub.dispatch(event::ROLE_UPDATE, r, Audience::All);
    }
    Ok(roles)
}

async fn membership(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    reason: Option<String>,
    give: bool,
) -> Result<(), ApiError> {
    actor.require(state, Permission::RolesManage)?;
    let audit_id = state.ids.next();
    let member = state
        .store
        .write(move |c| {
            let r = store::roles::get(c, role)?.ok_or_else(|| rule(ApiError::NotFound("role")))?;
            if r.position == 0 {
                return Err(rule(ApiError::Conflict(
                    "everyone has @everyone; it cannot be granted or revoked".into(),
                )));
            }
            if !store::members::is_member(c, user)? {
                return Err(rule(ApiError::NotFound("member")));
            }
            if give {
                store::roles::assign(c, user, role)?;
            } else {
                store::roles::unassign(c, user, role)?;
            }
            let mut changes = json!({"role_id": role});
            changes["reason"] = json!(reason);
            audit(
                c,
                audit_id,
                actor,
                if give {
                    "member.role_add"
                } else {
                    "member.role_remove"
                },
                Some(("user", user.to_string())),
                changes,
            )?;
            store::members::get(c, user)?.ok_or_else(|| rule(ApiError::NotFound("member")))
        })
        .await?;
    state
        .access
        .upsert_member(user, member.roles.clone(), member.timeout_until);
    let presence = if state.hub.user_online(user) {
        Presence::Online
    } else {
        Presence::Offline
    };
    state.hub.dispatch(
        event::MEMBER_UPDATE,
        &member.to_member(presence),
        Audience::All,
    );
    Ok(())
}

/// Gives `role` to the member `user`.
pub async fn assign(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    membership(state, actor, user, role, reason, true).await
}

/// Takes `role` from the member `user`.
pub async fn unassign(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    membership(state, actor, user, role, reason, false).await
}
