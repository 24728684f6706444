//! `/members` and `/roles` (read side).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use spectrus_proto::Id;
use spectrus_proto::model::{Member, Role};

use super::extract::{Auth, PathParams, QueryParams};
use crate::error::ApiResult;
use crate::service::members;
use crate::state::SharedState;

#[derive(Deserialize)]
pub(crate) struct Page {
    after: Option<Id>,
    limit: Option<u32>,
}

pub(crate) async fn list(
    State(s): State<SharedState>,
    _auth: Auth,
    QueryParams(p): QueryParams<Page>,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(members::page(&s, p.after, p.limit).await?))
}

pub(crate) async fn get(
    State(s): State<SharedState>,
    _auth: Auth,
    PathParams(id): PathParams<Id>,
) -> ApiResult<Json<Member>> {
    Ok(Json(members::get(&s, id).await?))
}

pub(crate) async fn roles(State(s): State<SharedState>, _auth: Auth) -> ApiResult<Json<Vec<Role>>> {
    Ok(Json(members::roles(&s).await?))
}
