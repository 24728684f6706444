//! `/server` and `/healthz`.

use axum::Json;
use axum::extract::State;
use spectrus_proto::admin::PermissionInfo;
use spectrus_proto::model::ServerInfo;
use spectrus_proto::permissions::Permission;
use spectrus_proto::rest::{Health, PatchServer};

use super::extract::{Auth, Body};
use crate::error::ApiResult;
use crate::service::server;
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

/// 200 once the database answers.
pub(crate) async fn health(State(s): State<SharedState>) -> ApiResult<Json<Health>> {
    s.store
        .read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
        .await?;
    Ok(Json(Health {
        status: "ok".into(),
    }))
}
