//! The WebSocket gateway: sessions, fan-out of events, resume buffers.
//!
//! `hub` is the in-process event bus and the registry of sessions; `lanes` are the threads
//! that write dispatched events into sockets; `out` is a connection's sending side and
//! `reader` its receiving side; `wire` frames what the server writes and answers the
//! handshake; `session` runs one connection; `ready` builds the `ready` payload.

pub mod hub;
mod lanes;
pub mod out;
mod reader;
pub mod ready;
pub mod session;
mod wire;

pub use hub::{Audience, Hub};
