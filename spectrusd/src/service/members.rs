//! Members and roles as the core needs them (listing, `MEMBER_UPDATE`, who may edit whom);
//! moderation and role assignment build on this.

use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Member, Presence, Role};

use super::Actor;
use crate::bus::Audience;
use crate::domain::permissions::{Standing, may_moderate};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::members::MemberRow;
use crate::store::users::UserRow;

/// Whether the server is in large-server mode now (issue 20). On a small server every
/// session gets every presence and member update. Above `limits.large_server_members`
/// members the server is large: `ready` carries no member list, and a member's presence and
/// member updates go only to the sessions that watch the member (`watch_members`, see
/// [`super::watch`]), to the member's own sessions, and to everyone while the member is in
/// voice (every client shows who is in voice).
pub(crate) fn is_large(state: &AppState) -> bool {
    state.access.member_count() > state.config().limits.large_server_members
}

/// Who receives `user`'s presence and member updates.
pub(crate) fn member_audience(state: &AppState, user: Id) -> Audience {
    if is_large(state) && state.voice.state_of_user(user).channel_id.is_none() {
        Audience::Watchers(user)
    } else {
        Audience::All
    }
}

/// A page of members by id.
pub(crate) async fn page(
    state: &AppState,
    after: Option<Id>,
    limit: Option<u32>,
) -> Result<Vec<Member>, ApiError> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 1000"));
    }
    let rows = state
        .store
        .read(move |c| store::members::page(c, after, limit))
        .await?;
    Ok(with_presence(state, &rows))
}

/// One member.
pub(crate) async fn get(state: &AppState, user: Id) -> Result<Member, ApiError> {
    let row = state
        .store
        .read(move |c| store::members::get(c, user))
        .await?
        .ok_or(ApiError::NotFound("member"))?;
    Ok(row.to_member(presence(state, user)))
}

/// Every role, by position.
pub(crate) async fn roles(state: &AppState) -> Result<Vec<Role>, ApiError> {
    Ok(state.store.read(store::roles::list).await?)
}

/// Members as the wire shows them, each with its presence now.
pub(crate) fn with_presence(state: &AppState, rows: &[MemberRow]) -> Vec<Member> {
    // One index lookup per row, not a walk over every session.
    rows.iter()
        .map(|m| m.to_member(presence(state, m.user.id)))
        .collect()
}

/// A new account's membership (no roles), known to the access model and announced to all;
/// to the admin stream as `member_join` unless `reported` (the caller reports the change by
/// its own name, e.g. `user_created`).
pub(crate) fn announce_joined(state: &AppState, row: &UserRow, joined_at: i64, reported: bool) {
    state.access.upsert_member(row.id, Vec::new(), None);
    let member = MemberRow {
        user: row.to_ref(),
        nick: None,
        roles: Vec::new(),
        joined_at,
        timeout_until: None,
    };
    let event = Dispatch::MemberAdd(member.to_member(Presence::Offline));
    if reported {
        state.hub.publish_unlogged(event, Audience::All);
    } else {
        state.hub.publish(event, Audience::All);
    }
}

/// Whether `user` has a session now.
fn presence(state: &AppState, user: Id) -> Presence {
    if state.hub.user_online(user) {
        Presence::Online
    } else {
        Presence::Offline
    }
}

/// Sends `MEMBER_UPDATE` for a member row.
pub(crate) fn dispatch_member(state: &AppState, row: &MemberRow) -> Member {
    let m = row.to_member(presence(state, row.user.id));
    state.hub.publish(
        Dispatch::MemberUpdate(m.clone()),
        member_audience(state, row.user.id),
    );
    m
}

/// Re-reads a member, keeps the access model in step, and sends `MEMBER_UPDATE`.
pub(crate) async fn publish_member(state: &AppState, user: Id) -> Result<(), ApiError> {
    if let Some(row) = state
        .store
        .read(move |c| store::members::get(c, user))
        .await?
    {
        state
            .access
            .upsert_member(user, row.roles.clone(), row.timeout_until);
        dispatch_member(state, &row);
    }
    Ok(())
}

/// The standing (roles, ownership) of a member; 404 for someone who is not one.
pub(crate) fn target_standing(state: &AppState, user: Id) -> Result<Standing, ApiError> {
    state
        .access
        .standing(user)
        .ok_or(ApiError::NotFound("member"))
}

/// Refuses to edit (roles, nickname) another member at or above the actor. Editing oneself is
/// allowed; the owner's account is edited only by the owner or the operator.
pub(crate) fn check_member_edit(
    state: &AppState,
    actor: Actor,
    st: Standing,
    user: Id,
) -> Result<(), ApiError> {
    let target = target_standing(state, user)?;
    if actor.user_id() == Some(user) || actor.is_admin() {
        return Ok(());
    }
    if target.is_owner || !may_moderate(st, target) {
        return Err(ApiError::Forbidden(
            "you can only manage members whose highest role is below yours".into(),
        ));
    }
    Ok(())
}
