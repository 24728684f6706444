//! `/server`, `/healthz` and `/readyz`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::model::ServerInfo;
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
