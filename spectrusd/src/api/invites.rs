//! `/invites`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::model::{Invite, InvitePreview};
use spectrus_proto::rest::CreateInvite;

use super::extract::{Account, Auth, Body, PathParams};
use crate::error::ApiResult;
use crate::service::invites;
use crate::state::SharedState;

pub(crate) async fn list(State(s): State<SharedState>, auth: Auth) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(invites::list(&s, auth.actor()).await?))
}

pub(crate) async fn create(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<CreateInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    Ok((
        StatusCode::CREATED,
        Json(invites::create(&s, auth.actor(), req).await?),
    ))
}

pub(crate) async fn delete(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(code): PathParams<String>,
) -> ApiResult<StatusCode> {
    invites::revoke(&s, auth.actor(), code).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn preview(
    State(s): State<SharedState>,
    PathParams(code): PathParams<String>,
) -> ApiResult<Json<InvitePreview>> {
    Ok(Json(invites::preview(&s, code).await?))
}

/// `POST /invites/{code}`: joins (or rejoins after a kick) with an invite. Needs a login, not
/// membership; a member gets 204 without using the invite up.
pub(crate) async fn accept(
    State(s): State<SharedState>,
    Account(auth): Account,
    PathParams(code): PathParams<String>,
) -> ApiResult<StatusCode> {
    invites::accept(&s, auth.user_id, code).await?;
    Ok(StatusCode::NO_CONTENT)
}
