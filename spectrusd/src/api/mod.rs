//! The HTTP API: the router, extractors, and thin handlers over `service`.

pub(crate) mod attachments;
pub(crate) mod auth;
pub(crate) mod avatars;
pub(crate) mod channels;
pub(crate) mod dms;
pub(crate) mod extract;
pub(crate) mod interactions;
pub(crate) mod invites;
pub(crate) mod members;
pub(crate) mod messages;
pub(crate) mod moderation;
pub(crate) mod previews;
pub(crate) mod roles;
pub(crate) mod search;
pub(crate) mod server;
pub(crate) mod voice;
pub(crate) mod web;

use std::any::Any;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, get, on};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::SharedState;

/// Collects the API's routes while registering them, so the list of (method, path) pairs the
/// router serves is known (the permission route-table test compares against it).
struct Routes {
    router: Router<SharedState>,
    list: Vec<(Method, &'static str)>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    /// Registers `handler` for `method` on `path`.
    fn add<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Routes
    where
        H: axum::handler::Handler<T, SharedState>,
        T: 'static,
    {
        let filter = match MethodFilter::try_from(method.clone()) {
            Ok(f) => f,
            Err(_) => return self,
        };
        self.list.push((method, path));
        self.router = self.router.route(path, on(filter, handler));
        self
    }
}

/// Every route under `/api/v1`, registered through [`Routes`].
fn api_routes() -> Routes {
    use Method as M;
    Routes::new()
        .add(M::POST, "/auth/register", auth::register)
        .add(M::POST, "/auth/login", auth::login)
        .add(M::POST, "/auth/refresh", auth::refresh)
        .add(M::POST, "/auth/logout", auth::logout)
        .add(M::POST, "/auth/logout-all", auth::logout_everywhere)
        .add(M::GET, "/users/@me", auth::me)
        .add(M::PATCH, "/users/@me", auth::patch_me)
        // Direct messages, blocks and the member's own settings (`api::dms`).
        .add(M::GET, "/users/@me/channels", dms::list)
        .add(M::POST, "/users/@me/channels", dms::open)
        .add(M::GET, "/users/@me/blocks", dms::blocks)
        .add(M::PUT, "/users/@me/blocks/{user_id}", dms::block)
        .add(M::DELETE, "/users/@me/blocks/{user_id}", dms::unblock)
        .add(M::GET, "/users/@me/settings", dms::settings)
        .add(M::PATCH, "/users/@me/settings", dms::patch_settings)
        .add(
            M::PUT,
            "/users/@me/avatar",
            avatars::put_avatar.layer(DefaultBodyLimit::max(avatars::MAX_IMAGE_BYTES)),
        )
        .add(M::DELETE, "/users/@me/avatar", avatars::delete_avatar)
        .add(
            M::PUT,
            "/server/icon",
            avatars::put_icon.layer(DefaultBodyLimit::max(avatars::MAX_IMAGE_BYTES)),
        )
        .add(M::GET, "/images/{name}", avatars::get_image)
        .add(M::GET, "/server", server::get)
        .add(M::PATCH, "/server", server::patch)
        .add(M::GET, "/permissions", server::permissions)
        .add(M::GET, "/channels", channels::list)
        .add(M::POST, "/channels", channels::create)
        .add(M::PATCH, "/channels", channels::reorder)
        .add(M::GET, "/channels/{id}", channels::get)
        .add(M::PATCH, "/channels/{id}", channels::patch)
        .add(M::DELETE, "/channels/{id}", channels::delete)
        .add(
            M::PUT,
            "/channels/{id}/overwrites/{role_id}",
            channels::put_overwrite,
        )
        .add(
            M::DELETE,
            "/channels/{id}/overwrites/{role_id}",
            channels::delete_overwrite,
        )
        .add(M::GET, "/channels/{id}/messages", messages::list)
        .add(
            M::POST,
            "/channels/{id}/messages",
            // Uploads stream past the general body limit; the handler bounds each part.
            attachments::create_message.layer(DefaultBodyLimit::disable()),
        )
        .add(M::GET, "/attachments/{id}/{filename}", attachments::get)
        .add(M::PATCH, "/channels/{id}/messages/{mid}", messages::edit)
        .add(M::DELETE, "/channels/{id}/messages/{mid}", messages::delete)
        .add(
            M::PUT,
            "/channels/{id}/messages/{mid}/reactions/{emoji}/@me",
            messages::react,
        )
        .add(
            M::DELETE,
            "/channels/{id}/messages/{mid}/reactions/{emoji}/@me",
            messages::unreact,
        )
        .add(M::GET, "/channels/{id}/pins", messages::pins)
        .add(M::PUT, "/channels/{id}/pins/{mid}", messages::pin)
        .add(M::DELETE, "/channels/{id}/pins/{mid}", messages::unpin)
        .add(M::POST, "/channels/{id}/typing", messages::typing)
        .add(M::POST, "/channels/{id}/ack", messages::ack)
        .add(M::GET, "/search/messages", search::messages)
        .add(M::GET, "/invites", invites::list)
        .add(M::POST, "/invites", invites::create)
        .add(M::GET, "/invites/{code}", invites::preview)
        .add(M::POST, "/invites/{code}", invites::accept)
        .add(M::DELETE, "/invites/{code}", invites::delete)
        .add(M::GET, "/members", members::list)
        .add(M::GET, "/members/{user_id}", members::get)
        .add(M::PATCH, "/members/{user_id}", moderation::patch_member)
        .add(M::DELETE, "/members/{user_id}", moderation::kick)
        .add(M::PUT, "/members/{user_id}/roles/{role_id}", roles::assign)
        .add(
            M::DELETE,
            "/members/{user_id}/roles/{role_id}",
            roles::unassign,
        )
        .add(M::GET, "/roles", members::roles)
        .add(M::POST, "/roles", roles::create)
        .add(M::PATCH, "/roles", roles::reorder)
        .add(M::PATCH, "/roles/{id}", roles::patch)
        .add(M::DELETE, "/roles/{id}", roles::delete)
        .add(M::GET, "/bans", moderation::bans)
        .add(M::PUT, "/bans/{user_id}", moderation::ban)
        .add(M::DELETE, "/bans/{user_id}", moderation::unban)
        .add(M::GET, "/audit-log", moderation::audit_log)
        .add(M::PATCH, "/voice/members/{user_id}", voice::patch_member)
        .add(M::GET, "/gateway", crate::gateway::session::upgrade)
        .add(M::GET, "/previews/image", previews::image)
        // Slash commands (`api::interactions`).
        .add(M::GET, "/commands", interactions::list)
        .add(M::POST, "/channels/{id}/interactions", interactions::invoke)
        .add(
            M::POST,
            "/interactions/{id}/{token}/followup",
            interactions::followup,
        )
}

/// Every (method, path) the API serves, paths relative to `/api/v1`.
pub(crate) fn routes() -> Vec<(Method, &'static str)> {
    api_routes().list
}

/// The routes that change something (every method but GET), paths relative to `/api/v1`.
pub fn mutating_routes() -> Vec<(Method, &'static str)> {
    routes()
        .into_iter()
        .filter(|(m, _)| *m != Method::GET)
        .collect()
}

/// The whole public router: `/api/v1/*`, `/healthz`, `/readyz`, and the web client.
pub(crate) fn router(state: SharedState) -> Router {
    let body_limit = state.config().limits.body_max_bytes;
    let api = api_routes()
        .router
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_anonymous,
        ));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(server::health))
        .route("/readyz", get(server::ready))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback_service(web::router(state.config().debug.voice_test_page))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_rate_limited,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(too_large_as_json))
        .layer(CatchPanicLayer::custom(panic_as_json))
        .layer(axum::middleware::map_response(web::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Requests without credentials count against their IP address's REST limit (those with
/// credentials count against the account's, in the `Auth` extractor).
async fn limit_anonymous(
    axum::extract::State(s): axum::extract::State<SharedState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = peer
        && !req
            .headers()
            .contains_key(axum::http::header::AUTHORIZATION)
        && let Err(e) = s.rates.request_by_ip(ip)
    {
        return e.into_response();
    }
    next.run(req).await
}

/// Every 429 the API answers, whichever limiter refused, counts in `/metrics`.
async fn count_rate_limited(
    axum::extract::State(s): axum::extract::State<SharedState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    if resp.status() == StatusCode::TOO_MANY_REQUESTS {
        s.telemetry.rate_limited("http");
    }
    resp
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("route")
}

/// 405 with the contract's JSON error body.
pub(crate) async fn method_not_allowed(method: Method) -> Response {
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
