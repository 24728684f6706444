//! `/roles` (write side) and `/members/{user_id}/roles/{role_id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::Id;
use spectrus_proto::model::Role;
use spectrus_proto::rest::{CreateRole, PatchRole, RolePosition};

use super::extract::{AuditReason, Auth, Body, PathParams};
use crate::error::ApiResult;
use crate::service::roles;
use crate::state::SharedState;

pub(crate) async fn create(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<CreateRole>,
) -> ApiResult<(StatusCode, Json<Role>)> {
    Ok((
        StatusCode::CREATED,
        Json(roles::create(&s, auth.actor(), req).await?),
    ))
}

pub(crate) async fn patch(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
    Body(req): Body<PatchRole>,
) -> ApiResult<Json<Role>> {
    Ok(Json(roles::patch(&s, auth.actor(), id, req).await?))
}

pub(crate) async fn delete(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<StatusCode> {
    roles::delete(&s, auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn reorder(
    State(s): State<SharedState>,
    auth: Auth,
    Body(moves): Body<Vec<RolePosition>>,
) -> ApiResult<Json<Vec<Role>>> {
    Ok(Json(roles::reorder(&s, auth.actor(), moves).await?))
}

pub(crate) async fn assign(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams((user, role)): PathParams<(Id, Id)>,
) -> ApiResult<StatusCode> {
    roles::assign(&s, auth.actor(), user, role, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn unassign(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams((user, role)): PathParams<(Id, Id)>,
) -> ApiResult<StatusCode> {
    roles::unassign(&s, auth.actor(), user, role, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
