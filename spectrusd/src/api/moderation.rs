//! `PATCH|DELETE /members/{user_id}`, `/bans` and `/audit-log`. Every route here accepts
//! `X-Audit-Log-Reason`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::Id;
use spectrus_proto::model::{AuditEntry, Ban, Member};
use spectrus_proto::rest::{AuditQuery, BanRequest, PatchMember};

use super::extract::{AuditReason, Auth, Body, PathParams, QueryParams};
use crate::error::{ApiError, ApiResult};
use crate::service::{audit, moderation};
use crate::state::SharedState;

pub(crate) async fn patch_member(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams(user): PathParams<Id>,
    Body(req): Body<PatchMember>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        moderation::patch_member(&s, auth.actor(), user, req, reason).await?,
    ))
}

pub(crate) async fn kick(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams(user): PathParams<Id>,
) -> ApiResult<StatusCode> {
    moderation::kick(&s, auth.actor(), user, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn bans(State(s): State<SharedState>, auth: Auth) -> ApiResult<Json<Vec<Ban>>> {
    Ok(Json(moderation::bans(&s, auth.actor()).await?))
}

/// The body is optional: `{reason?}`; the header is used when the body gives none.
pub(crate) async fn ban(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(header): AuditReason,
    PathParams(user): PathParams<Id>,
    body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    let req: BanRequest = if body.iter().all(u8::is_ascii_whitespace) {
        BanRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::InvalidBody(e.to_string()))?
    };
    let reason = req.reason.or(header);
    moderation::ban(&s, auth.actor(), user, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn unban(
    State(s): State<SharedState>,
    auth: Auth,
    AuditReason(reason): AuditReason,
    PathParams(user): PathParams<Id>,
) -> ApiResult<StatusCode> {
    moderation::unban(&s, auth.actor(), user, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn audit_log(
    State(s): State<SharedState>,
    auth: Auth,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(audit::list(&s, auth.actor(), q).await?))
}
