//! Plugins: preview a manifest, install, list, show, enable, disable, remove, rotate the
//! bot token.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use spectrus_proto::admin::{BotToken, Plugin, PluginInstalled, PluginPreview, PluginSource};

use super::no_content;
use crate::admin::AdminState;
use crate::admin::operator::Operator;
use crate::api::extract::Body;
use crate::error::ApiResult;
use crate::service;

pub(super) async fn preview(
    State(s): State<AdminState>,
    Body(req): Body<PluginSource>,
) -> ApiResult<Json<PluginPreview>> {
    Ok(Json(service::plugins::preview(&s.app, &req.source).await?))
}

pub(super) async fn install(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<PluginSource>,
) -> ApiResult<Json<PluginInstalled>> {
    Ok(Json(
        service::plugins::install(&s.app, actor, &req.source, req.sha256.as_deref()).await?,
    ))
}

pub(super) async fn list(State(s): State<AdminState>) -> ApiResult<Json<Vec<Plugin>>> {
    Ok(Json(service::plugins::list(&s.app).await?))
}

pub(super) async fn remove(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    service::plugins::remove(&s.app, actor, &id).await?;
    Ok(no_content())
}

pub(super) async fn show(
    State(s): State<AdminState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Plugin>> {
    Ok(Json(service::plugins::show(&s.app, &id).await?))
}

pub(super) async fn enable(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<Plugin>> {
    Ok(Json(
        service::plugins::set_enabled(&s.app, actor, &id, true).await?,
    ))
}

pub(super) async fn disable(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<Plugin>> {
    Ok(Json(
        service::plugins::set_enabled(&s.app, actor, &id, false).await?,
    ))
}

pub(super) async fn rotate_token(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<BotToken>> {
    Ok(Json(
        service::plugins::rotate_token(&s.app, actor, &id).await?,
    ))
}
