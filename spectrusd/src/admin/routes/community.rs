//! Roles, member roles, invites, channels and bans: thin wrappers over the same service
//! functions the public API uses, acting as `Actor::Admin` with the peer's uid.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use spectrus_proto::admin::{BanRequest, CreateRole, PatchRole, RolePosition};
use spectrus_proto::model::{Ban, Channel, Invite, Role};
use spectrus_proto::rest::{ChannelPosition, CreateChannel, CreateInvite};

use super::{created, no_content};
use crate::admin::operator::Operator;
use crate::admin::{AdminState, resolve};
use crate::api::extract::{Body, PathParams};
use crate::error::ApiResult;
use crate::service::channels::HeldChannels;
use crate::service::{channels, invites, moderation, roles};

// ---- roles

pub(super) async fn roles_list(State(s): State<AdminState>) -> ApiResult<Json<Vec<Role>>> {
    Ok(Json(roles::list(&s.app).await?))
}

pub(super) async fn roles_show(
    State(s): State<AdminState>,
    PathParams(role): PathParams<String>,
) -> ApiResult<Json<Role>> {
    Ok(Json(resolve::role(&s.app, &role).await?))
}

pub(super) async fn roles_create(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<CreateRole>,
) -> ApiResult<(StatusCode, Json<Role>)> {
    Ok(created(roles::create(&s.app, actor, req).await?))
}

pub(super) async fn roles_patch(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(role): PathParams<String>,
    Body(req): Body<PatchRole>,
) -> ApiResult<Json<Role>> {
    let id = resolve::role(&s.app, &role).await?.id;
    Ok(Json(roles::patch(&s.app, actor, id, req).await?))
}

pub(super) async fn roles_delete(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(role): PathParams<String>,
) -> ApiResult<Response> {
    let id = resolve::role(&s.app, &role).await?.id;
    roles::delete(&s.app, actor, id).await?;
    Ok(no_content())
}

pub(super) async fn roles_reorder(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(moves): Body<Vec<RolePosition>>,
) -> ApiResult<Response> {
    roles::reorder(&s.app, actor, moves).await?;
    Ok(no_content())
}

pub(super) async fn member_role_add(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams((user, role)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let uid = resolve::user(&s.app, &user).await?;
    let rid = resolve::role(&s.app, &role).await?.id;
    roles::assign(&s.app, actor, uid, rid, None).await?;
    Ok(no_content())
}

pub(super) async fn member_role_remove(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams((user, role)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let uid = resolve::user(&s.app, &user).await?;
    let rid = resolve::role(&s.app, &role).await?.id;
    roles::unassign(&s.app, actor, uid, rid, None).await?;
    Ok(no_content())
}

// ---- invites

pub(super) async fn invites_list(
    State(s): State<AdminState>,
    Operator(actor): Operator,
) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(invites::list(&s.app, actor).await?))
}

pub(super) async fn invites_create(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<CreateInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    Ok(created(invites::create(&s.app, actor, req).await?))
}

pub(super) async fn invites_revoke(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(code): PathParams<String>,
) -> ApiResult<Response> {
    let missing = format!("no invite with code {code:?}");
    invites::revoke(&s.app, actor, code)
        .await
        .map_err(resolve::naming("invite", missing))?;
    Ok(no_content())
}

// ---- channels

pub(super) async fn channels_list(
    State(s): State<AdminState>,
    Operator(actor): Operator,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(channels::list(&s.app, actor).await?))
}

pub(super) async fn channels_create(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    Ok(created(channels::create(&s.app, actor, req).await?))
}

/// A category that still holds channels is `409 conflict` (see [`HeldChannels::Refuse`]).
pub(super) async fn channels_delete(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(channel): PathParams<String>,
) -> ApiResult<Response> {
    let ch = resolve::channel(&s.app, &channel).await?;
    channels::delete(&s.app, actor, ch.id, HeldChannels::Refuse).await?;
    Ok(no_content())
}

pub(super) async fn channels_reorder(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(moves): Body<Vec<ChannelPosition>>,
) -> ApiResult<Response> {
    channels::reorder(&s.app, actor, moves).await?;
    Ok(no_content())
}

// ---- bans

pub(super) async fn bans_list(
    State(s): State<AdminState>,
    Operator(actor): Operator,
) -> ApiResult<Json<Vec<Ban>>> {
    Ok(Json(moderation::bans(&s.app, actor).await?))
}

pub(super) async fn bans_add(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
    Body(req): Body<BanRequest>,
) -> ApiResult<Response> {
    let uid = resolve::user(&s.app, &user).await?;
    moderation::ban(&s.app, actor, uid, req.reason).await?;
    Ok(no_content())
}

pub(super) async fn bans_remove(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
) -> ApiResult<Response> {
    let uid = resolve::user(&s.app, &user).await?;
    moderation::unban(&s.app, actor, uid, None)
        .await
        .map_err(resolve::naming("ban", format!("no ban on user {user:?}")))?;
    Ok(no_content())
}
