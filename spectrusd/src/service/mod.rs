//! Use cases: the operations the public API and the admin socket both perform.
//!
//! Each function takes the state, the acting party and its input; checks permissions and
//! rules (through `access` and `domain`), writes through the `store`, and publishes events on
//! the `hub`. HTTP handlers and admin routes are thin wrappers over these, so no rule exists
//! twice.

pub mod accounts;
pub mod channels;
pub mod invites;
pub mod members;
pub mod messages;
pub mod server;
// Admin socket (operator) use cases.
pub mod backup;
pub mod layout;
pub mod status;
pub mod users;
// Shared with the `perms` branch (minimal versions here; see their module comments).
pub mod moderation;
pub mod roles;

use spectrus_proto::{Id, Permission};

use crate::error::ApiError;
use crate::state::AppState;

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A member, through the public API.
    User(Id),
    /// The operator, through the admin socket: passes every permission check.
    Admin,
}

impl Actor {
    /// The acting user, if any (the audit log's actor).
    pub fn user_id(self) -> Option<Id> {
        match self {
            Actor::User(id) => Some(id),
            Actor::Admin => None,
        }
    }

    /// Requires a server-wide permission.
    pub fn require(self, state: &AppState, perm: Permission) -> Result<(), ApiError> {
        match self {
            Actor::User(id) => state.access.require(id, perm),
            Actor::Admin => Ok(()),
        }
    }

    /// Requires a permission in a channel (hidden channels are "not found").
    pub fn require_in(
        self,
        state: &AppState,
        channel: Id,
        perm: Permission,
    ) -> Result<(), ApiError> {
        match self {
            Actor::User(id) => state.access.require_in(id, channel, perm),
            Actor::Admin => state
                .access
                .channel_kind(channel)
                .ok_or(ApiError::NotFound("channel"))
                .map(|_| ()),
        }
    }
}

/// Writes an audit log entry inside a write transaction.
pub(crate) fn audit(
    c: &rusqlite::Connection,
    id: Id,
    actor: Actor,
    action: &str,
    target: Option<(&str, String)>,
    changes: serde_json::Value,
) -> Result<(), crate::store::StoreError> {
    c.prepare_cached(
        "INSERT INTO audit_log(id, actor_id, action, target_type, target_id, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        id.0 as i64,
        actor.user_id().map(|u| u.0 as i64),
        action,
        target.as_ref().map(|t| t.0),
        target.as_ref().map(|t| t.1.clone()),
        changes.to_string()
    ])?;
    Ok(())
}
