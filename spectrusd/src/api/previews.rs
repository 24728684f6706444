//! `GET /previews/image`: the link-preview image proxy (signed URLs only, no credentials:
//! an `<img>` sends none), so members' addresses never reach third parties.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::QueryParams;
use crate::error::ApiResult;
use crate::service::previews;
use crate::state::SharedState;

#[derive(Deserialize)]
pub(crate) struct ImageQuery {
    url: String,
    sig: String,
}

pub(crate) async fn image(
    State(s): State<SharedState>,
    QueryParams(q): QueryParams<ImageQuery>,
) -> ApiResult<Response> {
    let img = previews::image(&s, &q.url, &q.sig).await?;
    Ok((
        [
            (header::CONTENT_TYPE, img.content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (header::CACHE_CONTROL, "public, max-age=86400".into()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".into(),
            ),
        ],
        img.body,
    )
        .into_response())
}
