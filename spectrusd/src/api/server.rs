//! `/server` and `/healthz`.

use axum::Json;
use axum::extract::State;
use spectrus_proto::model::ServerInfo;
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

/// 200 once the database answers.
pub(crate) async fn health(State(s): State<SharedState>) -> ApiResult<Json<Health>> {
    s.store
        .read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
        .await?;
    Ok(Json(Health {
        status: "ok".into(),
    }))
}
