//! The admin router: `/admin/v1/*`, one module per resource, each handler a thin wrapper
//! over `service` with `Actor::Admin { uid }` (the [`Operator`](super::operator::Operator)
//! extractor: the uid of the connection's peer).

mod community;
mod emojis;
mod events;
mod license;
mod moderation;
mod plugins;
mod server;
mod users;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use spectrus_proto::admin::ADMIN_PREFIX;

use super::{AdminPeer, AdminState};
use crate::error::ApiError;

/// Every admin route.
pub(crate) fn router(state: AdminState) -> Router {
    let v1 = Router::new()
        .route("/status", get(server::status))
        .route(
            "/server",
            get(moderation::server_show).patch(moderation::server_patch),
        )
        .route("/members/{user}", patch(moderation::patch_member))
        .route("/members/{user}/kick", post(moderation::kick))
        .route("/voice/{user}", patch(moderation::patch_voice))
        .route("/channels/{channel}/purge", post(moderation::purge))
        .route("/setup-code", get(server::setup_code))
        .route("/config", get(server::config))
        .route("/permissions", get(server::permissions))
        .route("/backup", post(server::backup))
        .route("/layout", get(server::layout_export))
        .route("/layout/apply", post(server::layout_apply))
        .route("/events", get(events::events))
        .route("/license", get(license::show).delete(license::deactivate))
        .route("/license/activate", post(license::activate))
        .route("/license/import", post(license::import))
        .route("/license/refresh", post(license::refresh))
        .route("/debug/license-clock", post(license::advance_clock))
        .route("/plugins", get(plugins::list).post(plugins::install))
        .route("/plugins/preview", post(plugins::preview))
        .route("/plugins/{id}", get(plugins::show).delete(plugins::remove))
        .route("/plugins/{id}/enable", post(plugins::enable))
        .route("/plugins/{id}/disable", post(plugins::disable))
        .route("/plugins/{id}/token", post(plugins::rotate_token))
        .route("/audit-log", get(server::audit_log))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{user}", get(users::show).delete(users::delete))
        .route("/users/{user}/reset-password", post(users::reset_password))
        .route("/users/{user}/disable", post(users::disable))
        .route("/users/{user}/enable", post(users::enable))
        .route("/users/{user}/set-owner", post(users::set_owner))
        .route(
            "/roles",
            get(community::roles_list)
                .post(community::roles_create)
                .patch(community::roles_reorder),
        )
        .route(
            "/roles/{role}",
            get(community::roles_show)
                .patch(community::roles_patch)
                .delete(community::roles_delete),
        )
        .route(
            "/members/{user}/roles/{role}",
            put(community::member_role_add).delete(community::member_role_remove),
        )
        .route(
            "/invites",
            get(community::invites_list).post(community::invites_create),
        )
        .route(
            "/invites/{code}",
            axum::routing::delete(community::invites_revoke),
        )
        .route(
            "/channels",
            get(community::channels_list)
                .post(community::channels_create)
                .patch(community::channels_reorder),
        )
        .route(
            "/channels/{channel}",
            axum::routing::delete(community::channels_delete),
        )
        .route("/emojis", get(emojis::list).post(emojis::create))
        .route(
            "/emojis/{emoji}",
            patch(emojis::rename).delete(emojis::delete),
        )
        .route("/bans", get(community::bans_list))
        .route(
            "/bans/{user}",
            put(community::bans_add).delete(community::bans_remove),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest(ADMIN_PREFIX, v1)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::InvalidBody("this method is not allowed on this route".into())
}

/// Logs every admin request with the peer's uid (the audit log records it too).
async fn log_request(req: Request, next: Next) -> Response {
    let uid = req.extensions().get::<AdminPeer>().map(|p| p.uid);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let status = resp.status();
    if method == axum::http::Method::GET {
        tracing::debug!(?uid, %method, path, status = status.as_u16(), "admin request");
    } else {
        tracing::info!(?uid, %method, path, status = status.as_u16(), "admin request");
    }
    resp
}

/// `204 No Content` for actions.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// `201 Created` with the created resource.
pub(crate) fn created<T>(value: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(value))
}
