//! Spectrus wire types shared by the daemon, the SDK, the clients and the tests.
//!
//! Everything here is plain data with serde derives; nothing does I/O. The shapes follow
//! `docs/api.md`, the project's wire contract.

pub mod admin;
pub mod error;
pub mod gateway;
pub mod id;
pub mod interactions;
pub mod model;
pub mod patch;
pub mod permissions;
pub mod rest;

pub use error::{ErrorBody, ErrorDetail};
pub use id::Id;
pub use permissions::Permission;
