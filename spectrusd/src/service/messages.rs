//! Messages: post (idempotent with a nonce), history, edit, delete, reactions, typing, acks.

use spectrus_proto::gateway::{Dispatch, MessageDelete, ReactionEvent, TypingStart};
use spectrus_proto::model::Message;
use spectrus_proto::rest::{CreateMessage, EditMessage};
use spectrus_proto::{Id, Permission};

use super::Actor;
use crate::bus::Audience;
use crate::domain::time::{now_ms, rfc3339};
use crate::domain::validate;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::messages::{Cursor, NewMessage};

/// How long a nonce de-duplicates.
pub(crate) const NONCE_WINDOW_MS: u64 = 10 * 60 * 1000;

/// The channel's slowmode, for a member without `messages:manage` there (moderators are
/// exempt); on even when the per-user rate limits are off. True when this post was
/// recorded against it (to be forgotten if the post then fails).
fn slowmode(state: &AppState, user: Id, channel: Id) -> Result<bool, ApiError> {
    let seconds = state.access.slowmode_seconds(channel);
    if seconds == 0
        || state
            .access
            .require_in(user, channel, Permission::MessagesManage)
            .is_ok()
    {
        return Ok(false);
    }
    state.rates.slowmode(user, channel, seconds)?;
    Ok(true)
}

/// The message `user` already posted with `nonce` since `since`, if any.
async fn retried(
    state: &AppState,
    user: Id,
    nonce: Option<String>,
    since: Id,
) -> Result<Option<Message>, ApiError> {
    let Some(nonce) = nonce else {
        return Ok(None);
    };
    let found = state
        .store
        .read(
            move |c| match store::messages::find_by_nonce(c, user, &nonce, since)? {
                Some(id) => Ok(store::messages::get(c, id, user)?.map(|mut m| {
                    m.nonce = Some(nonce);
                    m
                })),
                None => Ok(None),
            },
        )
        .await?;
    Ok(found)
}

/// Posts a message. The same nonce from the same author within ten minutes returns the
/// first message instead of a duplicate. Returns the message and whether it was created.
pub(crate) async fn post(
    state: &AppState,
    user: Id,
    channel: Id,
    req: CreateMessage,
) -> Result<(Message, bool), ApiError> {
    post_with_files(state, user, channel, req, Vec::new()).await
}

/// [`post`] with uploaded files (`service::attachments`); the content may then be empty.
pub(crate) async fn post_with_files(
    state: &AppState,
    user: Id,
    channel: Id,
    req: CreateMessage,
    files: Vec<super::attachments::Staged>,
) -> Result<(Message, bool), ApiError> {
    state
        .access
        .require_in(user, channel, Permission::MessagesSend)?;
    super::readable::require_text_channel(state, channel)?;
    super::dms::require_open(state, user, channel).await?;
    state.rates.message(user, channel)?;
    let max = state.config().limits.message_max_chars;
    let mut check = validate::Checker::new();
    if files.is_empty() || !req.content.is_empty() {
        check.field("content", validate::message_content(&req.content, max));
    }
    if let Some(n) = &req.nonce {
        check.field("nonce", validate::nonce(n));
    }
    check.finish()?;
    let id = state.ids.next();
    let since = Id::from_unix_millis(id.unix_millis().saturating_sub(NONCE_WINDOW_MS));
    let slowed = match slowmode(state, user, channel) {
        Ok(slowed) => slowed,
        // A retry of a post that went through (its answer was lost) is not a new message:
        // it gets the message back, however long the slowmode's wait.
        Err(e) => match retried(state, user, req.nonce.clone(), since).await? {
            Some(msg) => return Ok((msg, false)),
            None => return Err(e),
        },
    };
    let mentioned = super::mentions::resolve(state, user, channel, &req.content);
    let nonce = req.nonce.clone();
    let new = NewMessage {
        id,
        channel_id: channel,
        author_id: user,
        content: req.content,
        reply_to: req.reply_to,
        nonce: req.nonce,
        mentions: mentioned,
    };
    let attachment_ids: Vec<Id> = files.iter().map(|_| state.ids.next()).collect();
    let blobs = state.blobs.clone();
    let max_total = state.config().uploads.max_total_bytes;
    // The stored message is read back inside the write (same connection, same
    // transaction): no trip to a reader thread between the commit and the dispatch.
    let (stored, created) = super::write(state, move |c| {
        if let Some(n) = &new.nonce
            && let Some(existing) = store::messages::find_by_nonce(c, user, n, since)?
        {
            return Ok((store::messages::get(c, existing, user)?, false));
        }
        if let Some(r) = new.reply_to {
            match store::messages::owner_of(c, r)? {
                Some((ch, _)) if ch == channel => {}
                _ => {
                    return Err(ApiError::field(
                        "reply_to",
                        "no such message in this channel",
                    ));
                }
            }
        }
        store::messages::insert(c, &new)?;
        super::attachments::store_all(&blobs, c, new.id, &attachment_ids, files, max_total)?;
        Ok((store::messages::get(c, new.id, user)?, true))
    })
    .await
    .inspect_err(|_| {
        // Refused (a bad reply_to, a full disk): it does not count against the slowmode.
        if slowed {
            state.rates.slowmode_forget(user, channel);
        }
    })?;
    let mut msg = stored.ok_or(ApiError::NotFound("message"))?;
    msg.nonce = nonce;
    super::signed_urls::sign(state, &mut msg);
    if created {
        state.hub.publish(
            Dispatch::MessageCreate(msg.clone()),
            Audience::Channel(channel),
        );
        super::previews::schedule(state, &msg);
    }
    Ok((msg, created))
}

/// Which page of history to read, as the query string gives it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HistoryQuery {
    pub before: Option<Id>,
    pub after: Option<Id>,
    pub around: Option<Id>,
    pub limit: Option<u32>,
}

/// A page of history, newest first.
pub(crate) async fn history(
    state: &AppState,
    actor: Actor,
    channel: Id,
    q: HistoryQuery,
) -> Result<Vec<Message>, ApiError> {
    super::readable::require(state, actor, channel)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 100"));
    }
    let cursor = match (q.before, q.after, q.around) {
        (None, None, None) => Cursor::Latest,
        (Some(b), None, None) => Cursor::Before(b),
        (None, Some(a), None) => Cursor::After(a),
        (None, None, Some(a)) => Cursor::Around(a),
        _ => {
            return Err(ApiError::InvalidBody(
                "give at most one of before, after, around".into(),
            ));
        }
    };
    let viewer = actor.user_id().unwrap_or_default();
    let mut page = state
        .store
        .read(move |c| store::messages::page(c, channel, cursor, limit, viewer))
        .await?;
    super::signed_urls::sign_all(state, &mut page);
    Ok(page)
}

/// Edits one's own message: its content and/or whether its link previews are suppressed.
pub(crate) async fn edit(
    state: &AppState,
    user: Id,
    channel: Id,
    id: Id,
    req: EditMessage,
) -> Result<Message, ApiError> {
    state
        .access
        .require_in(user, channel, Permission::ChannelsView)?;
    if req.content.is_none() && req.suppress_embeds.is_none() {
        return Err(ApiError::InvalidBody(
            "give content, suppress_embeds or both".into(),
        ));
    }
    if let Some(content) = req.content {
        edit_content(state, user, channel, id, content).await?;
    }
    if let Some(suppress) = req.suppress_embeds {
        super::previews::suppress(state, user, channel, id, suppress).await?;
    }
    let mut msg = state
        .store
        .read(move |c| store::messages::get(c, id, user))
        .await?
        .ok_or(ApiError::NotFound("message"))?;
    super::signed_urls::sign(state, &mut msg);
    state.hub.publish(
        Dispatch::MessageUpdate(msg.clone()),
        Audience::Channel(channel),
    );
    super::previews::schedule(state, &msg);
    Ok(msg)
}

/// Replaces a message's content (its author only); a preview of a link no longer first in
/// it is removed.
async fn edit_content(
    state: &AppState,
    user: Id,
    channel: Id,
    id: Id,
    content: String,
) -> Result<(), ApiError> {
    let max = state.config().limits.message_max_chars;
    validate::Checker::new()
        .field("content", validate::message_content(&content, max))
        .finish()?;
    let mentioned = super::mentions::resolve(state, user, channel, &content);
    let now = now_ms();
    super::write(state, move |c| {
        match store::messages::owner_of(c, id)? {
            Some((ch, author)) if ch == channel => {
                if author != user {
                    return Err(ApiError::Forbidden(
                        "only the author can edit a message".into(),
                    ));
                }
            }
            _ => return Err(ApiError::NotFound("message")),
        }
        store::messages::edit(c, id, channel, &content, &mentioned, now)?;
        if let Some(msg) = store::messages::get(c, id, user)?
            && super::previews::outdated(&msg, &content)
        {
            store::messages::clear_embeds(c, id)?;
        }
        Ok(())
    })
    .await
}

/// Deletes a message: its author, or someone with `messages:manage`.
pub(crate) async fn delete(
    state: &AppState,
    actor: Actor,
    channel: Id,
    id: Id,
) -> Result<(), ApiError> {
    actor.require_in(state, channel, Permission::ChannelsView)?;
    let may_manage = actor
        .require_in(state, channel, Permission::MessagesManage)
        .is_ok();
    let entry = super::audit::Entry::new(state, actor, "message.delete").target("message", id);
    super::write(state, move |c| {
        let author = match store::messages::owner_of(c, id)? {
            Some((ch, author)) if ch == channel => author,
            _ => return Err(ApiError::NotFound("message")),
        };
        if actor.user_id() != Some(author) {
            if !may_manage {
                return Err(ApiError::MissingPermission(Permission::MessagesManage));
            }
            entry.write(
                c,
                serde_json::json!({"channel_id": channel, "author_id": author}),
            )?;
        }
        Ok(store::messages::delete(c, id)?)
    })
    .await?;
    super::attachments::sweep(state).await;
    state.hub.publish(
        Dispatch::MessageDelete(MessageDelete {
            id,
            channel_id: channel,
        }),
        Audience::Channel(channel),
    );
    Ok(())
}

/// Deletes a channel's messages in bulk (`messages:manage` in the channel): those by `author`
/// and/or posted at or after `since_ms` (at least one of the two), in one transaction with
/// one `message.purge` audit entry holding the count. Answers how many were deleted.
pub(crate) async fn purge(
    state: &AppState,
    actor: Actor,
    channel: Id,
    author: Option<Id>,
    since_ms: Option<i64>,
    reason: Option<String>,
) -> Result<u64, ApiError> {
    actor.require_in(state, channel, Permission::MessagesManage)?;
    super::readable::require_text_channel(state, channel)?;
    if author.is_none() && since_ms.is_none() {
        return Err(ApiError::InvalidBody(
            "name a user, a start time or both: a purge never empties a whole channel".into(),
        ));
    }
    let reason = super::audit::clean_reason(reason)?;
    let entry = super::audit::Entry::new(state, actor, "message.purge")
        .target("channel", channel)
        .reason(reason);
    // A time in the future matches nothing (and would overflow an id's time bits).
    let since = since_ms.map(|ms| match u64::try_from(ms) {
        Ok(ms) if ms <= now_ms() as u64 => Id::from_unix_millis(ms),
        Ok(_) => Id(u64::MAX),
        Err(_) => Id(0),
    });
    let ids = super::write(state, move |c| {
        let ids = store::messages::purge(c, channel, author, since)?;
        entry.write(
            c,
            serde_json::json!({
                "count": ids.len(),
                "author_id": author,
                "since": since_ms.map(rfc3339),
            }),
        )?;
        Ok(ids)
    })
    .await?;
    super::attachments::sweep(state).await;
    for id in &ids {
        state.hub.publish(
            Dispatch::MessageDelete(MessageDelete {
                id: *id,
                channel_id: channel,
            }),
            Audience::Channel(channel),
        );
    }
    Ok(ids.len() as u64)
}

/// Adds (`add = true`) or removes the caller's reaction.
pub(crate) async fn react(
    state: &AppState,
    user: Id,
    channel: Id,
    id: Id,
    emoji: String,
    add: bool,
) -> Result<(), ApiError> {
    if add {
        state
            .access
            .require_in(user, channel, Permission::ReactionsAdd)?;
    } else {
        state
            .access
            .require_in(user, channel, Permission::ChannelsView)?;
    }
    let emoji = super::emojis::reaction_key(state, &emoji, add).await?;
    state.rates.reaction(user)?;
    let e = emoji.clone();
    let now = now_ms();
    let changed = super::write(state, move |c| {
        match store::messages::owner_of(c, id)? {
            Some((ch, _)) if ch == channel => {}
            _ => return Err(ApiError::NotFound("message")),
        }
        if add {
            let distinct: i64 = c.query_row(
                "SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = ?1",
                [id.0 as i64],
                |r| r.get(0),
            )?;
            if distinct >= 20 {
                return Err(ApiError::Conflict(
                    "a message holds at most 20 different reactions".into(),
                ));
            }
            Ok(store::messages::add_reaction(c, id, &e, user, now)?)
        } else {
            Ok(store::messages::remove_reaction(c, id, &e, user)?)
        }
    })
    .await?;
    if changed {
        let ev = ReactionEvent {
            channel_id: channel,
            message_id: id,
            user_id: user,
            emoji,
        };
        let ev = if add {
            Dispatch::ReactionAdd(ev)
        } else {
            Dispatch::ReactionRemove(ev)
        };
        state.hub.publish(ev, Audience::Channel(channel));
    }
    Ok(())
}

/// Tells the channel the caller is typing.
pub(crate) fn typing(state: &AppState, user: Id, channel: Id) -> Result<(), ApiError> {
    state
        .access
        .require_in(user, channel, Permission::MessagesSend)?;
    super::readable::require_text_channel(state, channel)?;
    state.rates.typing(user)?;
    let ev = TypingStart {
        channel_id: channel,
        user_id: user,
        timestamp: rfc3339(now_ms()),
    };
    state.hub.publish(
        Dispatch::TypingStart(ev.clone()),
        Audience::Channel(channel),
    );
    Ok(())
}

/// Records that the caller has read up to `message`.
pub(crate) async fn ack(
    state: &AppState,
    user: Id,
    channel: Id,
    message: Id,
) -> Result<(), ApiError> {
    state
        .access
        .require_in(user, channel, Permission::ChannelsView)?;
    super::readable::require_text_channel(state, channel)?;
    super::write(state, move |c| {
        match store::messages::owner_of(c, message)? {
            Some((ch, _)) if ch == channel => {}
            _ => return Err(ApiError::NotFound("message")),
        }
        Ok(store::messages::ack(c, user, channel, message)?)
    })
    .await?;
    Ok(())
}
