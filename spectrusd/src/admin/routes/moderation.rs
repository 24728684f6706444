//! Moderation and server settings from the admin socket: kick, nickname and timeout, voice
//! mute/deafen/move/disconnect, bulk message purge, server name and description. Each route
//! resolves names to ids and calls the use case the public API calls, as `Actor::Admin`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use spectrus_proto::admin::{
    KickRequest, ModerateMember, ModerateVoice, PurgeRequest, PurgeResult,
};
use spectrus_proto::model::{ChannelType, Member, ServerInfo, VoiceState};
use spectrus_proto::rest::{PatchMember, PatchServer, PatchVoiceMember};

use super::no_content;
use crate::admin::operator::Operator;
use crate::admin::{AdminState, resolve};
use crate::api::extract::{Body, PathParams};
use crate::domain::time::parse_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::service::{messages, moderation, server, voice};

pub(super) async fn kick(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
    Body(req): Body<KickRequest>,
) -> ApiResult<Response> {
    let uid = resolve::user(&s.app, &user).await?;
    moderation::kick(&s.app, actor, uid, req.reason)
        .await
        .map_err(resolve::naming(
            "member",
            format!("{user:?} is not a member"),
        ))?;
    Ok(no_content())
}

pub(super) async fn patch_member(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
    Body(req): Body<ModerateMember>,
) -> ApiResult<Json<Member>> {
    let uid = resolve::user(&s.app, &user).await?;
    let patch = PatchMember {
        nick: req.nick,
        roles: None,
        timeout_until: req.timeout_until,
    };
    let member = moderation::patch_member(&s.app, actor, uid, patch, req.reason)
        .await
        .map_err(resolve::naming(
            "member",
            format!("{user:?} is not a member"),
        ))?;
    Ok(Json(member))
}

pub(super) async fn patch_voice(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
    Body(req): Body<ModerateVoice>,
) -> ApiResult<Json<VoiceState>> {
    let uid = resolve::user(&s.app, &user).await?;
    let channel_id = match req.channel {
        None => None,
        Some(None) => Some(None),
        Some(Some(key)) => {
            let ch = resolve::channel(&s.app, &key).await?;
            if ch.kind != ChannelType::Voice {
                return Err(ApiError::InvalidBody(format!(
                    "{:?} is not a voice channel",
                    ch.name
                )));
            }
            Some(Some(ch.id))
        }
    };
    let patch = PatchVoiceMember {
        mute: req.mute,
        deaf: req.deaf,
        channel_id,
    };
    let state = voice::moderate(&s.app, actor, uid, patch, req.reason)
        .await
        .map_err(resolve::naming(
            "member",
            format!("{user:?} is not a member"),
        ))?;
    Ok(Json(state))
}

pub(super) async fn purge(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(channel): PathParams<String>,
    Body(req): Body<PurgeRequest>,
) -> ApiResult<Json<PurgeResult>> {
    let ch = resolve::channel(&s.app, &channel).await?;
    let author = match &req.user {
        Some(u) => Some(resolve::user(&s.app, u).await?),
        None => None,
    };
    let since = match &req.since {
        Some(t) => Some(
            parse_rfc3339(t)
                .ok_or_else(|| ApiError::field("since", "must be an RFC 3339 time".to_owned()))?,
        ),
        None => None,
    };
    let deleted = messages::purge(&s.app, actor, ch.id, author, since, req.reason).await?;
    Ok(Json(PurgeResult { deleted }))
}

pub(super) async fn server_show(State(s): State<AdminState>) -> ApiResult<Json<ServerInfo>> {
    Ok(Json(server::info(&s.app).await?))
}

pub(super) async fn server_patch(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<PatchServer>,
) -> ApiResult<Json<ServerInfo>> {
    Ok(Json(server::patch(&s.app, actor, req).await?))
}
