//! Roles: create, edit, delete, reorder (one transaction), and per-member assignment.
//!
//! Every change checks `roles:manage`, the hierarchy (only roles below the actor's highest)
//! and escalation (only permissions the actor holds), writes an audit entry in the same
//! transaction, updates the access model, and tells the gateway: `ROLE_*` to everyone,
//! `MEMBER_UPDATE` for assignments, and `CHANNEL_DELETE`/`CHANNEL_CREATE` to whoever a
//! permission change hides or shows channels for.

use std::collections::{HashMap, HashSet};

use spectrus_proto::gateway::{Dispatch, IdOnly};
use spectrus_proto::model::Role;
use spectrus_proto::rest::{CreateRole, PatchRole, RolePosition};
use spectrus_proto::{Id, Permission};

use super::{Actor, audit, members, visibility};
use crate::bus::Audience;
use crate::domain::permissions::{Standing, may_manage_role, may_move_role};
use crate::domain::validate;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// Every role, by position (`@everyone` first).
pub(crate) async fn list(state: &AppState) -> Result<Vec<Role>, ApiError> {
    Ok(state.store.read(store::roles::list).await?)
}

fn below_only() -> ApiError {
    ApiError::Forbidden("you can only manage roles below your highest role".into())
}

/// `roles:manage`, and `id` below the actor: the actor's standing and the role.
fn manage(state: &AppState, actor: Actor, id: Id) -> Result<(Standing, Role), ApiError> {
    actor.require(state, Permission::RolesManage)?;
    let st = actor.standing(state)?;
    refuse_managed(state, id)?;
    Ok((st, manageable(state, st, id)?))
}

/// Refuses a role a plugin manages (409 `managed_role`): nobody renames, edits, deletes,
/// gives or takes it; it changes with the plugin and goes with it.
pub(crate) fn refuse_managed(state: &AppState, id: Id) -> Result<(), ApiError> {
    match state.bots.role_manager(id) {
        Some(plugin) => Err(ApiError::ManagedRole(format!(
            "this role is managed by the plugin {plugin:?}: it changes with the plugin (spectrusctl plugins update) and goes with it"
        ))),
        None => Ok(()),
    }
}

/// A role the actor may manage (exists, below the actor's highest role).
fn manageable(state: &AppState, st: Standing, id: Id) -> Result<Role, ApiError> {
    let role = state.access.role(id).ok_or(ApiError::NotFound("role"))?;
    if !may_manage_role(st, role.position) {
        return Err(below_only());
    }
    Ok(role)
}

/// Reports a role change to the admin stream, with who made it: the stream's one event for
/// it (the `ROLE_*` dispatches are not mapped there, so that a creation that also moves
/// other roles up is one `role_create`).
fn publish_admin(state: &AppState, kind: &str, actor: Actor, role: &Role) {
    state.hub.admin_event(
        kind,
        super::with_actor(
            actor,
            serde_json::json!({"role_id": role.id, "name": role.name}),
        ),
    );
}

/// Creates a role just above `@everyone` (the others move up).
pub(crate) async fn create(
    state: &AppState,
    actor: Actor,
    req: CreateRole,
) -> Result<Role, ApiError> {
    actor.require(state, Permission::RolesManage)?;
    let mut check = validate::Checker::new();
    check.field("name", validate::role_name(&req.name));
    if let Some(c) = &req.color {
        check.field("color", validate::color(c));
    }
    check.finish()?;
    actor.require_grantable(state, req.permissions)?;
    let st = actor.standing(state)?;
    // The new role lands at 1 and the actor's own roles move up with the rest: only someone
    // holding a role above @everyone ends up above it.
    if !(st.is_owner || st.administrator || st.highest >= 1) {
        return Err(below_only());
    }
    let role = Role {
        id: state.ids.next(),
        name: req.name.trim().to_owned(),
        color: req.color.map(|c| c.to_ascii_lowercase()),
        position: 1,
        permissions: req.permissions,
        hoist: req.hoist.unwrap_or(false),
        mentionable: req.mentionable.unwrap_or(false),
        managed_by: None,
    };
    let entry = audit::Entry::new(state, actor, "role.create").target("role", role.id);
    let r = role.clone();
    let all = super::write(state, move |c| {
        store::roles::shift_up_from(c, 1)?;
        store::roles::upsert(c, &r)?;
        entry.write(c, serde_json::json!({"after": &r}))?;
        Ok(store::roles::list(c)?)
    })
    .await?;
    for r in &all {
        state.access.upsert_role(r);
    }
    state
        .hub
        .publish(Dispatch::RoleCreate(role.clone()), Audience::All);
    announce_moved(state, all.iter().filter(|r| r.position > 1));
    publish_admin(state, "role_create", actor, &role);
    Ok(role)
}

/// Edits a role: absent fields stay, `color: null` clears.
pub(crate) async fn patch(
    state: &AppState,
    actor: Actor,
    id: Id,
    req: PatchRole,
) -> Result<Role, ApiError> {
    let (_, before) = manage(state, actor, id)?;
    let mut check = validate::Checker::new();
    if let Some(n) = &req.name {
        if before.position == 0 {
            check.check("name", false, "@everyone cannot be renamed");
        } else {
            check.field("name", validate::role_name(n));
        }
    }
    if let Some(Some(c)) = &req.color {
        check.field("color", validate::color(c));
    }
    check.finish()?;
    if let Some(p) = req.permissions {
        actor.require_grantable(state, p.minus(before.permissions))?;
    }
    let mut after = before.clone();
    if let Some(n) = &req.name {
        after.name = n.trim().to_owned();
    }
    if let Some(p) = req.permissions {
        after.permissions = p;
    }
    if let Some(c) = &req.color {
        after.color = c.as_ref().map(|c| c.to_ascii_lowercase());
    }
    if let Some(h) = req.hoist {
        after.hoist = h;
    }
    if let Some(m) = req.mentionable {
        after.mentionable = m;
    }
    let entry = audit::Entry::new(state, actor, "role.update").target("role", id);
    let snapshot = visibility::snapshot(state);
    let role = super::write(state, move |c| {
        // Re-read inside the transaction so a concurrent reorder is not undone.
        let stored = store::roles::get(c, id)?.ok_or(ApiError::NotFound("role"))?;
        let role = Role {
            position: stored.position,
            ..after
        };
        store::roles::upsert(c, &role)?;
        entry.write(c, serde_json::json!({"before": stored, "after": &role}))?;
        Ok(role)
    })
    .await?;
    state.access.upsert_role(&role);
    visibility::announce(state, snapshot).await?;
    state
        .hub
        .publish(Dispatch::RoleUpdate(role.clone()), Audience::All);
    publish_admin(state, "role_update", actor, &role);
    Ok(role)
}

/// Deletes a role (not `@everyone`); the roles above move down one.
pub(crate) async fn delete(state: &AppState, actor: Actor, id: Id) -> Result<(), ApiError> {
    let (_, role) = manage(state, actor, id)?;
    if role.position == 0 {
        return Err(ApiError::Conflict(
            "the @everyone role cannot be deleted".into(),
        ));
    }
    let entry = audit::Entry::new(state, actor, "role.delete").target("role", id);
    let snapshot = visibility::snapshot(state);
    let (holders, moved) = super::write(state, move |c| {
        let before = store::roles::get(c, id)?.ok_or(ApiError::NotFound("role"))?;
        let holders = store::roles::holders(c, id)?;
        store::roles::delete(c, id)?;
        let moved = store::roles::compact(c)?;
        entry.write(
            c,
            serde_json::json!({"before": before, "holders": &holders}),
        )?;
        Ok((holders, moved))
    })
    .await?;
    state.access.remove_role(id);
    for r in &moved {
        state.access.upsert_role(r);
    }
    visibility::announce(state, snapshot).await?;
    state
        .hub
        .publish(Dispatch::RoleDelete(IdOnly { id }), Audience::All);
    announce_moved(state, &moved);
    for u in holders {
        members::publish_member(state, u).await?;
    }
    publish_admin(state, "role_delete", actor, &role);
    Ok(())
}

/// Tells everyone the roles whose position changed.
fn announce_moved<'a>(state: &AppState, roles: impl IntoIterator<Item = &'a Role>) {
    for r in roles {
        state
            .hub
            .publish(Dispatch::RoleUpdate(r.clone()), Audience::All);
    }
}

/// The new order: every role's position after `moves`, checked and made dense (1..n).
fn new_order(roles: &[Role], moves: &[RolePosition], st: Standing) -> Result<Vec<Role>, ApiError> {
    let mut pos: HashMap<Id, i64> = roles.iter().map(|r| (r.id, r.position)).collect();
    let mut seen = HashSet::new();
    for m in moves {
        if !seen.insert(m.id) {
            return Err(ApiError::InvalidBody(format!(
                "role {} is listed twice",
                m.id
            )));
        }
        let from = *pos.get(&m.id).ok_or(ApiError::NotFound("role"))?;
        if from == 0 || m.position < 1 {
            return Err(ApiError::field(
                "position",
                "@everyone stays at 0; other roles take positions from 1",
            ));
        }
        if from != m.position && !may_move_role(st, from, m.position) {
            return Err(below_only());
        }
        pos.insert(m.id, m.position);
    }
    let mut ranked: Vec<(i64, Id)> = pos
        .iter()
        .filter(|(_, p)| **p > 0)
        .map(|(id, p)| (*p, *id))
        .collect();
    ranked.sort();
    if ranked.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(ApiError::field(
            "position",
            "two roles would share a position; send the whole order",
        ));
    }
    let by_id: HashMap<Id, &Role> = roles.iter().map(|r| (r.id, r)).collect();
    let mut changed = Vec::new();
    for (i, (_, id)) in ranked.iter().enumerate() {
        if let Some(r) = by_id.get(id)
            && r.position != i as i64 + 1
        {
            changed.push(Role {
                position: i as i64 + 1,
                ..(*r).clone()
            });
        }
    }
    Ok(changed)
}

/// Reorders roles in one transaction (drag-to-reorder sends the whole order).
pub(crate) async fn reorder(
    state: &AppState,
    actor: Actor,
    moves: Vec<RolePosition>,
) -> Result<Vec<Role>, ApiError> {
    actor.require(state, Permission::RolesManage)?;
    if moves.is_empty() || moves.len() > 250 {
        return Err(ApiError::InvalidBody("give 1 to 250 role positions".into()));
    }
    let st = actor.standing(state)?;
    let entry = audit::Entry::new(state, actor, "role.reorder");
    let (changed, all) = super::write(state, move |c| {
        let roles = store::roles::list(c)?;
        let changed = new_order(&roles, &moves, st)?;
        for r in &changed {
            store::roles::upsert(c, r)?;
        }
        entry.write(
            c,
            serde_json::json!({
                "before": roles.iter().map(|r| (r.id, r.position)).collect::<Vec<_>>(),
                "after": changed.iter().map(|r| (r.id, r.position)).collect::<Vec<_>>(),
            }),
        )?;
        Ok((changed, store::roles::list(c)?))
    })
    .await?;
    for r in &changed {
        state.access.upsert_role(r);
    }
    announce_moved(state, &changed);
    for r in &changed {
        publish_admin(state, "role_update", actor, r);
    }
    Ok(all)
}

/// Checks that `actor` may give or take `role` to or from `user`.
fn check_assignment(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    granting: bool,
) -> Result<Role, ApiError> {
    let (st, r) = manage(state, actor, role)?;
    if r.position == 0 {
        return Err(ApiError::InvalidBody(
            "every member has @everyone; it cannot be given or taken".into(),
        ));
    }
    members::check_member_edit(state, actor, st, user)?;
    if granting {
        actor.require_grantable(state, r.permissions)?;
    }
    Ok(r)
}

/// Gives `role` to `user`.
pub(crate) async fn assign(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    change_assignment(state, actor, user, role, reason, true).await
}

/// Takes `role` from `user`.
pub(crate) async fn unassign(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    change_assignment(state, actor, user, role, reason, false).await
}

async fn change_assignment(
    state: &AppState,
    actor: Actor,
    user: Id,
    role: Id,
    reason: Option<String>,
    add: bool,
) -> Result<(), ApiError> {
    let reason = audit::clean_reason(reason)?;
    let r = check_assignment(state, actor, user, role, add)?;
    let had = state
        .access
        .member_roles(user)
        .is_some_and(|rs| rs.contains(&role));
    if had == add {
        return Ok(());
    }
    let entry = audit::Entry::new(
        state,
        actor,
        if add {
            "member.role_add"
        } else {
            "member.role_remove"
        },
    )
    .target("user", user)
    .reason(reason.clone());
    let snapshot = visibility::snapshot(state);
    let row = super::write(state, move |c| {
        if add {
            store::roles::assign(c, user, role)?;
        } else {
            store::roles::unassign(c, user, role)?;
        }
        entry.write(c, serde_json::json!({"role_id": role, "name": r.name}))?;
        Ok(store::members::get(c, user)?)
    })
    .await?
    .ok_or(ApiError::NotFound("member"))?;
    state
        .access
        .upsert_member(user, row.roles.clone(), row.timeout_until);
    visibility::announce(state, snapshot).await?;
    members::dispatch_member(state, &row);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_proto::permissions::PermissionSet;

    fn role(id: u64, position: i64) -> Role {
        Role {
            id: Id(id),
            name: format!("r{id}"),
            color: None,
            position,
            permissions: PermissionSet::EMPTY,
            hoist: false,
            mentionable: false,
            managed_by: None,
        }
    }

    fn mv(id: u64, position: i64) -> RolePosition {
        RolePosition {
            id: Id(id),
            position,
        }
    }

    const MOD3: Standing = Standing {
        is_owner: false,
        administrator: false,
        highest: 3,
    };

    #[test]
    fn reorder_rules() {
        let roles = [role(1, 0), role(2, 1), role(3, 2), role(4, 3)];
        // Swapping the two roles below the actor.
        let changed = new_order(&roles, &[mv(2, 2), mv(3, 1)], MOD3).unwrap();
        assert_eq!(changed.len(), 2);
        assert!(changed.iter().any(|r| r.id == Id(2) && r.position == 2));
        // The whole order may be sent, including unchanged roles above the actor.
        let changed = new_order(&roles, &[mv(4, 3), mv(3, 1), mv(2, 2)], MOD3).unwrap();
        assert_eq!(changed.len(), 2);
        // Lifting a role to the actor's level, or moving the actor's own role: refused.
        assert!(new_order(&roles, &[mv(2, 3), mv(4, 1)], MOD3).is_err());
        assert!(
            new_order(&roles, &[mv(4, 1)], Standing::OPERATOR).is_err(),
            "collision"
        );
        // @everyone stays at 0.
        assert!(new_order(&roles, &[mv(1, 2)], Standing::OPERATOR).is_err());
        assert!(new_order(&roles, &[mv(2, 0)], Standing::OPERATOR).is_err());
        // Unknown roles and duplicates.
        assert!(new_order(&roles, &[mv(9, 1)], Standing::OPERATOR).is_err());
        assert!(new_order(&roles, &[mv(2, 1), mv(2, 1)], Standing::OPERATOR).is_err());
        // Gaps are closed.
        let changed = new_order(&roles, &[mv(4, 10)], Standing::OPERATOR).unwrap();
        assert!(changed.is_empty(), "still 1, 2, 3");
        let changed = new_order(&roles, &[mv(2, 10)], Standing::OPERATOR).unwrap();
        let at: HashMap<Id, i64> = changed.iter().map(|r| (r.id, r.position)).collect();
        assert_eq!(at.get(&Id(2)), Some(&3));
        assert_eq!(at.get(&Id(3)), Some(&1));
        assert_eq!(at.get(&Id(4)), Some(&2));
    }
}
