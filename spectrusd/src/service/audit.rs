//! The audit log: written inside the write transaction of every administrative action, read
//! with `audit_log:view`.

use spectrus_proto::model::AuditEntry;
use spectrus_proto::{Id, Permission};

pub(crate) use spectrus_proto::rest::AuditQuery;

use super::Actor;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, StoreError};

/// The longest reason kept (`X-Audit-Log-Reason`, ban reasons).
pub(crate) const REASON_MAX_CHARS: usize = 512;

/// Every action the audit log records (`GET /audit-log?action=` takes one of these).
pub(crate) const ACTIONS: &[&str] = &[
    "channel.create",
    "channel.delete",
    "channel.overwrite",
    "channel.reorder",
    "channel.update",
    "emoji.create",
    "emoji.delete",
    "emoji.update",
    "invite.create",
    "invite.delete",
    "layout.apply",
    "license.activate",
    "license.deactivate",
    "license.import",
    "member.ban",
    "member.kick",
    "member.role_add",
    "member.role_remove",
    "member.roles",
    "member.timeout",
    "member.unban",
    "member.update",
    "member.voice_update",
    "message.delete",
    "message.pin",
    "message.purge",
    "message.unpin",
    "plugin.disable",
    "plugin.enable",
    "plugin.install",
    "plugin.remove",
    "plugin.token",
    "role.create",
    "role.delete",
    "role.reorder",
    "role.update",
    "server.owner",
    "server.update",
    "user.create",
    "user.delete",
    "user.disable",
    "user.enable",
    "user.reset_password",
];

/// An unknown name in a filter: `400` naming the valid ones.
pub(crate) fn unknown_name(what: &str, name: &str, valid: &[&str]) -> ApiError {
    ApiError::InvalidBody(format!(
        "unknown {what} {name:?}; the valid ones: {}",
        valid.join(", ")
    ))
}

/// Checks a reason: trimmed, empty → none, at most [`REASON_MAX_CHARS`] characters.
pub(crate) fn clean_reason(reason: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(r) = reason else { return Ok(None) };
    let r = r.trim();
    if r.is_empty() {
        return Ok(None);
    }
    if r.chars().count() > REASON_MAX_CHARS {
        return Err(ApiError::field(
            "reason",
            format!("must be at most {REASON_MAX_CHARS} characters"),
        ));
    }
    Ok(Some(r.to_owned()))
}

/// An audit entry decided before its write transaction (id, actor, action, target, reason)
/// and written inside it, with what changed, by [`Entry::write`]: the entry commits or rolls
/// back with the change it records.
pub(crate) struct Entry {
    id: Id,
    actor: Actor,
    action: &'static str,
    target: Option<(&'static str, String)>,
    reason: Option<String>,
}

impl Entry {
    /// An entry for `action` by `actor`, with a fresh id.
    pub(crate) fn new(state: &AppState, actor: Actor, action: &'static str) -> Entry {
        debug_assert!(ACTIONS.contains(&action), "{action} missing from ACTIONS");
        Entry {
            id: state.ids.next(),
            actor,
            action,
            target: None,
            reason: None,
        }
    }

    /// What the action was done to: a kind (`user`, `role`, `channel`, ...) and its id.
    pub(crate) fn target(mut self, kind: &'static str, id: impl ToString) -> Entry {
        self.target = Some((kind, id.to_string()));
        self
    }

    /// Why, as given by the actor (already checked by [`clean_reason`]).
    pub(crate) fn reason(mut self, reason: Option<String>) -> Entry {
        self.reason = reason;
        self
    }

    /// Writes the entry inside the caller's write transaction.
    pub(crate) fn write(
        &self,
        c: &rusqlite::Connection,
        changes: serde_json::Value,
    ) -> Result<(), StoreError> {
        store::audit::insert(
            c,
            &store::audit::NewEntry {
                id: self.id,
                actor_id: self.actor.user_id(),
                admin_uid: self.actor.admin_uid(),
                action: self.action,
                target: self.target.clone(),
                reason: self.reason.as_deref(),
                changes,
            },
        )
    }
}

/// `GET /audit-log` (`audit_log:view`): newest first, filtered by action and actor.
pub(crate) async fn list(
    state: &AppState,
    actor: Actor,
    q: AuditQuery,
) -> Result<Vec<AuditEntry>, ApiError> {
    actor.require(state, Permission::AuditLogView)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 100"));
    }
    let action = q.action.filter(|a| !a.is_empty());
    if let Some(a) = &action
        && !ACTIONS.contains(&a.as_str())
    {
        return Err(unknown_name("action", a, ACTIONS));
    }
    let filter = store::audit::Filter {
        before: q.before,
        action,
        actor_id: q.actor_id,
        limit,
    };
    Ok(state
        .store
        .read(move |c| store::audit::list(c, &filter))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::ACTIONS;

    /// The browser's audit log puts every recorded action in words (`web/app/admin/audit.js`);
    /// an action missing there would show as its code.
    #[test]
    fn every_action_has_words_in_the_browser_client() {
        let words = include_str!("../../../web/app/admin/audit.js");
        let missing: Vec<&str> = ACTIONS
            .iter()
            .copied()
            .filter(|a| !words.contains(&format!("\"{a}\":")))
            .collect();
        assert!(missing.is_empty(), "no words in audit.js for {missing:?}");
    }
}
