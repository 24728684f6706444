//! `watch_members` (issue 20): on a large server a session says which members it shows (the
//! visible range of its member list, the authors on screen) and gets their presence and
//! member updates from then on (who hears about a member: [`super::members::member_audience`]).

use std::collections::HashSet;
use std::sync::Arc;

use spectrus_proto::Id;
use spectrus_proto::gateway::{MembersChunk, WatchMembers};

use super::members;
use crate::bus::slot::Slot;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// Most members of a range, and most specific users, one `watch_members` may ask for.
pub(crate) const MAX_WATCH: u32 = 200;

/// `watch_members`: makes `slot` watch the range and users of `req` (instead of what it
/// watched before) and returns them with their presence now.
pub(crate) async fn watch(
    state: &AppState,
    slot: &Arc<Slot>,
    req: WatchMembers,
) -> Result<MembersChunk, ApiError> {
    if req.limit > MAX_WATCH {
        return Err(ApiError::field("limit", "must be 0 to 200"));
    }
    if req.user_ids.len() > MAX_WATCH as usize {
        return Err(ApiError::field("user_ids", "at most 200"));
    }
    let (offset, limit) = (req.offset, req.limit);
    let ids = req.user_ids;
    let (range, listed) = state
        .store
        .read(move |c| {
            let range = if limit == 0 {
                Vec::new()
            } else {
                store::members::range(c, offset, limit)?
            };
            let mut listed = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(m) = store::members::get(c, id)? {
                    listed.push(m);
                }
            }
            Ok((range, listed))
        })
        .await?;
    let watched: HashSet<Id> = range.iter().chain(&listed).map(|m| m.user.id).collect();
    // Watch first, then read presence: an update after this point is delivered, one before
    // it is in the chunk.
    state.hub.watch(slot, watched);
    let range_len = range.len() as u32;
    let mut rows = range;
    rows.extend(listed);
    Ok(MembersChunk {
        offset,
        range_len,
        members: members::with_presence(state, &rows),
        member_count: state.access.member_count(),
    })
}
