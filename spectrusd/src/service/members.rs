//! Members and roles as the core needs them (listing); moderation builds on this.

use spectrus_proto::Id;
use spectrus_proto::model::{Member, Presence, Role};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

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
    let online = state.hub.online_users();
    Ok(rows
        .iter()
        .map(|m| {
            m.to_member(if online.contains(&m.user.id) {
                Presence::Online
            } else {
                Presence::Offline
            })
        })
        .collect())
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
