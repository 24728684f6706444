//! The HTTP API: the router, extractors, and thin handlers over `service`.

pub mod auth;
pub mod channels;
pub mod extract;
pub mod invites;
pub mod members;
pub mod messages;
pub mod ratelimit;
pub mod server;
pub mod web;

use std::any::Any;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::SharedState;

/// The whole public router: `/api/v1/*`, `/healthz`, and the web client.
pub fn router(state: SharedState) -> Router {
    let body_limit = state.config().limits.body_max_bytes;
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/users/@me", get(auth::me).patch(auth::patch_me))
        .route("/server", get(server::get).patch(server::patch))
        .route(
            "/channels",
            get(channels::list)
                .post(channels::create)
                .patch(channels::reorder),
        )
        .route(
            "/channels/{id}",
            get(channels::get)
                .patch(channels::patch)
                .delete(channels::delete),
        )
        .route(
            "/channels/{id}/overwrites/{role_id}",
            put(channels::put_overwrite).delete(channels::delete_overwrite),
        )
        .route(
            "/channels/{id}/messages",
            get(messages::list).post(messages::create),
        )
        .route(
            "/channels/{id}/messages/{mid}",
            axum::routing::patch(messages::edit).delete(messages::delete),
        )
        .route(
            "/channels/{id}/messages/{mid}/reactions/{emoji}/@me",
            put(messages::react).delete(messages::unreact),
        )
        .route("/channels/{id}/typing", post(messages::typing))
        .route("/channels/{id}/ack", post(messages::ack))
        .route("/invites", get(invites::list).post(invites::create))
        .route(
            "/invites/{code}",
            get(invites::preview).delete(invites::delete),
        )
        .route("/members", get(members::list))
        .route("/members/{user_id}", get(members::get))
        .route("/roles", get(members::roles))
        .route("/gateway", get(crate::gateway::session::upgrade))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(server::health))
        .fallback(web::serve)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(too_large_as_json))
        .layer(CatchPanicLayer::custom(panic_as_json))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed(method: Method) -> Response {
    let body = spectrus_proto::ErrorBody {
        error: spectrus_proto::ErrorDetail {
            code: "method_not_allowed".into(),
            message: format!("{method} is not allowed on this route"),
            fields: None,
            permission: None,
            retry_after_ms: None,
        },
    };
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

/// Bodies refused by the limit before any extractor ran still answer the contract's JSON.
async fn too_large_as_json(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::PayloadTooLarge.into_response();
    }
    resp
}

fn panic_as_json(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}
