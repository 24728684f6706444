//! `GET /search/messages`.

use axum::Json;
use axum::extract::State;
use spectrus_proto::rest::{SearchQuery, SearchResults};

use super::extract::{Auth, QueryParams};
use crate::error::ApiResult;
use crate::service::search;
use crate::state::SharedState;

pub(crate) async fn messages(
    State(s): State<SharedState>,
    auth: Auth,
    QueryParams(q): QueryParams<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    Ok(Json(search::messages(&s, auth.user_id, q).await?))
}
