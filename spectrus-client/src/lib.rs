//! The Spectrus client SDK: a REST client ([`Client`]) and a gateway connection
//! ([`Gateway`]) that heartbeats, reconnects and resumes on its own.
//!
//! The terminal client, the integration tests and the benchmarks all speak to the daemon
//! through this crate.

pub mod error;
pub mod gateway;
pub mod rest;
mod tls;
#[cfg(feature = "voice")]
pub mod voice;

pub use error::ClientError;
pub use gateway::{Gateway, GatewayEvent, GatewayOptions};
pub use rest::{Client, HistoryQuery};
pub use spectrus_proto as proto;
pub use spectrus_proto::rest::SearchQuery;
