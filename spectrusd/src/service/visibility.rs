//! Keeps clients' channel lists true when a change (roles, overwrites, membership) shows or
//! hides channels: those who lose sight of a channel get `CHANNEL_DELETE` (and, since the
//! access model is already updated, no further event of it); those who gain it get
//! `CHANNEL_CREATE`.

use std::collections::{HashMap, HashSet};

use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;

use crate::bus::Audience;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// What every user with a gateway session could see before a change.
pub(crate) struct Snapshot(HashMap<Id, HashSet<Id>>);

/// Takes the snapshot (call before changing the access model).
pub(crate) fn snapshot(state: &AppState) -> Snapshot {
    Snapshot(
        state
            .hub
            .session_users()
            .into_iter()
            .map(|u| (u, state.access.visible_channels(u).into_iter().collect()))
            .collect(),
    )
}

/// Tells each session user what the change showed or hid (call after updating the model).
pub(crate) async fn announce(state: &AppState, before: Snapshot) -> Result<(), ApiError> {
    let mut lost: Vec<(Id, Id)> = Vec::new();
    let mut gained: Vec<(Id, Id)> = Vec::new();
    for (user, was) in &before.0 {
        let now: HashSet<Id> = state.access.visible_channels(*user).into_iter().collect();
        lost.extend(was.difference(&now).map(|c| (*user, *c)));
        gained.extend(now.difference(was).map(|c| (*user, *c)));
    }
    if lost.is_empty() && gained.is_empty() {
        return Ok(());
    }
    let channels: HashMap<Id, _> = state
        .store
        .read(store::channels::list)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    for (user, ch) in lost {
        if let Some(c) = channels.get(&ch) {
            state
                .hub
                .publish(Dispatch::ChannelDelete(c.clone()), Audience::User(user));
        }
    }
    for (user, ch) in gained {
        if let Some(c) = channels.get(&ch) {
            state
                .hub
                .publish(Dispatch::ChannelCreate(c.clone()), Audience::User(user));
        }
    }
    Ok(())
}
