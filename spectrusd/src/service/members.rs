//! Members and roles as the core needs them (listing); moderation builds on this.

use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Member, Presence, Role};

use crate::bus::Audience;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::members::MemberRow;
use crate::store::users::UserRow;

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
    let presence = if state.hub.user_online(user) {
        Presence::Online
    } else {
        Presence::Offline
    };
    Ok(row.to_member(presence))
}

/// Every role, by position.
pub(crate) async fn roles(state: &AppState) -> Result<Vec<Role>, ApiError> {
    Ok(state.store.read(store::roles::list).await?)
}

/// Members as the wire shows them, each with its presence now.
pub(crate) fn with_presence(state: &AppState, rows: &[MemberRow]) -> Vec<Member> {
    // One index lookup per row, not a walk over every session.
    rows.iter()
        .map(|m| {
            m.to_member(if state.hub.user_online(m.user.id) {
                Presence::Online
            } else {
                Presence::Offline
            })
        })
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
