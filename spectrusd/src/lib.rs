//! spectrusd: the Spectrus daemon as a library, so tests and benchmarks can reach its parts.
//!
//! Layers, each in its own folder: `config` (layered settings), `domain` (pure rules),
//! `store` (SQLite), `access` (the in-memory permission model), `service` (use cases shared
//! by the public API and the admin socket), `bus` (the event bus under `service`), and the edges
//! `api` (HTTP handlers), `gateway` (WebSocket connections) and `admin` (the Unix socket).
//! `startup` wires them together.

pub mod access;
pub mod admin;
pub mod api;
pub mod bus;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod http_server;
pub mod man;
pub mod ratelimit;
pub mod reload;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod systemd;
pub mod voice;

pub use config::Config;
pub use startup::{Daemon, start};
