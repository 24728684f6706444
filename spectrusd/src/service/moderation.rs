//! Moderation: kick, ban, unban, timeouts, nicknames and role lists of members.
//!
//! Kicking or banning ends the member's sessions at once: the member leaves the access model
//! (their access tokens stop authenticating), every refresh-token family is revoked, and every
//! gateway session closes with 4004. A kicked account may come back with a new invite
//! (`POST /invites/{code}`); a banned one may not until unbanned.
//!
//! A timeout takes effect on the next check (the access model applies it when read): the
//! member can still read but not post, react, speak or join voice.

use spectrus_proto::gateway::close::AUTHENTICATION_FAILED;
use spectrus_proto::gateway::{Dispatch, IdOnly};
use spectrus_proto::model::{Ban, Member};
use spectrus_proto::rest::PatchMember;
use spectrus_proto::{Id, Permission};

use super::members::{check_member_edit, dispatch_member, target_standing};
use super::{Actor, audit, visibility, with_actor};
use crate::bus::Audience;
use crate::domain::permissions::{Standing, may_manage_role, may_moderate};
use crate::domain::time::{now_ms, parse_rfc3339, rfc3339};
use crate::domain::validate;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// The longest timeout (28 days, as users know it from Discord).
pub(crate) const TIMEOUT_MAX_MS: i64 = 28 * 24 * 3600 * 1000;

/// Refuses to moderate (kick, ban, time out) `user`: oneself, the owner, or someone at or
/// above the actor.
fn check_moderation(
    actor: Actor,
    st: Standing,
    user: Id,
    target: Standing,
    what: &str,
) -> Result<(), ApiError> {
    if actor.user_id() == Some(user) {
        return Err(ApiError::Forbidden(format!("you cannot {what} yourself")));
    }
    if target.is_owner {
        return Err(ApiError::Forbidden(format!(
            "nobody can {what} the server's owner"
        )));
    }
    if !may_moderate(st, target) {
        return Err(ApiError::Forbidden(format!(
            "you can only {what} members whose highest role is below yours"
        )));
    }
    Ok(())
}

/// Removes a member from the live state: access, tokens, gateway sessions; tells the others.
fn end_membership(state: &AppState, user: Id, families: &[Id], why: &'static str) {
    let was_member = state.access.is_member(user);
    state.access.remove_member(user);
    // Close the member's gateways with the reason first (clients tell the member why), then
    // revoke the login sessions (whose own closes would only say "session revoked").
    state
        .hub
        .end_sessions(|s| s.user == user, AUTHENTICATION_FAILED, why);
    state.revoke(families);
    if was_member {
        state
            .hub
            .publish_unlogged(Dispatch::MemberRemove(IdOnly { id: user }), Audience::All);
    }
}

/// A kick or a ban, for [`removal`].
#[derive(Clone, Copy)]
enum Removal {
    Kick,
    Ban,
}

/// What a kick and a ban both check — permission, reason, rank — and their audit entry. A
/// kick needs a member; a ban may name any account (the owner is still the owner).
fn removal(
    state: &AppState,
    actor: Actor,
    user: Id,
    reason: Option<String>,
    kind: Removal,
) -> Result<(audit::Entry, Option<String>), ApiError> {
    let (permission, verb, action) = match kind {
        Removal::Kick => (Permission::MembersKick, "kick", "member.kick"),
        Removal::Ban => (Permission::MembersBan, "ban", "member.ban"),
    };
    actor.require(state, permission)?;
    let reason = audit::clean_reason(reason)?;
    let st = actor.standing(state)?;
    let target = match (kind, state.access.standing(user)) {
        (_, Some(t)) => t,
        (Removal::Kick, None) => return Err(ApiError::NotFound("member")),
        // Not a member: nobody's rank to respect, but the owner is still the owner.
        (Removal::Ban, None) => Standing {
            is_owner: state.access.owner() == Some(user),
            administrator: false,
            highest: i64::MIN,
        },
    };
    check_moderation(actor, st, user, target, verb)?;
    let entry = audit::Entry::new(state, actor, action)
        .target("user", user)
        .reason(reason.clone());
    Ok((entry, reason))
}

/// Kicks a member (`members:kick`): sessions end at once; a new invite lets them back.
pub(crate) async fn kick(
    state: &AppState,
    actor: Actor,
    user: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    let (entry, _) = removal(state, actor, user, reason, Removal::Kick)?;
    let families = super::write(state, move |c| {
        if !store::members::delete(c, user)? {
            return Err(ApiError::NotFound("member"));
        }
        let families = store::tokens::revoke_user(c, user)?;
        entry.write(c, serde_json::json!({}))?;
        Ok(families)
    })
    .await?;
    end_membership(state, user, &families, "removed from the server");
    state.hub.admin_event(
        "member_kick",
        with_actor(actor, serde_json::json!({"user_id": user})),
    );
    Ok(())
}

/// Bans an account (`members:ban`), member or not: sessions end at once and it cannot rejoin.
pub(crate) async fn ban(
    state: &AppState,
    actor: Actor,
    user: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    let (entry, reason) = removal(state, actor, user, reason, Removal::Ban)?;
    let r = reason.clone();
    let now = now_ms();
    let families = super::write(state, move |c| {
        if store::users::by_id(c, user)?.is_none() {
            return Err(ApiError::NotFound("user"));
        }
        store::bans::insert(c, user, r.as_deref(), actor.user_id(), now)?;
        let was_member = store::members::delete(c, user)?;
        let families = store::tokens::revoke_user(c, user)?;
        entry.write(c, serde_json::json!({"was_member": was_member}))?;
        Ok(families)
    })
    .await?;
    end_membership(state, user, &families, "banned from the server");
    state.hub.admin_event(
        "ban_add",
        with_actor(
            actor,
            serde_json::json!({"user_id": user, "reason": reason}),
        ),
    );
    Ok(())
}

/// Lifts a ban (`members:ban`). The account then needs an invite to rejoin.
pub(crate) async fn unban(
    state: &AppState,
    actor: Actor,
    user: Id,
    reason: Option<String>,
) -> Result<(), ApiError> {
    actor.require(state, Permission::MembersBan)?;
    let reason = audit::clean_reason(reason)?;
    let entry = audit::Entry::new(state, actor, "member.unban")
        .target("user", user)
        .reason(reason.clone());
    super::write(state, move |c| {
        if !store::bans::delete(c, user)? {
            return Err(ApiError::NotFound("ban"));
        }
        Ok(entry.write(c, serde_json::json!({}))?)
    })
    .await?;
    state.hub.admin_event(
        "ban_remove",
        with_actor(actor, serde_json::json!({"user_id": user})),
    );
    Ok(())
}

/// Every ban (`members:ban`), newest first.
pub(crate) async fn bans(state: &AppState, actor: Actor) -> Result<Vec<Ban>, ApiError> {
    actor.require(state, Permission::MembersBan)?;
    Ok(state.store.read(store::bans::list).await?)
}

/// What a member patch changes, checked.
struct MemberChange {
    nick: Option<Option<String>>,
    roles: Option<Vec<Id>>,
    timeout: Option<Option<i64>>,
}

fn check_patch(
    state: &AppState,
    actor: Actor,
    user: Id,
    req: PatchMember,
) -> Result<MemberChange, ApiError> {
    let st = actor.standing(state)?;
    let target = target_standing(state, user)?;
    // Permissions first: a member who may not make a change learns that, not what is wrong
    // with its values.
    if req.nick.is_some() && actor.user_id() != Some(user) {
        actor.require(state, Permission::MembersManageNicknames)?;
        check_member_edit(state, actor, st, user)?;
    }
    if req.roles.is_some() {
        actor.require(state, Permission::RolesManage)?;
        check_member_edit(state, actor, st, user)?;
    }
    if req.timeout_until.is_some() {
        actor.require(state, Permission::MembersTimeout)?;
        check_moderation(actor, st, user, target, "time out")?;
    }
    let mut check = validate::Checker::new();
    if let Some(Some(n)) = &req.nick {
        check.field("nick", validate::nick(n));
    }
    let now = now_ms();
    let timeout = match &req.timeout_until {
        None => None,
        Some(None) => Some(None),
        Some(Some(t)) => match parse_rfc3339(t) {
            Some(ms) if ms > now && ms <= now + TIMEOUT_MAX_MS => Some(Some(ms)),
            Some(_) => {
                check.check(
                    "timeout_until",
                    false,
                    "must be in the future, at most 28 days away",
                );
                None
            }
            None => {
                check.check("timeout_until", false, "must be an RFC 3339 time");
                None
            }
        },
    };
    check.finish()?;
    let roles = match req.roles {
        None => None,
        Some(list) => {
            let everyone = state.access.everyone_role();
            let mut wanted: Vec<Id> = Vec::new();
            for r in list {
                if r == everyone || wanted.contains(&r) {
                    continue;
                }
                if state.access.role(r).is_none() {
                    return Err(ApiError::field("roles", format!("no such role {r}")));
                }
                wanted.push(r);
            }
            let current = state.access.member_roles(user).unwrap_or_default();
            let added: Vec<Id> = wanted
                .iter()
                .filter(|r| !current.contains(r))
                .copied()
                .collect();
            for r in added
                .iter()
                .chain(current.iter().filter(|r| !wanted.contains(r)))
            {
                super::roles::refuse_managed(state, *r)?;
                let pos = state.access.role(*r).map(|r| r.position).unwrap_or(0);
                if !may_manage_role(st, pos) {
                    return Err(ApiError::Forbidden(
                        "you can only manage roles below your highest role".into(),
                    ));
                }
            }
            actor.require_grantable(state, super::permissions_of(state, &added))?;
            Some(wanted)
        }
    };
    Ok(MemberChange {
        nick: req.nick,
        roles,
        timeout,
    })
}

/// Edits a member: nickname (`members:manage_nicknames` for others), roles (`roles:manage`,
/// each below the actor), timeout (`members:timeout`; `null` lifts it).
pub(crate) async fn patch_member(
    state: &AppState,
    actor: Actor,
    user: Id,
    req: PatchMember,
    reason: Option<String>,
) -> Result<Member, ApiError> {
    let reason = audit::clean_reason(reason)?;
    let change = check_patch(state, actor, user, req)?;
    let entry0 = audit::Entry::new(state, actor, "member.update")
        .target("user", user)
        .reason(reason.clone());
    let entry1 = audit::Entry::new(state, actor, "member.roles")
        .target("user", user)
        .reason(reason.clone());
    let entry2 = audit::Entry::new(state, actor, "member.timeout")
        .target("user", user)
        .reason(reason.clone());
    let roles_change = change.roles.is_some();
    let timeout_change = change.timeout;
    let snapshot = roles_change.then(|| visibility::snapshot(state));
    let row = super::write(state, move |c| {
        let before = store::members::get(c, user)?.ok_or(ApiError::NotFound("member"))?;
        if let Some(n) = &change.nick
            && *n != before.nick
        {
            store::members::set_nick(c, user, n.as_deref())?;
            entry0.write(
                c,
                serde_json::json!({"before": {"nick": before.nick}, "after": {"nick": n}}),
            )?;
        }
        if let Some(roles) = &change.roles {
            let mut old = before.roles.clone();
            let mut new = roles.clone();
            old.sort();
            new.sort();
            if old != new {
                store::members::set_roles(c, user, roles)?;
                entry1.write(
                    c,
                    serde_json::json!({"before": {"roles": old}, "after": {"roles": new}}),
                )?;
            }
        }
        if let Some(t) = change.timeout {
            store::members::set_timeout(c, user, t)?;
            entry2.write(
                c,
                serde_json::json!({
                    "before": {"timeout_until": before.timeout_until.map(rfc3339)},
                    "after": {"timeout_until": t.map(rfc3339)},
                }),
            )?;
        }
        store::members::get(c, user)?.ok_or(ApiError::NotFound("member"))
    })
    .await?;
    state
        .access
        .upsert_member(user, row.roles.clone(), row.timeout_until);
    if let Some(s) = snapshot {
        visibility::announce(state, s).await?;
    }
    if let Some(t) = timeout_change {
        on_timeout_changed(state, actor, user, t);
    }
    Ok(dispatch_member(state, &row))
}

/// Called whenever a member's timeout is set or lifted (`until` in Unix ms).
///
/// VOICE HOOK: the voice engine must server-mute a member who is in voice for the duration
/// (and unmute when it is lifted or ends), and refuse `voice_join` while
/// `state.access.server_permissions(user)` lacks `voice:connect` (a timeout removes it).
/// It can subscribe to the admin stream's `member_timeout {user_id, until}` event
/// (`state.hub.subscribe()`) or be called from here.
fn on_timeout_changed(state: &AppState, actor: Actor, user: Id, until: Option<i64>) {
    // Server-mutes (or unmutes) the member in voice now; the voice task also re-checks
    // every second, which catches a timeout running out.
    state.voice.refresh_user(user);
    state.hub.admin_event(
        "member_timeout",
        with_actor(
            actor,
            serde_json::json!({"user_id": user, "until": until.map(rfc3339)}),
        ),
    );
}
