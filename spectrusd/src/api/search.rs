//! `GET /search/messages`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use spectrus_proto::Id;
use spectrus_proto::rest::SearchResults;

use super::extract::{Auth, QueryParams};
use crate::error::ApiResult;
use crate::service::search::{self, SearchParams};
use crate::state::SharedState;

#[derive(Deserialize)]
pub(crate) struct Query {
    q: Option<String>,
    channel_id: Option<Id>,
    author_id: Option<Id>,
    has: Option<String>,
    mentions: Option<Id>,
    pinned: Option<bool>,
    before: Option<String>,
    after: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

pub(crate) async fn messages(
    State(s): State<SharedState>,
    auth: Auth,
    QueryParams(q): QueryParams<Query>,
) -> ApiResult<Json<SearchResults>> {
    let p = SearchParams {
        q: q.q,
        channel_id: q.channel_id,
        author_id: q.author_id,
        has: q.has,
        mentions: q.mentions,
        pinned: q.pinned,
        before: q.before,
        after: q.after,
        limit: q.limit,
        offset: q.offset,
    };
    Ok(Json(search::messages(&s, auth.user_id, p).await?))
}
