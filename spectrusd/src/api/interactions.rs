//! Slash commands: the list, running one in a channel, and a plugin's follow-ups.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use spectrus_proto::Id;
use spectrus_proto::interactions::{
    CommandList, InteractionMessage, InteractionResult, InvokeCommand,
};
use spectrus_proto::model::Message;

use crate::api::extract::{Auth, Body, PathParams};
use crate::error::ApiResult;
use crate::service::interactions;
use crate::state::SharedState;

pub(crate) async fn list(
    State(s): State<SharedState>,
    _auth: Auth,
) -> ApiResult<Json<CommandList>> {
    Ok(Json(interactions::list(&s).await?))
}

pub(crate) async fn invoke(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
    Body(req): Body<InvokeCommand>,
) -> ApiResult<Json<InteractionResult>> {
    Ok(Json(interactions::invoke(&s, auth.user_id, ch, req).await?))
}

pub(crate) async fn followup(
    State(s): State<SharedState>,
    PathParams((id, token)): PathParams<(Id, String)>,
    Body(req): Body<InteractionMessage>,
) -> ApiResult<(StatusCode, Json<Message>)> {
    Ok((
        StatusCode::CREATED,
        Json(interactions::followup(&s, id, &token, req).await?),
    ))
}
