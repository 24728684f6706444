//! spectrusd: the Spectrus daemon as a library, so tests and benchmarks can reach its parts.
//!
//! Layers, each in its own folder: `config` (layered settings), `domain` (pure rules),
//! `store` (SQLite), `access` (the in-memory permission model), `service` (use cases shared
//! by the public API and the admin socket), `bus` (the event bus under `service`), and the edges
//! `api` (HTTP handlers), `gateway` (WebSocket connections) and `admin` (the Unix socket).
//! `startup` wires them together.
//!
//! Modules are `pub(crate)` by default (the `unreachable_pub` lint keeps it so): only what
//! `main.rs`, the integration tests, `spectrus-testkit` and `spectrus-bench` use is `pub`.

pub mod access;
pub(crate) mod admin;
pub(crate) mod api;
pub(crate) mod bots;
pub mod bus;
pub mod cli;
pub mod config;
pub mod domain;
pub(crate) mod error;
pub(crate) mod gateway;
pub(crate) mod http_server;
pub(crate) mod license;
pub mod man;
pub(crate) mod netguard;
pub(crate) mod previews;
pub(crate) mod ratelimit;
pub(crate) mod reload;
pub(crate) mod secret_file;
pub(crate) mod service;
pub mod socket;
pub(crate) mod startup;
pub(crate) mod state;
pub mod store;
pub mod systemd;
pub(crate) mod telemetry;
pub(crate) mod tls;
pub(crate) mod voice;

pub use api::mutating_routes;
pub use config::Config;
pub use reload::Reloaded;
pub use startup::{Daemon, start};
