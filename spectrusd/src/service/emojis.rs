//! Custom emoji: the server's list (any member reads it; it comes in `ready`), and upload,
//! rename and delete (`emoji:manage`, audited, announced to everyone as `EMOJIS_UPDATE`
//! with the whole list). Images go through the avatars' store: scaled to fit
//! [`SIDE`] pixels and kept as PNG, or, when animated (a GIF or WebP of two frames or more), as
//! an animated GIF beside a still PNG of its first frame (for reduced motion). Reactions name a custom emoji by its wire form
//! `<:name:id>` ([`reaction_key`]).

use spectrus_proto::gateway::{Dispatch, EmojisUpdate};
use spectrus_proto::model::Emoji;
use spectrus_proto::{Id, Permission};

use super::Actor;
use crate::bus::Audience;
use crate::domain::emoji;
use crate::domain::image_urls::{self, ImageKind};
use crate::domain::time::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::emojis::EmojiRow;

/// Pixels on the longer side of a stored emoji, at most.
pub(crate) const SIDE: u32 = 128;

/// Largest image accepted for an emoji, in bytes.
pub(crate) const MAX_BYTES: usize = 256 * 1024;

/// How many custom emoji a server holds.
pub(crate) const MAX_EMOJIS: u64 = 50;

/// How an emoji's image is stored.
fn kind_of(r: &EmojiRow) -> ImageKind {
    if r.animated {
        ImageKind::Gif
    } else {
        ImageKind::Png
    }
}

fn to_wire(r: EmojiRow) -> Emoji {
    Emoji {
        id: r.id,
        url: image_urls::url_of_kind(&r.sha256, kind_of(&r)),
        still_url: r
            .animated
            .then(|| image_urls::url_of_kind(&r.sha256, ImageKind::Still)),
        name: r.name,
        animated: r.animated,
        creator_id: r.creator_id,
        created_at: rfc3339(r.created_at),
    }
}

/// Every custom emoji, by name.
pub(crate) async fn list(state: &AppState) -> Result<Vec<Emoji>, ApiError> {
    let rows = state.store.read(store::emojis::list).await?;
    Ok(rows.into_iter().map(to_wire).collect())
}

/// Tells everyone the list now.
async fn announce(state: &AppState) -> Result<(), ApiError> {
    let emojis = list(state).await?;
    state.hub.publish(
        Dispatch::EmojisUpdate(EmojisUpdate { emojis }),
        Audience::All,
    );
    Ok(())
}

/// Refuses an actor without `emoji:manage` (before an upload is read).
pub(crate) fn require_manage(state: &AppState, actor: Actor) -> Result<(), ApiError> {
    actor.require(state, Permission::EmojiManage)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    emoji::name(name).map_err(|e| ApiError::field("name", e))
}

fn clash(name: &str) -> ApiError {
    ApiError::Conflict(format!("an emoji named :{name}: exists already"))
}

/// Adds an emoji named `name` from the image `bytes` (`emoji:manage`).
pub(crate) async fn create(
    state: &AppState,
    actor: Actor,
    name: String,
    bytes: Vec<u8>,
) -> Result<Emoji, ApiError> {
    actor.require(state, Permission::EmojiManage)?;
    check_name(&name)?;
    if bytes.is_empty() {
        return Err(ApiError::field("file", "send an image"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(ApiError::FileTooLarge(format!(
            "an emoji image may be at most {} KiB",
            MAX_BYTES / 1024
        )));
    }
    if let Some(u) = actor.user_id() {
        state.rates.upload(u)?;
    }
    // Refused early (before the image work); checked again in the write.
    let n = name.clone();
    let (taken, count) = state
        .store
        .read(move |c| {
            Ok((
                store::emojis::id_by_name(c, &n)?.is_some(),
                store::emojis::count(c)?,
            ))
        })
        .await?;
    if taken {
        return Err(clash(&name));
    }
    if count >= MAX_EMOJIS {
        return Err(full());
    }
    let (sha, kind) = super::avatars::store_made(state, bytes, "file", |b, max| {
        super::images::fit_emoji(b, SIDE, max)
    })
    .await?;
    let row = EmojiRow {
        id: state.ids.next(),
        name,
        sha256: sha,
        animated: kind == ImageKind::Gif,
        creator_id: actor.user_id(),
        created_at: now_ms(),
    };
    let entry = super::audit::Entry::new(state, actor, "emoji.create").target("emoji", row.id);
    let r = row.clone();
    super::write(state, move |c| {
        if store::emojis::id_by_name(c, &r.name)?.is_some() {
            return Err(clash(&r.name));
        }
        if store::emojis::count(c)? >= MAX_EMOJIS {
            return Err(full());
        }
        store::emojis::insert(c, &r)?;
        entry.write(c, serde_json::json!({ "name": r.name }))?;
        Ok(())
    })
    .await?;
    announce(state).await?;
    Ok(to_wire(row))
}

fn full() -> ApiError {
    ApiError::InvalidBody(format!(
        "a server holds at most {MAX_EMOJIS} custom emoji; delete one first"
    ))
}

/// Renames an emoji (`emoji:manage`); its reactions follow the new name.
pub(crate) async fn rename(
    state: &AppState,
    actor: Actor,
    id: Id,
    name: String,
) -> Result<Emoji, ApiError> {
    actor.require(state, Permission::EmojiManage)?;
    check_name(&name)?;
    let entry = super::audit::Entry::new(state, actor, "emoji.update").target("emoji", id);
    let row = super::write(state, move |c| {
        let Some(mut row) = store::emojis::get(c, id)? else {
            return Err(ApiError::NotFound("emoji"));
        };
        if row.name == name {
            return Ok((row, false));
        }
        if store::emojis::id_by_name(c, &name)?.is_some() {
            return Err(clash(&name));
        }
        store::emojis::rename(
            c,
            id,
            &name,
            &emoji::wire(&row.name, id),
            &emoji::wire(&name, id),
        )?;
        entry.write(c, serde_json::json!({ "name": [row.name, name] }))?;
        row.name = name;
        Ok((row, true))
    })
    .await?;
    if row.1 {
        announce(state).await?;
    }
    Ok(to_wire(row.0))
}

/// Deletes an emoji (`emoji:manage`). Messages and reactions that name it keep its wire
/// form (clients show `:name:`); its image goes when nothing else uses it.
pub(crate) async fn delete(state: &AppState, actor: Actor, id: Id) -> Result<(), ApiError> {
    actor.require(state, Permission::EmojiManage)?;
    let entry = super::audit::Entry::new(state, actor, "emoji.delete").target("emoji", id);
    let unused = super::write(state, move |c| {
        let Some(row) = store::emojis::get(c, id)? else {
            return Err(ApiError::NotFound("emoji"));
        };
        store::emojis::delete(c, id)?;
        entry.write(c, serde_json::json!({ "name": row.name }))?;
        let unused = !store::emojis::image_in_use(c, &row.sha256)?
            && !store::users::avatar_in_use(c, &row.sha256)?
            && store::settings::get(c, "icon_url")?
                .is_none_or(|u| u != image_urls::url_of(&row.sha256));
        Ok(unused.then(|| (row.sha256.clone(), kind_of(&row))))
    })
    .await?;
    // Once the deletion is committed: its image, when nothing else shows it.
    if let Some((sha, kind)) = unused {
        let _ = tokio::fs::remove_file(state.blobs.image_path_of(&sha, kind)).await;
        if kind == ImageKind::Gif {
            let still = state.blobs.image_path_of(&sha, ImageKind::Still);
            let _ = tokio::fs::remove_file(still).await;
        }
    }
    announce(state).await
}

/// The stored key of a reaction named `key`: a unicode emoji as given; a custom emoji
/// (`<:name:id>` or `name:id`) as `<:name:id>` with its current name. Adding a reaction
/// with an emoji the server does not have is refused; removing one keyed by a deleted
/// emoji works.
pub(crate) async fn reaction_key(
    state: &AppState,
    key: &str,
    add: bool,
) -> Result<String, ApiError> {
    let Some((name, id)) = emoji::parse_ref(key) else {
        crate::domain::validate::Checker::new()
            .field("emoji", crate::domain::validate::emoji(key))
            .finish()?;
        return Ok(key.to_owned());
    };
    match state.store.read(move |c| store::emojis::get(c, id)).await? {
        Some(row) => Ok(emoji::wire(&row.name, id)),
        None if !add => Ok(emoji::wire(name, id)),
        None => Err(ApiError::field(
            "emoji",
            format!("this server has no custom emoji with id {}", id.0),
        )),
    }
}
