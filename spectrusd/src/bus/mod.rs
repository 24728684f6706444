//! The event bus: where services publish events and from where they reach the gateway's
//! sessions. Below `service`; imports only `access` (who may see what) and the wire types.
//!
//! Imports run one way: `hub` (the registry of sessions; publishes a
//! [`spectrus_proto::gateway::Dispatch`], serialized once, to an [`Audience`]) → `registry`
//! (the sessions by id, by user and by the members they watch) → `lanes`
//! (delivery threads) → `walk` (a lane's walk over every session, which later events
//! join) → `slot` (one session's state and the delivery to it) → `resume` (its
//! sequence numbers and resume buffer, a ring) and `out` (a connection's sending side) →
//! `wire` (the frames the server writes).

pub mod hub;
mod lanes;
pub mod out;
mod registry;
mod resume;
pub(crate) mod slot;
mod walk;
mod wire;

pub use hub::{Audience, Hub, Tap};
