//! Applying a document: plan and write in one transaction (or only plan, with `dry_run`),
//! then publish what changed.

use std::collections::HashSet;

use serde_json::json;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::{Id, Permission};

use super::doc::Layout;
use super::plan::plan;
use crate::bus::Audience;
use crate::error::ApiError;
use crate::service::{Actor, audit};
use crate::state::AppState;
use crate::store;

/// Applies (or with `dry_run` only plans) a layout document in one transaction.
pub(crate) async fn apply(
    state: &AppState,
    actor: Actor,
    layout: serde_json::Value,
    dry_run: bool,
) -> Result<Vec<String>, ApiError> {
    actor.require(state, Permission::ChannelsManage)?;
    actor.require(state, Permission::RolesManage)?;
    let doc: Layout =
        serde_json::from_value(layout).map_err(|e| ApiError::field("layout", e.to_string()))?;
    let count = doc.roles.len()
        + doc.channels.len()
        + doc
            .categories
            .iter()
            .map(|c| 1 + c.channels.len())
            .sum::<usize>();
    let ids: Vec<Id> = (0..count).map(|_| state.ids.next()).collect();
    let entry = audit::Entry::new(state, actor, "layout.apply");
    let (changes, roles, channels) = crate::service::write(state, move |c| {
        let roles = store::roles::list(c)?;
        let channels = store::channels::list(c)?;
        let plan = plan(&doc, &roles, &channels, ids.into_iter()).map_err(ApiError::Validation)?;
        if dry_run || plan.changes.is_empty() {
            return Ok((plan.changes, Vec::new(), Vec::new()));
        }
        for (r, _) in &plan.roles {
            store::roles::upsert(c, r)?;
        }
        for (ch, _) in &plan.channels {
            store::channels::upsert(c, ch)?;
        }
        for (ch, o) in &plan.overwrite_puts {
            store::channels::put_overwrite(c, *ch, o)?;
        }
        for (ch, role) in &plan.overwrite_deletes {
            store::channels::delete_overwrite(c, *ch, *role)?;
        }
        entry.write(c, json!({"changes": &plan.changes}))?;
        let mut touched: Vec<Id> = plan.channels.iter().map(|(ch, _)| ch.id).collect();
        touched.extend(plan.overwrite_puts.iter().map(|(ch, _)| *ch));
        touched.extend(plan.overwrite_deletes.iter().map(|(ch, _)| *ch));
        let mut seen = HashSet::new();
        let mut channels = Vec::new();
        for id in touched.into_iter().filter(|id| seen.insert(*id)) {
            let created = plan.channels.iter().any(|(ch, new)| ch.id == id && *new);
            if let Some(ch) = store::channels::get(c, id)? {
                channels.push((ch, created));
            }
        }
        Ok((plan.changes, plan.roles, channels))
    })
    .await?;
    for (r, created) in &roles {
        state.access.upsert_role(r);
        let ev = if *created {
            Dispatch::RoleCreate(r.clone())
        } else {
            Dispatch::RoleUpdate(r.clone())
        };
        state.hub.publish(ev, Audience::All);
    }
    for (ch, created) in &channels {
        state.access.upsert_channel(ch);
        let ev = if *created {
            Dispatch::ChannelCreate(ch.clone())
        } else {
            Dispatch::ChannelUpdate(ch.clone())
        };
        state.hub.publish(ev, Audience::Channel(ch.id));
    }
    if !dry_run && !changes.is_empty() {
        let e = crate::service::with_actor(actor, json!({"changes": &changes}));
        state.hub.admin_event("layout_apply", e);
    }
    Ok(changes)
}
