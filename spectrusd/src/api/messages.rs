//! `/channels/{id}/messages`, reactions, typing and acks.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use spectrus_proto::Id;
use spectrus_proto::model::Message;
use spectrus_proto::rest::{AckRequest, CreateMessage, EditMessage};

use super::extract::{Auth, Body, PathParams, QueryParams};
use crate::error::ApiResult;
use crate::service::messages::{self, HistoryQuery};
use crate::service::pins;
use crate::state::SharedState;

#[derive(Deserialize)]
pub(crate) struct History {
    before: Option<Id>,
    after: Option<Id>,
    around: Option<Id>,
    limit: Option<u32>,
}

pub(crate) async fn list(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
    QueryParams(q): QueryParams<History>,
) -> ApiResult<Json<Vec<Message>>> {
    let q = HistoryQuery {
        before: q.before,
        after: q.after,
        around: q.around,
        limit: q.limit,
    };
    Ok(Json(messages::history(&s, auth.actor(), ch, q).await?))
}

pub(crate) async fn create(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
    Body(req): Body<CreateMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let (msg, created) = messages::post(&s, auth.user_id, ch, req).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(msg),
    ))
}

pub(crate) async fn edit(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((ch, id)): PathParams<(Id, Id)>,
    Body(req): Body<EditMessage>,
) -> ApiResult<Json<Message>> {
    Ok(Json(messages::edit(&s, auth.user_id, ch, id, req).await?))
}

pub(crate) async fn delete(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((ch, id)): PathParams<(Id, Id)>,
) -> ApiResult<StatusCode> {
    messages::delete(&s, auth.actor(), ch, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn react(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((ch, id, emoji)): PathParams<(Id, Id, String)>,
) -> ApiResult<StatusCode> {
    messages::react(&s, auth.user_id, ch, id, emoji, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn unreact(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((ch, id, emoji)): PathParams<(Id, Id, String)>,
) -> ApiResult<StatusCode> {
    messages::react(&s, auth.user_id, ch, id, emoji, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn typing(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
) -> ApiResult<StatusCode> {
    messages::typing(&s, auth.user_id, ch)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn ack(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
    Body(req): Body<AckRequest>,
) -> ApiResult<StatusCode> {
    messages::ack(&s, auth.user_id, ch, req.message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn pins(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
) -> ApiResult<Json<Vec<Message>>> {
    Ok(Json(pins::list(&s, auth.actor(), ch).await?))
}

pub(crate) async fn pin(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((ch, id)): PathParams<(Id, Id)>,
) -> ApiResult<StatusCode> {
    pins::set(&s, auth.actor(), ch, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn unpin(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams((ch, id)): PathParams<(Id, Id)>,
) -> ApiResult<StatusCode> {
    pins::set(&s, auth.actor(), ch, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
