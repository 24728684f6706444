//! `/users`: operator administration of accounts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use spectrus_proto::admin::{AdminUser, CreateUser, CreatedUser, PasswordReset, ResetPassword};

use super::{created, no_content};
use crate::admin::operator::Operator;
use crate::admin::{AdminState, resolve};
use crate::api::extract::{Body, PathParams};
use crate::error::ApiResult;
use crate::service::users;

pub(super) async fn list(State(s): State<AdminState>) -> ApiResult<Json<Vec<AdminUser>>> {
    Ok(Json(users::list(&s.app).await?))
}

pub(super) async fn show(
    State(s): State<AdminState>,
    PathParams(user): PathParams<String>,
) -> ApiResult<Json<AdminUser>> {
    Ok(Json(users::to_admin(&users::find(&s.app, &user).await?)))
}

pub(super) async fn create(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<CreateUser>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    Ok(created(users::create(&s.app, actor, req).await?))
}

pub(super) async fn reset_password(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
    Body(req): Body<ResetPassword>,
) -> ApiResult<Json<PasswordReset>> {
    let id = resolve::user(&s.app, &user).await?;
    Ok(Json(
        users::reset_password(&s.app, actor, id, req.password).await?,
    ))
}

pub(super) async fn disable(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
) -> ApiResult<Response> {
    let id = resolve::user(&s.app, &user).await?;
    users::set_disabled(&s.app, actor, id, true).await?;
    Ok(no_content())
}

pub(super) async fn enable(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
) -> ApiResult<Response> {
    let id = resolve::user(&s.app, &user).await?;
    users::set_disabled(&s.app, actor, id, false).await?;
    Ok(no_content())
}

pub(super) async fn delete(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
) -> ApiResult<Response> {
    let id = resolve::user(&s.app, &user).await?;
    users::delete(&s.app, actor, id).await?;
    Ok(no_content())
}

pub(super) async fn set_owner(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(user): PathParams<String>,
) -> ApiResult<Response> {
    let id = resolve::user(&s.app, &user).await?;
    users::set_owner(&s.app, actor, id).await?;
    Ok(no_content())
}
