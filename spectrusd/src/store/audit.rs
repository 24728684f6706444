//! The audit log: who did what to whom, with before/after and a reason.

use rusqlite::{Connection, params};
use spectrus_proto::Id;
use spectrus_proto::model::{AuditActor, AuditEntry};

use super::StoreError;
use crate::domain::time::rfc3339;

/// An entry to write (its time is its id's).
#[derive(Debug, Clone)]
pub(crate) struct NewEntry<'a> {
    pub id: Id,
    pub actor_id: Option<Id>,
    /// The admin socket peer's uid, for the operator's actions.
    pub admin_uid: Option<u32>,
    pub action: &'a str,
    pub target: Option<(&'a str, String)>,
    pub reason: Option<&'a str>,
    pub changes: serde_json::Value,
}

/// Writes an entry.
pub(crate) fn insert(c: &Connection, e: &NewEntry<'_>) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO audit_log(id, actor_id, action, target_type, target_id, reason, changes,
                               admin_uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        e.id.0 as i64,
        e.actor_id.map(|u| u.0 as i64),
        e.action,
        e.target.as_ref().map(|t| t.0),
        e.target.as_ref().map(|t| t.1.clone()),
        e.reason,
        e.changes.to_string(),
        e.admin_uid
    ])?;
    Ok(())
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub before: Option<Id>,
    pub action: Option<String>,
    pub actor_id: Option<Id>,
    pub limit: u32,
}

/// Entries matching `f`, newest first (keyset pagination on the id).
pub(crate) fn list(c: &Connection, f: &Filter) -> Result<Vec<AuditEntry>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT id, actor_id, action, target_type, target_id, reason, changes, admin_uid
         FROM audit_log
         WHERE id < ?1 AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR actor_id = ?3)
         ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = st
        .query_map(
            params![
                f.before.map(|b| b.0 as i64).unwrap_or(i64::MAX),
                f.action,
                f.actor_id.map(|a| a.0 as i64),
                f.limit
            ],
            |r| {
                let id = Id(r.get::<_, i64>(0)? as u64);
                let changes: String = r.get(6)?;
                Ok(AuditEntry {
                    id,
                    actor_id: r.get::<_, Option<i64>>(1)?.map(|a| Id(a as u64)),
                    actor: r.get::<_, Option<u32>>(7)?.map(AuditActor::admin_socket),
                    action: r.get(2)?,
                    target_type: r.get(3)?,
                    target_id: r.get(4)?,
                    reason: r.get(5)?,
                    changes: serde_json::from_str(&changes).unwrap_or(serde_json::Value::Null),
                    created_at: rfc3339(id.unix_millis() as i64),
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
