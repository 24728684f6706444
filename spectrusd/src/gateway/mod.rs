//! The WebSocket gateway's connection protocol, an edge beside `api`: the handshake, hello,
//! identify or resume, heartbeats, and the client's frames. It calls `service` for everything
//! that is a use case (authentication, the `ready` payload, voice signalling) and attaches
//! the connection to the event bus (`crate::bus`), which delivers the events.
//!
//! `session` runs one connection; `reader` is its receiving side (tungstenite's protocol
//! state machine); `handshake` answers the upgrade.

mod handshake;
mod reader;
pub(crate) mod session;
