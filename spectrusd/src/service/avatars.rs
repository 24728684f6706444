//! Avatars and the server icon: an uploaded image becomes a 256 px square PNG stored under
//! `<data_dir>/files/images/<sha256>.png` and served at `/api/v1/images/<sha256>.png`
//! ([`crate::domain::image_urls`]; custom emoji are stored the same way, an animated one as
//! `<sha256>.gif` beside its still first frame, `<sha256>.still.png`). Avatars are members'
//! to set; the icon needs `server:manage` and goes through `PATCH /server`'s rules and audit.

use std::path::{Path, PathBuf};

use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Presence, ServerInfo};
use spectrus_proto::rest::PatchServer;

use super::Actor;
use crate::bus::Audience;
use crate::domain::image_urls::{self, ImageKind, url_of};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use crate::store::files::Blobs;

/// Pixels on a side of a stored avatar or icon.
pub(crate) const SIDE: u32 = 256;

/// Resizes `bytes` and stores the PNG (off the async runtime); answers its hash.
async fn store_image(state: &AppState, bytes: Vec<u8>) -> Result<String, ApiError> {
    store_png(state, bytes, "image", |b, max| {
        super::images::square_png(b, SIDE, max)
    })
    .await
}

/// Turns `bytes` into a PNG with `make` (given the largest accepted side) and stores it
/// under the images (off the async runtime); answers its hash. A refusal names `field`.
pub(crate) async fn store_png(
    state: &AppState,
    bytes: Vec<u8>,
    field: &'static str,
    make: fn(&[u8], u32) -> Result<Vec<u8>, String>,
) -> Result<String, ApiError> {
    let (sha, _) = store_made(state, bytes, field, move |b, max| {
        make(b, max).map(|png| (png, ImageKind::Png))
    })
    .await?;
    Ok(sha)
}

/// As [`store_png`], for a `make` that also says what it made (an emoji may become a GIF);
/// answers the hash and the kind.
pub(crate) async fn store_made(
    state: &AppState,
    bytes: Vec<u8>,
    field: &'static str,
    make: impl FnOnce(&[u8], u32) -> Result<(Vec<u8>, ImageKind), String> + Send + 'static,
) -> Result<(String, ImageKind), ApiError> {
    let max_side = state.config().uploads.max_image_side;
    let blobs = state.blobs.clone();
    tokio::task::spawn_blocking(move || -> Result<(String, ImageKind), ApiError> {
        let (made, kind) = make(&bytes, max_side).map_err(|e| ApiError::field(field, e))?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&made));
        write_image(&blobs, &blobs.image_path_of(&sha, kind), &made)?;
        if kind == ImageKind::Gif {
            write_still(&blobs, &sha, &made)?;
        }
        Ok((sha, kind))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("image processing failed: {e}")))?
}

/// Stores `bytes` at `path` under the images unless it is there: written whole to a
/// temporary file, then renamed into place. Blocking.
fn write_image(blobs: &Blobs, path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let io = |e: std::io::Error| ApiError::Internal(format!("cannot store the image: {e}"));
    if !path.exists() {
        let tmp = blobs.temp_path().map_err(io)?;
        let tp = tmp.path().map(|p| p.to_owned()).unwrap_or_default();
        std::fs::write(&tp, bytes).map_err(io)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::rename(&tp, path).map_err(io)?;
    }
    Ok(())
}

/// Stores the still of the animated emoji `gif` (hash `sha`): its first frame. Blocking.
fn write_still(blobs: &Blobs, sha: &str, gif: &[u8]) -> Result<(), ApiError> {
    let still = super::images::still_png(gif)
        .map_err(|e| ApiError::Internal(format!("cannot make the still image: {e}")))?;
    write_image(blobs, &blobs.image_path_of(sha, ImageKind::Still), &still)
}

/// Sets (`Some(bytes)`) or removes the caller's avatar; tells everyone (`MEMBER_UPDATE`).
/// Answers the new avatar URL.
pub(crate) async fn set_avatar(
    state: &AppState,
    user: Id,
    bytes: Option<Vec<u8>>,
) -> Result<Option<String>, ApiError> {
    let sha = match bytes {
        Some(b) => {
            state.rates.upload(user)?;
            Some(store_image(state, b).await?)
        }
        None => None,
    };
    let new = sha.clone();
    let blobs = state.blobs.clone();
    super::write(state, move |c| {
        let old = store::users::set_avatar(c, user, new.as_deref())?;
        if let Some(old) = old
            && Some(&old) != new.as_ref()
            && !store::users::avatar_in_use(c, &old)?
            && !is_icon(c, &old)?
        {
            let _ = std::fs::remove_file(blobs.image_path(&old));
        }
        Ok(())
    })
    .await?;
    if let Some(m) = state
        .store
        .read(move |c| store::members::get(c, user))
        .await?
    {
        let presence = if state.hub.user_online(user) {
            Presence::Online
        } else {
            Presence::Offline
        };
        state
            .hub
            .publish(Dispatch::MemberUpdate(m.to_member(presence)), Audience::All);
    }
    Ok(sha.as_deref().map(url_of))
}

fn is_icon(c: &rusqlite::Connection, sha: &str) -> Result<bool, ApiError> {
    Ok(store::settings::get(c, "icon_url")?.is_some_and(|u| u == url_of(sha)))
}

/// Sets the server icon from an uploaded image (`server:manage`), through `PATCH /server`.
pub(crate) async fn set_icon(
    state: &AppState,
    actor: Actor,
    bytes: Vec<u8>,
) -> Result<ServerInfo, ApiError> {
    actor.require(state, spectrus_proto::Permission::ServerManage)?;
    if let Some(u) = actor.user_id() {
        state.rates.upload(u)?;
    }
    let sha = store_image(state, bytes).await?;
    super::server::patch(
        state,
        actor,
        PatchServer {
            icon_url: Some(Some(url_of(&sha))),
            ..Default::default()
        },
    )
    .await
}

/// The path and kind of a stored image, if `name` is `<sha256>.png` (or `.gif`, or
/// `.still.png`) and it exists. The still of an animated emoji stored before stills were
/// made is made now, from its GIF.
pub(crate) async fn image_file(
    state: &AppState,
    name: &str,
) -> Result<(PathBuf, ImageKind), ApiError> {
    let (sha, kind) = image_urls::parse_name(name).ok_or(ApiError::NotFound("image"))?;
    let p = state.blobs.image_path_of(sha, kind);
    if p.exists() {
        return Ok((p, kind));
    }
    let gif = state.blobs.image_path_of(sha, ImageKind::Gif);
    if kind != ImageKind::Still || !gif.exists() {
        return Err(ApiError::NotFound("image"));
    }
    let (blobs, sha) = (state.blobs.clone(), sha.to_owned());
    tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&gif)
            .map_err(|e| ApiError::Internal(format!("cannot read the image: {e}")))?;
        write_still(&blobs, &sha, &bytes)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("image processing failed: {e}")))??;
    Ok((p, kind))
}
