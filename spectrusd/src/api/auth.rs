//! `/auth/*` and `/users/@me`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use spectrus_proto::model::{Session, User};
use spectrus_proto::rest::{LoginRequest, PatchMe, RefreshRequest, RegisterRequest};

use super::extract::{Auth, Body};
use crate::error::ApiResult;
use crate::service::accounts;
use crate::state::SharedState;

pub(crate) async fn register(
    State(s): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Body(req): Body<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    s.auth_limiter.check(addr.ip())?;
    Ok((
        StatusCode::CREATED,
        Json(accounts::register_throttled(&s, req).await?),
    ))
}

pub(crate) async fn login(
    State(s): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Body(req): Body<LoginRequest>,
) -> ApiResult<Json<Session>> {
    s.auth_limiter.check(addr.ip())?;
    Ok(Json(
        accounts::login_throttled(&s, req.username, req.password).await?,
    ))
}

pub(crate) async fn refresh(
    State(s): State<SharedState>,
    Body(req): Body<RefreshRequest>,
) -> ApiResult<Json<Session>> {
    Ok(Json(accounts::refresh(&s, req.refresh_token).await?))
}

pub(crate) async fn logout(
    State(s): State<SharedState>,
    Body(req): Body<RefreshRequest>,
) -> ApiResult<StatusCode> {
    accounts::logout(&s, req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn logout_everywhere(
    State(s): State<SharedState>,
    auth: Auth,
) -> ApiResult<StatusCode> {
    accounts::logout_everywhere(&s, auth.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn me(State(s): State<SharedState>, auth: Auth) -> ApiResult<Json<User>> {
    Ok(Json(accounts::me(&s, auth.user_id).await?))
}

pub(crate) async fn patch_me(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<PatchMe>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        accounts::patch_me(&s, auth.user_id, auth.family_id, req).await?,
    ))
}
