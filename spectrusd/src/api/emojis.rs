//! `/emojis`: the server's custom emoji. `POST` is `multipart/form-data` with a `name` part
//! and a `file` part (the image).

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use spectrus_proto::Id;
use spectrus_proto::model::Emoji;
use spectrus_proto::rest::PatchEmoji;

use super::extract::{Auth, Body, PathParams};
use crate::error::{ApiError, ApiResult};
use crate::service::emojis;
use crate::state::SharedState;

/// The `POST /emojis` route's body limit: the image and the form around it.
pub(crate) const MAX_FORM_BYTES: usize = emojis::MAX_BYTES + 16 * 1024;

/// Longest `name` part read.
const MAX_NAME_BYTES: usize = 256;

/// `GET /emojis` → every custom emoji, by name.
pub(crate) async fn list(State(s): State<SharedState>, _auth: Auth) -> ApiResult<Json<Vec<Emoji>>> {
    Ok(Json(emojis::list(&s).await?))
}

fn form_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::InvalidBody(e.body_text())
    }
}

fn too_large() -> ApiError {
    ApiError::FileTooLarge(format!(
        "an emoji image may be at most {} KiB",
        emojis::MAX_BYTES / 1024
    ))
}

/// `POST /emojis` (multipart: `name`, `file`) → 201 and the emoji.
pub(crate) async fn create(
    State(s): State<SharedState>,
    auth: Auth,
    req: Request,
) -> ApiResult<(StatusCode, Json<Emoji>)> {
    // Permission first: a member without it learns that, whatever they sent.
    emojis::require_manage(&s, auth.actor())?;
    let mut form = Multipart::from_request(req, &s).await.map_err(|e| {
        ApiError::InvalidBody(format!(
            "send multipart/form-data with a name and a file part ({})",
            e.body_text()
        ))
    })?;
    let mut name: Option<String> = None;
    let mut file: Option<Vec<u8>> = None;
    while let Some(mut field) = form.next_field().await.map_err(form_error)? {
        let part = field.name().unwrap_or_default().to_owned();
        let cap = match part.as_str() {
            "name" => MAX_NAME_BYTES,
            "file" => emojis::MAX_BYTES,
            other => {
                return Err(ApiError::InvalidBody(format!(
                    "unexpected form part {other:?}: send name and file"
                )));
            }
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(form_error)? {
            if bytes.len() + chunk.len() > cap {
                return Err(if part == "file" {
                    too_large()
                } else {
                    ApiError::field("name", "must be 2 to 32 characters")
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if part == "name" {
            let text =
                String::from_utf8(bytes).map_err(|_| ApiError::field("name", "must be text"))?;
            name = Some(text.trim().trim_matches(':').to_owned());
        } else {
            file = Some(bytes);
        }
    }
    let name = name.ok_or_else(|| ApiError::field("name", "is required"))?;
    let file = file.ok_or_else(|| ApiError::field("file", "is required"))?;
    Ok((
        StatusCode::CREATED,
        Json(emojis::create(&s, auth.actor(), name, file).await?),
    ))
}

/// `PATCH /emojis/{id}` `{name}` → the renamed emoji.
pub(crate) async fn patch(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
    Body(req): Body<PatchEmoji>,
) -> ApiResult<Json<Emoji>> {
    Ok(Json(emojis::rename(&s, auth.actor(), id, req.name).await?))
}

/// `DELETE /emojis/{id}` → 204.
pub(crate) async fn delete(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<StatusCode> {
    emojis::delete(&s, auth.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
