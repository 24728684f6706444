//! Voice moderation: server-mute (`voice:mute_members`), server-deafen
//! (`voice:deafen_members`), move to another voice channel or disconnect
//! (`voice:move_members`), for a member through `PATCH /voice/members/{user_id}` or the
//! operator.
//!
//! The target must stand below the moderator in the role hierarchy (the same rule as editing
//! a member: the owner and members at or above the moderator are `403 forbidden`). Mute and
//! deafen are stored with the audit entry in one transaction: they apply at the member's next
//! join, across restarts, until a moderator lifts them.
//!
//! [`signalling`] handles the gateway's `voice_*` ops; [`events`] runs the task that drains
//! the SFU's events (offers to the right gateway session, `SPEAKING`, departures), ends voice
//! with its gateway session, and re-applies permissions (timeouts, role changes).

pub(crate) mod events;
pub(crate) mod signalling;

use spectrus_proto::model::{ChannelType, VoiceState};
use spectrus_proto::rest::PatchVoiceMember;
use spectrus_proto::{Id, Permission};

use super::{Actor, audit, members};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::voice::registry::Moderation;
use crate::voice::{dispatch_left, dispatch_state, effective_mute};

/// Applies a moderator's change to `target`'s voice state; answers the new state.
pub(crate) async fn moderate(
    state: &AppState,
    actor: Actor,
    target: Id,
    req: PatchVoiceMember,
    reason: Option<String>,
) -> Result<VoiceState, ApiError> {
    let reason = audit::clean_reason(reason)?;
    if req.mute.is_some() {
        actor.require(state, Permission::VoiceMuteMembers)?;
    }
    if req.deaf.is_some() {
        actor.require(state, Permission::VoiceDeafenMembers)?;
    }
    if req.channel_id.is_some() {
        actor.require(state, Permission::VoiceMoveMembers)?;
    }
    let changes = req.mute.is_some() || req.deaf.is_some() || req.channel_id.is_some();
    if changes {
        let st = actor.standing(state)?;
        members::check_member_edit(state, actor, st, target)?;
    } else if !state.access.is_member(target) {
        return Err(ApiError::NotFound("member"));
    }
    if !state.voice.enabled() {
        return Err(ApiError::Conflict(
            "voice is not available on this server".into(),
        ));
    }
    if let Some(Some(ch)) = req.channel_id
        && state.access.channel_kind(ch) != Some(ChannelType::Voice)
    {
        return Err(ApiError::NotFound("voice channel"));
    }
    if req.channel_id.is_some() && state.voice.registry().by_user(target).is_none() {
        return Err(ApiError::Conflict(
            "the member is not in a voice channel".into(),
        ));
    }
    let flags = (req.mute.is_some() || req.deaf.is_some()).then(|| {
        let old = state.voice.registry().moderation(target);
        Moderation {
            mute: req.mute.unwrap_or(old.mute),
            deaf: req.deaf.unwrap_or(old.deaf),
        }
    });
    if changes {
        // The flags (stored first: they outlive the daemon) and the audit entry, in one
        // transaction; the requested change is the entry's `after`.
        let entry = audit::Entry::new(state, actor, "member.voice_update")
            .target("user", target)
            .reason(reason.clone());
        let after = serde_json::json!({ "after": &req });
        crate::service::write(state, move |c| {
            if let Some(m) = flags {
                store::voice::set_moderation(c, target, m.mute, m.deaf)?;
            }
            Ok(entry.write(c, after)?)
        })
        .await?;
    }
    if let Some(m) = flags {
        state.voice.registry().set_moderation(target, m);
    }
    match req.channel_id {
        Some(None) => state.voice.leave_user(&state.hub, target).await,
        Some(Some(ch)) => move_to(state, target, ch).await?,
        None => {}
    }
    signalling::refresh(state, target).await;
    Ok(state.voice.state_of_user(target))
}

/// Moves `user`'s voice session to `channel` (no-op when already there or not in voice).
async fn move_to(state: &AppState, user: Id, channel: Id) -> Result<(), ApiError> {
    let (old, moved) = {
        let mut reg = state.voice.registry();
        let mute = effective_mute(&state.access, &reg, user, channel);
        let Some(p) = reg.by_user_mut(user) else {
            return Ok(());
        };
        if p.channel == channel {
            return Ok(());
        }
        let old = p.clone();
        p.channel = channel;
        p.mute = mute;
        (old, p.clone())
    };
    if let Some(sfu) = state.voice.sfu()
        && let Err(e) = sfu.move_to(moved.pid, channel.0).await
    {
        tracing::warn!(error = %e, "cannot move voice participant");
        return Err(ApiError::Internal(e.to_string()));
    }
    signalling::apply(state, &moved).await;
    dispatch_left(&state.hub, &old);
    dispatch_state(&state.hub, &moved);
    Ok(())
}
