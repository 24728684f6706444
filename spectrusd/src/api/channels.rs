//! `/channels` and overwrites.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::Id;
use spectrus_proto::model::Channel;
use spectrus_proto::rest::{ChannelPosition, CreateChannel, OverwriteBody, PatchChannel};

use super::extract::{Auth, Body, PathParams};
use crate::error::ApiResult;
use crate::service::channels;
use crate::state::SharedState;

pub(crate) async fn list(
    State(s): State<SharedState>,
    auth: Auth,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(channels::list(&s, auth.actor()).await?))
}

pub(crate) async fn create(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    Ok((
        StatusCode::CREATED,
        Json(channels::create(&s, auth.actor(), req).await?),
    ))
}

pub(crate) async fn reorder(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<Vec<ChannelPosition>>,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(channels::reorder(&s, auth.actor(), req).await?))
}

pub(crate) async fn get(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<Json<Channel>> {
    let all = channels::list(&s, auth.actor()).await?;
    all.into_iter()
        .find(|c| c.id == id)
        .map(Json)
        .ok_or(crate::error::ApiError::NotFound("channel"))
}

pub(crate) async fn patch(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
    Body(req): Body<PatchChannel>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(channels::patch(&s, auth.actor(), id, req).await?))
}

pub(crate) async fn delete(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<StatusCode> {
    channels::delete(&s, auth.actor(), id, channels::HeldChannels::MoveToTop).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn put_overwrite(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((id, role)): PathParams<(Id, Id)>,
    Body(req): Body<OverwriteBody>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(
        channels::put_overwrite(&s, auth.actor(), id, role, req).await?,
    ))
}

pub(crate) async fn delete_overwrite(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((id, role)): PathParams<(Id, Id)>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(
        channels::delete_overwrite(&s, auth.actor(), id, role).await?,
    ))
}
