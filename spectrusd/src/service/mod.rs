//! Use cases: the operations the public API and the admin socket both perform.
//!
//! Each function takes the state, the acting party and its input; checks permissions and
//! rules (through `access` and `domain`), writes through the `store`, and publishes events on
//! the `hub`. HTTP handlers and admin routes are thin wrappers over these, so no rule exists
//! twice.

pub(crate) mod accounts;
pub(crate) mod attachments;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod avatars;
pub(crate) mod channels;
pub(crate) mod dms;
pub(crate) mod emojis;
pub(crate) mod health;
pub(crate) mod images;
pub(crate) mod interactions;
pub(crate) mod invites;
pub(crate) mod members;
pub(crate) mod mentions;
pub(crate) mod messages;
pub(crate) mod moderation;
pub(crate) mod observe;
pub(crate) mod pins;
pub(crate) mod previews;
pub(crate) mod readable;
pub(crate) mod ready;
pub(crate) mod roles;
pub(crate) mod search;
pub(crate) mod server;
pub(crate) mod sessions;
pub(crate) mod signed_urls;
pub(crate) mod visibility;
pub(crate) mod voice;
pub(crate) mod watch;
// Admin socket (operator) use cases.
pub(crate) mod backup;
pub(crate) mod layout;
pub(crate) mod license;
pub(crate) mod plugins;
pub(crate) mod status;
pub(crate) mod users;

use spectrus_proto::permissions::PermissionSet;
use spectrus_proto::{Id, Permission};

use crate::domain::permissions::{Standing, first_ungrantable};
use crate::error::ApiError;
use crate::state::AppState;

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Actor {
    /// A member, through the public API.
    User(Id),
    /// The operator, through the admin socket: passes every permission check. `uid` is the
    /// peer's uid from the connection's credential check (`SO_PEERCRED`), recorded in the
    /// audit log.
    Admin {
        /// The admin socket peer's uid.
        uid: u32,
    },
}

impl Actor {
    /// The acting user, if any (the audit log's actor).
    pub(crate) fn user_id(self) -> Option<Id> {
        match self {
            Actor::User(id) => Some(id),
            Actor::Admin { .. } => None,
        }
    }

    /// The admin socket peer's uid, for the operator (the audit log's `actor`).
    pub(crate) fn admin_uid(self) -> Option<u32> {
        match self {
            Actor::User(_) => None,
            Actor::Admin { uid } => Some(uid),
        }
    }

    /// Whether this is the operator (through the admin socket).
    pub(crate) fn is_admin(self) -> bool {
        matches!(self, Actor::Admin { .. })
    }

    /// Requires a server-wide permission.
    pub(crate) fn require(self, state: &AppState, perm: Permission) -> Result<(), ApiError> {
        match self {
            Actor::User(id) => state.access.require(id, perm),
            Actor::Admin { .. } => Ok(()),
        }
    }

    /// Requires a permission in a channel (hidden channels are "not found"; direct messages
    /// are hidden from the operator too).
    pub(crate) fn require_in(
        self,
        state: &AppState,
        channel: Id,
        perm: Permission,
    ) -> Result<(), ApiError> {
        match self {
            Actor::User(id) => state.access.require_in(id, channel, perm),
            Actor::Admin { .. } => match state.access.channel_kind(channel) {
                Some(k) if !k.is_private() => Ok(()),
                _ => Err(ApiError::NotFound("channel")),
            },
        }
    }

    /// Server-wide permissions (everything for the operator).
    pub(crate) fn permissions(self, state: &AppState) -> PermissionSet {
        match self {
            Actor::User(id) => state.access.server_permissions(id),
            Actor::Admin { .. } => PermissionSet::all(),
        }
    }

    /// Where the actor stands in the role hierarchy.
    pub(crate) fn standing(self, state: &AppState) -> Result<Standing, ApiError> {
        match self {
            Actor::User(id) => state.access.standing(id).ok_or_else(|| {
                ApiError::Unauthorized("you are not a member of this server".into())
            }),
            Actor::Admin { .. } => Ok(Standing::OPERATOR),
        }
    }

    /// Refuses to grant permissions the actor does not hold (server-wide).
    pub(crate) fn require_grantable(
        self,
        state: &AppState,
        granted: PermissionSet,
    ) -> Result<(), ApiError> {
        match first_ungrantable(self.permissions(state), granted) {
            None => Ok(()),
            Some(p) => Err(ApiError::MissingPermission(p)),
        }
    }
}

/// Adds who acted to an admin-stream event.
pub(crate) fn with_actor(actor: Actor, mut data: serde_json::Value) -> serde_json::Value {
    if let Some(obj) = data.as_object_mut() {
        match actor {
            Actor::User(id) => obj.insert("actor_id".into(), serde_json::json!(id)),
            Actor::Admin { uid } => {
                obj.insert("admin_uid".into(), serde_json::json!(uid));
                obj.insert("actor".into(), serde_json::json!("admin"))
            }
        };
    }
    data
}

/// Runs `f` in the store's write transaction (answered after the commit); `f` refuses with
/// an [`ApiError`] (a rule it checked inside the transaction) or any store error.
pub(crate) async fn write<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Connection) -> Result<T, ApiError> + Send + 'static,
{
    state.store.write(f).await
}

/// Permissions a set of roles grants (for escalation checks on whole role lists).
pub(crate) fn permissions_of(state: &AppState, roles: &[Id]) -> PermissionSet {
    roles
        .iter()
        .filter_map(|r| state.access.role(*r))
        .fold(PermissionSet::EMPTY, |acc, r| acc.union(r.permissions))
}
