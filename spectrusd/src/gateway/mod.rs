//! The WebSocket gateway: sessions, fan-out of events, resume buffers.
//!
//! `hub` is the in-process event bus and the registry of sessions; `session` runs one
//! WebSocket connection; `ready` builds the `ready` payload.

pub mod hub;
pub mod ready;
pub mod session;

pub use hub::{Audience, Hub};
