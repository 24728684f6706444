//! Pinned messages: pin and unpin (`messages:manage`, audited, at most [`MAX_PINS`] per
//! channel; in a direct message, as in Discord, any participant while the conversation is
//! open, not audited: the server's moderators have no business there), and a channel's
//! pinned list (readable by whoever may read its history).

use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::Message;
use spectrus_proto::{Id, Permission};

use super::Actor;
use crate::bus::Audience;
use crate::domain::time::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// The most messages a channel holds pinned.
pub(crate) const MAX_PINS: u64 = 50;

/// Who may pin in `channel`: in a direct message its participants (it must still take
/// posts: not closed, no block between the two); elsewhere `messages:manage`. Whether the
/// channel is a direct message.
async fn may_pin(state: &AppState, actor: Actor, channel: Id) -> Result<bool, ApiError> {
    if !state.access.is_private(channel) {
        actor.require_in(state, channel, Permission::MessagesManage)?;
        return Ok(false);
    }
    super::readable::require(state, actor, channel)?;
    if let Some(user) = actor.user_id() {
        super::dms::require_open(state, user, channel).await?;
    }
    Ok(true)
}

/// Pins (`pin = true`) or unpins a message. Pinning a pinned message (or unpinning one that
/// is not) changes nothing and tells no one. Announced as `MESSAGE_UPDATE`.
pub(crate) async fn set(
    state: &AppState,
    actor: Actor,
    channel: Id,
    id: Id,
    pin: bool,
) -> Result<(), ApiError> {
    let private = may_pin(state, actor, channel).await?;
    let action = if pin { "message.pin" } else { "message.unpin" };
    let entry =
        (!private).then(|| super::audit::Entry::new(state, actor, action).target("message", id));
    let viewer = actor.user_id().unwrap_or_default();
    let now = now_ms();
    let changed = super::write(state, move |c| {
        match store::messages::owner_of(c, id)? {
            Some((ch, _)) if ch == channel => {}
            _ => return Err(ApiError::NotFound("message")),
        }
        if pin && store::messages::pin_count(c, channel)? >= MAX_PINS {
            // Only refused when it would add one: re-pinning a pinned message is fine.
            if store::messages::get(c, id, viewer)?.is_some_and(|m| !m.pinned) {
                return Err(ApiError::InvalidBody(format!(
                    "a channel holds at most {MAX_PINS} pinned messages; unpin one first"
                )));
            }
        }
        if !store::messages::set_pinned(c, id, pin.then_some(now))? {
            return Ok(None);
        }
        if let Some(entry) = &entry {
            entry.write(c, serde_json::json!({"channel_id": channel}))?;
        }
        Ok(store::messages::get(c, id, viewer)?)
    })
    .await?;
    if let Some(mut msg) = changed {
        super::signed_urls::sign(state, &mut msg);
        state
            .hub
            .publish(Dispatch::MessageUpdate(msg), Audience::Channel(channel));
    }
    Ok(())
}

/// A channel's pinned messages, most recently pinned first (the same access as history).
pub(crate) async fn list(
    state: &AppState,
    actor: Actor,
    channel: Id,
) -> Result<Vec<Message>, ApiError> {
    super::readable::require(state, actor, channel)?;
    let viewer = actor.user_id().unwrap_or_default();
    let mut pins = state
        .store
        .read(move |c| store::messages::pins(c, channel, viewer))
        .await?;
    super::signed_urls::sign_all(state, &mut pins);
    Ok(pins)
}
