//! Whether a channel's messages may be read: the one rule for history, pins, search and
//! attachments, and whether a channel carries messages at all (categories do not).

use spectrus_proto::{Id, Permission};

use super::Actor;
use crate::error::ApiError;
use crate::state::AppState;

/// Refuses a channel that carries no messages (a category), or that does not exist.
pub(crate) fn require_text_channel(state: &AppState, channel: Id) -> Result<(), ApiError> {
    match state.access.channel_kind(channel) {
        Some(k) if k.carries_messages() => Ok(()),
        Some(_) => Err(ApiError::InvalidBody(
            "categories do not carry messages".into(),
        )),
        None => Err(ApiError::NotFound("channel")),
    }
}

/// Whether `actor` may read `channel`'s messages.
pub(crate) fn require(state: &AppState, actor: Actor, channel: Id) -> Result<(), ApiError> {
    actor.require_in(state, channel, Permission::MessagesReadHistory)?;
    require_text_channel(state, channel)
}
