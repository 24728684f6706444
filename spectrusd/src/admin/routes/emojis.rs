//! Custom emoji: list, add (the image as base64 in JSON), rename, delete — the public API's
//! service functions, acting as the operator (audited as such). `{emoji}` is a name or an id.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use spectrus_proto::admin::CreateEmoji;
use spectrus_proto::model::Emoji;
use spectrus_proto::rest::PatchEmoji;

use super::no_content;
use crate::admin::operator::Operator;
use crate::admin::{AdminState, resolve};
use crate::api::extract::{Body, PathParams};
use crate::error::{ApiError, ApiResult};
use crate::service::emojis;

pub(super) async fn list(State(s): State<AdminState>) -> ApiResult<Json<Vec<Emoji>>> {
    Ok(Json(emojis::list(&s.app).await?))
}

pub(super) async fn create(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    Body(req): Body<CreateEmoji>,
) -> ApiResult<(StatusCode, Json<Emoji>)> {
    let image = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(req.image.trim().trim_end_matches('='))
        .map_err(|_| ApiError::field("image", "must be the image's bytes in base64"))?;
    let name = req.name.trim().trim_matches(':').to_owned();
    Ok((
        StatusCode::CREATED,
        Json(emojis::create(&s.app, actor, name, image).await?),
    ))
}

pub(super) async fn rename(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(key): PathParams<String>,
    Body(req): Body<PatchEmoji>,
) -> ApiResult<Json<Emoji>> {
    let id = resolve::emoji(&s.app, &key).await?.id;
    let name = req.name.trim().trim_matches(':').to_owned();
    Ok(Json(emojis::rename(&s.app, actor, id, name).await?))
}

pub(super) async fn delete(
    State(s): State<AdminState>,
    Operator(actor): Operator,
    PathParams(key): PathParams<String>,
) -> ApiResult<Response> {
    let id = resolve::emoji(&s.app, &key).await?.id;
    emojis::delete(&s.app, actor, id).await?;
    Ok(no_content())
}
