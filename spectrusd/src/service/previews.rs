//! Link previews of messages: after a post or an edit the first bare link is queued
//! ([`schedule`]); the worker ([`spawn`]) previews it in the background — the post's answer
//! and its `MESSAGE_CREATE` never wait — stores the embed on the message and dispatches
//! `MESSAGE_UPDATE` to the channel; the author's suppression; the signed image proxy.

use std::sync::Arc;

use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::Message;
use tokio::sync::{Semaphore, mpsc};

use crate::bus::Audience;
use crate::error::ApiError;
use crate::previews::{Job, fetch::Fetched, links};
use crate::state::{AppState, SharedState};
use crate::store;

/// Pages fetched at once at most.
const CONCURRENT: usize = 8;

/// Queues a preview of `msg`'s first link, when previews are on, the author has not
/// suppressed them and the message does not already show that link's preview.
pub(crate) fn schedule(state: &AppState, msg: &Message) {
    if !state.config().previews.enabled || msg.suppress_embeds {
        return;
    }
    let Some(url) = links::first_link(&msg.content) else {
        return;
    };
    if msg.embeds.first().is_some_and(|e| e.url == url.as_str()) {
        return;
    }
    state.previews.enqueue(Job {
        channel: msg.channel_id,
        message: msg.id,
        url,
    });
}

/// Starts the worker draining the preview queue.
pub(crate) fn spawn(state: SharedState, mut jobs: mpsc::Receiver<Job>) {
    let permits = Arc::new(Semaphore::new(CONCURRENT));
    tokio::spawn(async move {
        while let Some(job) = jobs.recv().await {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = attach(&state, job).await {
                    tracing::debug!(error = %e, "link preview not attached");
                }
                drop(permit);
            });
        }
    });
}

/// Previews the job's link and, when the message still has it as its first link, stores
/// the embed and tells the channel.
async fn attach(state: &AppState, job: Job) -> Result<(), ApiError> {
    let Some(embed) = state.previews.preview(&job.url).await else {
        return Ok(());
    };
    let url = job.url.clone();
    let id = job.message;
    let updated = super::write(state, move |c| {
        let Some((_, author)) = store::messages::owner_of(c, id)? else {
            return Ok(None);
        };
        let Some(msg) = store::messages::get(c, id, author)? else {
            return Ok(None);
        };
        if links::first_link(&msg.content).as_ref() != Some(&url)
            || !store::messages::set_embeds(c, id, std::slice::from_ref(&embed))?
        {
            return Ok(None);
        }
        Ok(store::messages::get(c, id, author)?)
    })
    .await?;
    if let Some(mut msg) = updated {
        super::signed_urls::sign(state, &mut msg);
        state
            .hub
            .publish(Dispatch::MessageUpdate(msg), Audience::Channel(job.channel));
    }
    Ok(())
}

/// Removes (or, with `false`, allows again) a message's link previews: its author only.
pub(crate) async fn suppress(
    state: &AppState,
    user: Id,
    channel: Id,
    id: Id,
    suppress: bool,
) -> Result<(), ApiError> {
    super::write(state, move |c| {
        match store::messages::owner_of(c, id)? {
            Some((ch, author)) if ch == channel => {
                if author != user {
                    return Err(ApiError::Forbidden(
                        "only the author can remove a message's embeds".into(),
                    ));
                }
            }
            _ => return Err(ApiError::NotFound("message")),
        }
        Ok(store::messages::set_suppressed(c, id, suppress)?)
    })
    .await
}

/// Whether an edit to `content` leaves the message's preview out of date (its first link
/// is no longer the one previewed).
pub(crate) fn outdated(msg: &Message, content: &str) -> bool {
    msg.embeds
        .first()
        .is_some_and(|e| links::first_link(content).is_none_or(|u| u.as_str() != e.url))
}

/// A proxied preview image: only URLs this server signed, fetched under the same rules.
pub(crate) async fn image(state: &AppState, url: &str, sig: &str) -> Result<Fetched, ApiError> {
    if !state.previews.verify(url, sig) {
        return Err(ApiError::NotFound("image"));
    }
    state.previews.image(url).await.map_err(|e| {
        tracing::debug!(url, error = %e, "preview image not proxied");
        ApiError::NotFound("image")
    })
}
