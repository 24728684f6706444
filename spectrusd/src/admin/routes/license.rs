//! The licence: status, activate, import an offline file, check again now, deactivate; and
//! the test-only clock (`debug.license_clock`).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use spectrus_proto::admin::{ActivateLicense, AdvanceClock, ImportLicense, LicenseStatus};

use super::no_content;
use crate::admin::AdminState;
use crate::admin::operator::Operator;
use crate::api::extract::Body;
use crate::error::ApiResult;
use crate::service;

pub(super) async fn show(State(s): State<AdminState>) -> Json<LicenseStatus> {
    Json(service::license::status(&s.app))
}

pub(super) async fn activate(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<ActivateLicense>,
) -> ApiResult<Json<LicenseStatus>> {
    Ok(Json(
        service::license::activate(&s.app, actor, &req.key).await?,
    ))
}

pub(super) async fn import(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<ImportLicense>,
) -> ApiResult<Json<LicenseStatus>> {
    Ok(Json(
        service::license::import(&s.app, actor, &req.file, req.key.as_deref()).await?,
    ))
}

pub(super) async fn refresh(State(s): State<AdminState>) -> ApiResult<Json<LicenseStatus>> {
    Ok(Json(service::license::revalidate(&s.app).await?))
}

pub(super) async fn deactivate(
    State(s): State<AdminState>,
    Operator(actor): Operator,
) -> ApiResult<Response> {
    service::license::deactivate(&s.app, actor).await?;
    Ok(no_content())
}

pub(super) async fn advance_clock(
    State(s): State<AdminState>,
    Body(req): Body<AdvanceClock>,
) -> ApiResult<Json<LicenseStatus>> {
    Ok(Json(
        service::license::advance_clock(&s.app, req.seconds).await?,
    ))
}
