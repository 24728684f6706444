//! `/users/@me/channels` (direct messages), `/users/@me/blocks` and `/users/@me/settings`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::Id;
use spectrus_proto::model::{PrivateChannel, User, UserSettings};
use spectrus_proto::rest::{CreateDm, PatchUserSettings};

use super::extract::{Auth, Body, PathParams};
use crate::error::ApiResult;
use crate::service::dms;
use crate::state::SharedState;

pub(crate) async fn open(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<CreateDm>,
) -> ApiResult<(StatusCode, Json<PrivateChannel>)> {
    let (ch, created) = dms::open(&s, auth.user_id, req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ch)))
}

pub(crate) async fn list(
    State(s): State<SharedState>,
    auth: Auth,
) -> ApiResult<Json<Vec<PrivateChannel>>> {
    Ok(Json(dms::list(&s, auth.user_id).await?))
}

pub(crate) async fn blocks(State(s): State<SharedState>, auth: Auth) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(dms::blocks(&s, auth.user_id).await?))
}

pub(crate) async fn block(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<StatusCode> {
    dms::block(&s, auth.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn unblock(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<StatusCode> {
    dms::unblock(&s, auth.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn settings(
    State(s): State<SharedState>,
    auth: Auth,
) -> ApiResult<Json<UserSettings>> {
    Ok(Json(dms::settings(&s, auth.user_id).await?))
}

pub(crate) async fn patch_settings(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<PatchUserSettings>,
) -> ApiResult<Json<UserSettings>> {
    Ok(Json(dms::patch_settings(&s, auth.user_id, req).await?))
}
