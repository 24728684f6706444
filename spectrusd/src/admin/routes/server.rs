//! Server-wide admin routes: status, setup code, configuration, permissions, backup, layout,
//! audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use spectrus_proto::Permission;
use spectrus_proto::admin::{
    BackupRequest, BackupResult, LayoutApply, LayoutChanges, PermissionInfo, SetupCode, Status,
};
use spectrus_proto::model::AuditEntry;
use spectrus_proto::rest::AuditQuery;

use crate::admin::AdminState;
use crate::admin::operator::Operator;
use crate::api::extract::{Body, QueryParams};
use crate::error::{ApiError, ApiResult};
use crate::service;

pub(super) async fn status(State(s): State<AdminState>) -> Json<Status> {
    Json(service::status::status(&s.app))
}

pub(super) async fn setup_code(State(s): State<AdminState>) -> Json<SetupCode> {
    Json(SetupCode {
        setup_code: s.app.setup_code(),
    })
}

pub(super) async fn config(State(s): State<AdminState>) -> Json<serde_json::Value> {
    Json(s.app.config().redacted_json())
}

pub(super) async fn permissions() -> Json<Vec<PermissionInfo>> {
    Json(Permission::ALL.iter().map(|p| (*p).into()).collect())
}

pub(super) async fn backup(
    State(s): State<AdminState>,
    Body(req): Body<BackupRequest>,
) -> ApiResult<Json<BackupResult>> {
    Ok(Json(service::backup::backup(&s.app, req.path).await?))
}

pub(super) async fn layout_export(
    State(s): State<AdminState>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(service::layout::export(&s.app).await?))
}

/// A document that does not validate is `422 validation_failed` (the contract's status for
/// a well-formed body with bad content).
pub(super) async fn layout_apply(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<LayoutApply>,
) -> Response {
    match service::layout::apply(&s.app, actor, req.layout, req.dry_run).await {
        Ok(changes) => Json(LayoutChanges { changes }).into_response(),
        Err(e @ ApiError::Validation(_)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Json(e.body())).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The audit log, as the public `GET /audit-log` answers it (the operator may always read it).
pub(super) async fn audit_log(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(service::audit::list(&s.app, actor, q).await?))
}
