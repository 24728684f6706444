//! `PATCH /voice/members/{user_id}` `{mute?, deaf?, channel_id?}`: the moderators' route,
//! a thin wrapper over [`crate::service::voice::moderate`]. Answers the member's voice state.

use axum::Json;
use axum::extract::State;
use spectrus_proto::Id;
use spectrus_proto::model::VoiceState;
use spectrus_proto::rest::PatchVoiceMember;

use crate::api::extract::{AuditReason, Auth, Body, PathParams};
use crate::error::ApiResult;
use crate::service::voice;
use crate::state::SharedState;

pub(crate) async fn patch_member(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams(user): PathParams<Id>,
    Body(req): Body<PatchVoiceMember>,
) -> ApiResult<Json<VoiceState>> {
    Ok(Json(
        voice::moderate(&s, auth.actor(), user, req, reason).await?,
    ))
}
