//! Channels and categories: create, edit, reorder, delete, overwrites.

use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite};
use spectrus_proto::rest::{ChannelPosition, CreateChannel, OverwriteBody, PatchChannel};
use spectrus_proto::{Id, Permission};

use super::{Actor, audit};
use crate::bus::Audience;
use crate::domain::validate;
use crate::error::ApiError;
use crate::ratelimit::MAX_SLOWMODE_SECONDS;
use crate::state::AppState;
use crate::store;

/// Every channel, hidden or not (for the operator's name lookups).
pub(crate) async fn all(state: &AppState) -> Result<Vec<Channel>, ApiError> {
    Ok(state.store.read(store::channels::list).await?)
}

/// Every channel the actor can see.
pub(crate) async fn list(state: &AppState, actor: Actor) -> Result<Vec<Channel>, ApiError> {
    let all = all(state).await?;
    Ok(match actor {
        Actor::Admin { .. } => all,
        Actor::User(u) => all
            .into_iter()
            .filter(|c| state.access.can_view(u, c.id))
            .collect(),
    })
}

fn check_slowmode(seconds: Option<i64>, c: &mut validate::Checker) {
    c.check(
        "slowmode_seconds",
        seconds.is_none_or(|s| (0..=i64::from(MAX_SLOWMODE_SECONDS)).contains(&s)),
        format!("must be 0 (off) to {MAX_SLOWMODE_SECONDS} seconds"),
    );
}

fn check_limits(user_limit: Option<u32>, bitrate: Option<u32>, c: &mut validate::Checker) {
    c.check(
        "user_limit",
        user_limit.is_none_or(|l| (1..=99).contains(&l)),
        "must be 1 to 99",
    );
    c.check(
        "bitrate",
        bitrate.is_none_or(|b| (8_000..=510_000).contains(&b)),
        "must be 8000 to 510000",
    );
}

fn check_parent(
    c: &rusqlite::Connection,
    parent: Option<Id>,
    kind: ChannelType,
) -> Result<(), ApiError> {
    if let Some(p) = parent {
        if kind == ChannelType::Category {
            return Err(ApiError::field(
                "parent_id",
                "a category cannot have a parent",
            ));
        }
        match store::channels::get(c, p)? {
            Some(ch) if ch.kind == ChannelType::Category => {}
            Some(_) => {
                return Err(ApiError::field("parent_id", "must be a category"));
            }
            None => {
                return Err(ApiError::field("parent_id", "no such category"));
            }
        }
    }
    Ok(())
}

/// Creates a channel or category.
pub(crate) async fn create(
    state: &AppState,
    actor: Actor,
    req: CreateChannel,
) -> Result<Channel, ApiError> {
    actor.require(state, Permission::ChannelsManage)?;
    let mut check = validate::Checker::new();
    check.field("name", validate::channel_name(&req.name));
    if let Some(t) = &req.topic {
        check.field("topic", validate::topic(t));
    }
    check_limits(req.user_limit, req.bitrate, &mut check);
    check_slowmode(req.slowmode_seconds, &mut check);
    check.check(
        "type",
        !req.kind.is_private(),
        "direct messages are opened with POST /users/@me/channels",
    );
    check.check(
        "position",
        req.position.is_none_or(|p| p >= 0),
        "must be 0 or more",
    );
    check.finish()?;
    let id = state.ids.next();
    let entry = audit::Entry::new(state, actor, "channel.create").target("channel", id);
    let ch = super::write(state, move |c| {
        check_parent(c, req.parent_id, req.kind)?;
        let position = match req.position {
            Some(p) => p,
            None => store::channels::next_position(c)?,
        };
        let ch = Channel {
            id,
            kind: req.kind,
            name: req.name,
            topic: req.topic,
            parent_id: req.parent_id,
            position,
            permission_overwrites: Vec::new(),
            user_limit: req.user_limit,
            bitrate: req.bitrate,
            slowmode_seconds: req.slowmode_seconds.unwrap_or(0) as u32,
        };
        store::channels::upsert(c, &ch)?;
        entry.write(c, serde_json::json!({"after": &ch}))?;
        Ok(ch)
    })
    .await?;
    state.access.upsert_channel(&ch);
    state.hub.publish(
        Dispatch::ChannelCreate(ch.clone()),
        Audience::Channel(ch.id),
    );
    Ok(ch)
}

/// Edits a channel: absent fields stay, `null` clears.
pub(crate) async fn patch(
    state: &AppState,
    actor: Actor,
    id: Id,
    req: PatchChannel,
) -> Result<Channel, ApiError> {
    actor.require_in(state, id, Permission::ChannelsView)?;
    actor.require_in(state, id, Permission::ChannelsManage)?;
    let mut check = validate::Checker::new();
    if let Some(n) = &req.name {
        check.field("name", validate::channel_name(n));
    }
    if let Some(Some(t)) = &req.topic {
        check.field("topic", validate::topic(t));
    }
    check_limits(req.user_limit.flatten(), req.bitrate.flatten(), &mut check);
    check_slowmode(req.slowmode_seconds, &mut check);
    check.check(
        "position",
        req.position.is_none_or(|p| p >= 0),
        "must be 0 or more",
    );
    check.finish()?;
    let entry = audit::Entry::new(state, actor, "channel.update").target("channel", id);
    let ch = super::write(state, move |c| {
        let before = store::channels::get(c, id)?.ok_or(ApiError::NotFound("channel"))?;
        let mut ch = before.clone();
        if let Some(n) = req.name {
            ch.name = n;
        }
        if let Some(t) = req.topic {
            ch.topic = t;
        }
        if let Some(p) = req.parent_id {
            check_parent(c, p, ch.kind)?;
            ch.parent_id = p;
        }
        if let Some(p) = req.position {
            ch.position = p;
        }
        if let Some(l) = req.user_limit {
            ch.user_limit = l;
        }
        if let Some(b) = req.bitrate {
            ch.bitrate = b;
        }
        if let Some(s) = req.slowmode_seconds {
            ch.slowmode_seconds = s as u32;
        }
        store::channels::upsert(c, &ch)?;
        entry.write(c, serde_json::json!({"before": before, "after": &ch}))?;
        Ok(ch)
    })
    .await?;
    state.access.upsert_channel(&ch);
    state.hub.publish(
        Dispatch::ChannelUpdate(ch.clone()),
        Audience::Channel(ch.id),
    );
    Ok(ch)
}

/// Reorders (and re-parents) channels in one transaction.
pub(crate) async fn reorder(
    state: &AppState,
    actor: Actor,
    moves: Vec<ChannelPosition>,
) -> Result<Vec<Channel>, ApiError> {
    actor.require(state, Permission::ChannelsManage)?;
    if moves.is_empty() || moves.len() > 500 {
        return Err(ApiError::InvalidBody(
            "give 1 to 500 channel positions".into(),
        ));
    }
    if moves.iter().any(|m| m.position < 0) {
        return Err(ApiError::field("position", "must be 0 or more"));
    }
    let entry = audit::Entry::new(state, actor, "channel.reorder");
    let changed = super::write(state, move |c| {
            let mut changed = Vec::new();
            for m in &moves {
                let mut ch = store::channels::get(c, m.id)?.ok_or(ApiError::NotFound("channel"))?;
                ch.position = m.position;
                if let Some(p) = m.parent_id {
                    check_parent(c, p, ch.kind)?;
                    ch.parent_id = p;
                }
                store::channels::upsert(c, &ch)?;
                changed.push(ch);
            }
            entry.write(c, serde_json::json!({"moves": moves.iter().map(|m| (m.id, m.position)).collect::<Vec<_>>()}))?;
            Ok(changed)
        })
        .await?;
    for ch in &changed {
        state.access.upsert_channel(ch);
        state.hub.publish(
            Dispatch::ChannelUpdate(ch.clone()),
            Audience::Channel(ch.id),
        );
    }
    list(state, actor).await
}

/// Deletes a channel (its messages go with it; children of a category move to the top).
/// What deleting a category does with the channels it still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeldChannels {
    /// They move to the top level (the public API).
    MoveToTop,
    /// The deletion is refused, `409 conflict` (the admin socket: an operator's script
    /// should not reshape the channel list by accident).
    Refuse,
}

/// Deletes a channel or a category (`channels:manage`); `held` says what happens to the
/// channels a category still holds. Checked inside the write transaction, so no channel can
/// join the category between the check and the deletion.
pub(crate) async fn delete(
    state: &AppState,
    actor: Actor,
    id: Id,
    held: HeldChannels,
) -> Result<(), ApiError> {
    actor.require_in(state, id, Permission::ChannelsManage)?;
    let entry = audit::Entry::new(state, actor, "channel.delete").target("channel", id);
    let (ch, children) = super::write(state, move |c| {
        let ch = store::channels::get(c, id)?.ok_or(ApiError::NotFound("channel"))?;
        let former_children: Vec<Id> = store::channels::list(c)?
            .into_iter()
            .filter(|x| x.parent_id == Some(id))
            .map(|x| x.id)
            .collect();
        if held == HeldChannels::Refuse && !former_children.is_empty() {
            return Err(ApiError::Conflict(format!(
                "category {} still holds {} channel(s): move or delete them first",
                ch.name,
                former_children.len()
            )));
        }
        store::channels::delete(c, id)?;
        let mut children = Vec::new();
        for child in former_children {
            children.extend(store::channels::get(c, child)?);
        }
        entry.write(c, serde_json::json!({"before": &ch}))?;
        Ok((ch, children))
    })
    .await?;
    // Tell everyone who could see it before forgetting its overwrites.
    state.hub.publish(
        Dispatch::ChannelDelete(ch.clone()),
        Audience::Channel(ch.id),
    );
    state.access.remove_channel(id);
    super::attachments::sweep(state).await;
    for child in children {
        state.hub.publish(
            Dispatch::ChannelUpdate(child.clone()),
            Audience::Channel(child.id),
        );
    }
    Ok(())
}

/// Sets a role's overwrite in a channel.
pub(crate) async fn put_overwrite(
    state: &AppState,
    actor: Actor,
    channel: Id,
    role: Id,
    body: OverwriteBody,
) -> Result<Channel, ApiError> {
    actor.require_in(state, channel, Permission::ChannelsManage)?;
    // Nobody allows or denies in a channel what they do not hold there themselves.
    let mine = match actor {
        Actor::User(u) => state
            .access
            .channel_permissions(u, channel)
            .unwrap_or_default(),
        Actor::Admin { .. } => spectrus_proto::permissions::PermissionSet::all(),
    };
    if let Some(p) =
        crate::domain::permissions::first_ungrantable(mine, body.allow.union(body.deny))
    {
        return Err(ApiError::MissingPermission(p));
    }
    overwrite_change(
        state,
        actor,
        channel,
        Some(PermissionOverwrite {
            role_id: role,
            allow: body.allow,
            deny: body.deny,
        }),
        role,
    )
    .await
}

/// Removes a role's overwrite from a channel.
pub(crate) async fn delete_overwrite(
    state: &AppState,
    actor: Actor,
    channel: Id,
    role: Id,
) -> Result<Channel, ApiError> {
    actor.require_in(state, channel, Permission::ChannelsManage)?;
    overwrite_change(state, actor, channel, None, role).await
}

async fn overwrite_change(
    state: &AppState,
    actor: Actor,
    channel: Id,
    o: Option<PermissionOverwrite>,
    role: Id,
) -> Result<Channel, ApiError> {
    let entry = audit::Entry::new(state, actor, "channel.overwrite").target("channel", channel);
    let snapshot = super::visibility::snapshot(state);
    let ch = super::write(state, move |c| {
        if store::roles::get(c, role)?.is_none() {
            return Err(ApiError::NotFound("role"));
        }
        let before = store::channels::get(c, channel)?
            .ok_or(ApiError::NotFound("channel"))?
            .permission_overwrites
            .into_iter()
            .find(|x| x.role_id == role);
        match &o {
            Some(o) => store::channels::put_overwrite(c, channel, o)?,
            None => {
                store::channels::delete_overwrite(c, channel, role)?;
            }
        }
        entry.write(
            c,
            serde_json::json!({"role_id": role, "before": before, "after": &o}),
        )?;
        store::channels::get(c, channel)?.ok_or(ApiError::NotFound("channel"))
    })
    .await?;
    state.access.upsert_channel(&ch);
    // Those who just lost sight of it are told it is gone for them (and get nothing more of
    // it); those who just gained it are told it exists.
    super::visibility::announce(state, snapshot).await?;
    state.hub.publish(
        Dispatch::ChannelUpdate(ch.clone()),
        Audience::Channel(ch.id),
    );
    Ok(ch)
}
