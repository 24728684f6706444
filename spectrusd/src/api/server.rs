//! `/server`, `/healthz` and `/readyz`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::admin::PermissionInfo;
use spectrus_proto::model::ServerInfo;
use spectrus_proto::permissions::Permission;
use spectrus_proto::rest::{Health, PatchServer, Readiness};

use super::extract::{Auth, Body};
use crate::error::ApiResult;
use crate::service::{health, server};
use crate::state::SharedState;

pub(crate) async fn get(State(s): State<SharedState>) -> ApiResult<Json<ServerInfo>> {
    Ok(Json(server::info(&s).await?))
}

pub(crate) async fn patch(
    State(s): State<SharedState>,
    auth: Auth,
    Body(req): Body<PatchServer>,
) -> ApiResult<Json<ServerInfo>> {
    Ok(Json(server::patch(&s, auth.actor(), req).await?))
}

/// `GET /permissions`: every permission the server knows, with its one-line description
/// (the settings screens show them). Any logged-in account may read it.
pub(crate) async fn permissions(_auth: Auth) -> Json<Vec<PermissionInfo>> {
    Json(Permission::ALL.iter().map(|p| (*p).into()).collect())
}

/// Liveness: 200 while the process serves HTTP.
pub(crate) async fn health(State(s): State<SharedState>) -> Json<Health> {
    Json(health::liveness(&s))
}

/// Readiness: 200 when every check passes, else 503; the body names each check's result.
pub(crate) async fn ready(State(s): State<SharedState>) -> (StatusCode, Json<Readiness>) {
    let r = health::readiness(&s).await;
    let status = if r.status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(r))
}
