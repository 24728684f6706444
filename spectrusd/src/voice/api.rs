//! `PATCH /voice/members/{user_id}` `{mute?, deaf?, channel_id?}`: moderators server-mute
//! (`voice:mute_members`), server-deafen (`voice:deafen_members`), move to another voice
//! channel or disconnect with `channel_id: null` (`voice:move_members`). Answers the
//! member's voice state. Mute and deafen are stored: they apply at the member's next join,
//! across restarts, until a moderator lifts them.

use axum::Json;
use axum::extract::State;
use spectrus_proto::Id;
use spectrus_proto::model::{ChannelType, VoiceState};
use spectrus_proto::permissions::Permission;
use spectrus_proto::rest::PatchVoiceMember;

use super::registry::Moderation;
use super::{dispatch_left, dispatch_state, effective_mute, signalling};
use crate::api::extract::{AuditReason, Auth, Body, PathParams};
use crate::error::{ApiError, ApiResult};
use crate::service::audit;
use crate::state::{AppState, SharedState};
use crate::store;

pub async fn patch_member(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams(user): PathParams<Id>,
    Body(req): Body<PatchVoiceMember>,
) -> ApiResult<Json<VoiceState>> {
    let reason = audit::clean_reason(reason)?;
    let changes = serde_json::json!({ "after": &req });
    let st = moderate(&s, auth.user_id, user, req).await?;
    // Audit: `member.voice_update` with the requested change (the state is not stored).
    let id = s.ids.next();
    let actor = auth.actor();
    s.store
        .write(move |c| {
            audit::record(
                c,
                id,
                actor,
                "member.voice_update",
                Some(("user", user.to_string())),
                reason.as_deref(),
                changes,
            )
        })
        .await?;
    Ok(Json(st))
}

/// Applies a moderator's change to `target`'s voice state.
pub async fn moderate(
    state: &AppState,
    actor: Id,
    target: Id,
    req: PatchVoiceMember,
) -> Result<VoiceState, ApiError> {
    if req.mute.is_some() {
        state.access.require(actor, Permission::VoiceMuteMembers)?;
    }
    if req.deaf.is_some() {
        state
            .access
            .require(actor, Permission::VoiceDeafenMembers)?;
    }
    if req.channel_id.is_some() {
        state.access.require(actor, Permission::VoiceMoveMembers)?;
    }
    if !state.access.is_member(target) {
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
    if req.mute.is_some() || req.deaf.is_some() {
        let old = state.voice.registry().moderation(target);
        let m = Moderation {
            mute: req.mute.unwrap_or(old.mute),
            deaf: req.deaf.unwrap_or(old.deaf),
        };
        // Stored first: the flags outlive the daemon (they apply at the member's next join).
        state
            .store
            .write(move |c| store::voice::set_moderation(c, target, m.mute, m.deaf))
            .await?;
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
