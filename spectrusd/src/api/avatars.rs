//! `PUT|DELETE /users/@me/avatar`, `PUT /server/icon` (the image as the raw body) and
//! `GET /images/{sha256}.png`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use spectrus_proto::model::ServerInfo;
use tower::ServiceExt;

use super::extract::{Auth, PathParams};
use crate::error::{ApiError, ApiResult};
use crate::service::avatars;
use crate::state::SharedState;

/// Largest avatar or icon upload, in bytes (the route's body limit).
pub(crate) const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;

fn image_body(b: Bytes) -> Result<Vec<u8>, ApiError> {
    if b.is_empty() {
        return Err(ApiError::InvalidBody(
            "send the image as the request body".into(),
        ));
    }
    Ok(b.to_vec())
}

/// `PUT /users/@me/avatar` → `{avatar_url}`.
pub(crate) async fn put_avatar(
    State(s): State<SharedState>,
    auth: Auth,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let url = avatars::set_avatar(&s, auth.user_id, Some(image_body(body)?)).await?;
    Ok(Json(serde_json::json!({ "avatar_url": url })))
}

/// `DELETE /users/@me/avatar` → 204.
pub(crate) async fn delete_avatar(
    State(s): State<SharedState>,
    auth: Auth,
) -> ApiResult<StatusCode> {
    avatars::set_avatar(&s, auth.user_id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /server/icon` → the server.
pub(crate) async fn put_icon(
    State(s): State<SharedState>,
    auth: Auth,
    body: Bytes,
) -> ApiResult<Json<ServerInfo>> {
    Ok(Json(
        avatars::set_icon(&s, auth.actor(), image_body(body)?).await?,
    ))
}

/// `GET /images/{sha256}.png` (or `.gif`, an animated emoji, and `.still.png`, its first
/// frame): public (the name is the content's hash), cached for ever.
pub(crate) async fn get_image(
    State(s): State<SharedState>,
    PathParams(name): PathParams<String>,
    req: Request,
) -> ApiResult<Response> {
    let (path, kind) = avatars::image_file(&s, &name).await?;
    let mut resp = tower_http::services::ServeFile::new(path)
        .oneshot(req)
        .await
        .map_err(|e| ApiError::Internal(format!("cannot read the image: {e}")))?
        .map(axum::body::Body::new)
        .into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(resp)
}
