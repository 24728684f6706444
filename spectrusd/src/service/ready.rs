//! Builds the `ready` payload: everything a client needs to draw its first screen.

use spectrus_proto::Id;
use spectrus_proto::gateway::Ready;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// How many members `ready` carries on a small server; clients page the rest.
pub(crate) const READY_MEMBERS: u32 = 1000;

/// The `ready` payload for `user` in session `session_id`.
pub(crate) async fn build(
    state: &AppState,
    user: Id,
    session_id: String,
) -> Result<Ready, ApiError> {
    let me = super::accounts::me(state, user).await?;
    let server = super::server::info(state).await?;
    let channels = super::channels::list(state, super::Actor::User(user)).await?;
    let text_ids: Vec<Id> = channels
        .iter()
        .filter(|c| c.kind.carries_messages())
        .map(|c| c.id)
        .collect();
    let large = super::members::is_large(state);
    let (roles, members, mut read_states) = state
        .store
        .read(move |c| {
            Ok((
                store::roles::list(c)?,
                if large {
                    Vec::new()
                } else {
                    store::members::page(c, None, READY_MEMBERS)?
                },
                store::messages::read_states(c, user, &text_ids)?,
            ))
        })
        .await?;
    // Direct messages: their own fields (their read states join the channels').
    let dms = super::dms::ready_part(state, user).await?;
    read_states.extend(dms.read_states);
    let emojis = super::emojis::list(state).await?;
    Ok(Ready {
        session_id,
        user: me,
        server,
        channels,
        roles,
        members: super::members::with_presence(state, &members),
        member_count: state.access.member_count(),
        large,
        voice_states: state.voice.states_for(&state.access, user),
        read_states,
        private_channels: dms.channels,
        blocked_user_ids: dms.blocked,
        user_settings: dms.settings,
        emojis,
    })
}
