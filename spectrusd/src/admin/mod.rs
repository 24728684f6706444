//! The admin socket: HTTP/JSON over a Unix socket for `spectrusctl` and scripts
//! (`docs/admin-api.md`). Every route is a thin wrapper over `service` with
//! [`Actor::Admin`](crate::service::Actor::Admin) carrying the peer's uid ([`operator`]); the
//! peer check lives in [`peercred`], the socket and its accept loop in [`socket`], the event
//! backlog in [`events`].

pub(crate) mod events;
pub(crate) mod operator;
pub(crate) mod peercred;
pub(crate) mod resolve;
pub(crate) mod routes;
pub(crate) mod socket;

use std::sync::Arc;

use axum::Router;
use tokio::net::UnixListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::SharedState;

pub(crate) use socket::{AdminPeer, bind};

/// What admin handlers receive.
#[derive(Clone)]
pub(crate) struct AdminState {
    /// The daemon's shared state.
    pub app: SharedState,
    /// Recent and live events for `GET /events`.
    pub events: Arc<events::EventLog>,
}

/// Starts serving the admin API on `listener` (bound early by [`bind`]) until `stop`.
pub(crate) fn spawn(
    listener: UnixListener,
    app: SharedState,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let events = Arc::new(events::EventLog::default());
    events.spawn_feed(&app.hub, stop.clone());
    let router: Router = routes::router(AdminState { app, events });
    tokio::spawn(socket::serve(listener, router, stop))
}
