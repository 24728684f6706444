//! Gateway sessions as use cases: `identify` (authenticate, register on the bus, build
//! `ready`), `resume`, the end of a connection (presence, voice), and the connection's voice
//! ops. The gateway's connection protocol calls these and nothing below `service`.

use std::sync::Arc;
use std::time::Duration;

use spectrus_proto::gateway::{ClientFrame, Ready};
use spectrus_proto::model::Presence;

use super::accounts::publish_presence;
use super::auth::authenticate;
use super::voice::signalling::{self, VoiceFail};
use crate::bus::hub::ResumeOutcome;
use crate::bus::out::Out;
use crate::bus::slot::Slot;
use crate::domain::tokens::random_token;
use crate::error::ApiError;
use crate::state::{AppState, SharedState};

/// Why a session could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The token was refused (the connection closes with 4004).
    Unauthenticated,
    /// Something failed on the server's side (4000).
    Internal(ApiError),
}

/// `identify`: authenticates `token`, registers a session attached to `out` and answers it
/// with its `ready`. Events published meanwhile wait behind `ready` (`out` holds them until
/// the caller releases it with the `ready` frame).
pub(crate) async fn identify(
    state: &AppState,
    token: &str,
    out: &Arc<Out>,
) -> Result<(Arc<Slot>, Ready), OpenError> {
    let caller = authenticate(state, token).map_err(|_| OpenError::Unauthenticated)?;
    let was_online = state.hub.user_online(caller.user_id);
    let session_id = random_token(16);
    out.hold();
    let slot = state.hub.register(
        session_id.clone(),
        caller.user_id,
        caller.family_id,
        out.clone(),
    );
    match super::ready::build(state, caller.user_id, session_id.clone()).await {
        Ok(ready) => {
            if !was_online {
                publish_presence(state, caller.user_id, Presence::Online);
            }
            // Who is talking right now follows `ready`, so a new client shows it at once.
            state
                .voice
                .send_speakers(&state.hub, &state.access, caller.user_id, None);
            Ok((slot, ready))
        }
        Err(e) => {
            state.hub.remove(&session_id);
            out.release(None);
            Err(OpenError::Internal(e))
        }
    }
}

/// `resume`: authenticates `token` and re-attaches session `session_id` to `out` from `seq`
/// (the missed frames and `resumed` are sent). `Ok(None)`: it cannot be resumed; the client
/// must identify again.
pub(crate) fn resume(
    state: &AppState,
    token: &str,
    session_id: &str,
    seq: u64,
    out: &Arc<Out>,
) -> Result<Option<Arc<Slot>>, OpenError> {
    let caller = authenticate(state, token).map_err(|_| OpenError::Unauthenticated)?;
    let was_online = state.hub.user_online(caller.user_id);
    match state
        .hub
        .resume(session_id, caller.user_id, seq, out.clone())
    {
        ResumeOutcome::Resumed(slot) => {
            state.voice.resumed(&state.hub, &slot.id);
            if !was_online {
                publish_presence(state, caller.user_id, Presence::Online);
            }
            Ok(Some(slot))
        }
        ResumeOutcome::Invalid => Ok(None),
    }
}

/// The connection of `slot` ended. A deliberate close (`client_closed`) ends its voice
/// session now; after an abrupt drop the member stays in voice for `voice.drop_grace_ms`
/// (a client that reconnects and resumes within it keeps talking) and then leaves. The
/// gateway session itself stays resumable for the whole resume window; the user goes
/// offline when it was their last attached session.
pub(crate) async fn disconnected(
    state: &SharedState,
    slot: &Arc<Slot>,
    out: &Arc<Out>,
    client_closed: bool,
) {
    if client_closed {
        state.voice.session_ended(&state.hub, &slot.id).await;
    }
    if state.hub.detach(slot, out) {
        publish_presence(state, slot.user, Presence::Offline);
    }
    if !client_closed && state.voice.registry().by_session(&slot.id).is_some() {
        leave_voice_unless_resumed(state.clone(), slot.clone());
    }
}

/// After the drop grace, takes `slot`'s member out of voice unless the session was resumed.
fn leave_voice_unless_resumed(state: SharedState, slot: Arc<Slot>) {
    let grace = Duration::from_millis(state.config().voice.drop_grace_ms);
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        if !slot.is_attached() {
            tracing::info!(
                user = %slot.user,
                grace_ms = grace.as_millis() as u64,
                "gateway dropped and not resumed: leaving voice"
            );
            state.voice.session_ended(&state.hub, &slot.id).await;
        }
    });
}

/// `watch_members` from the connection of `slot`: what it watches now, with presence.
pub(crate) async fn watch_members(
    state: &AppState,
    slot: &Arc<Slot>,
    req: spectrus_proto::gateway::WatchMembers,
) -> Result<spectrus_proto::gateway::MembersChunk, ApiError> {
    super::watch::watch(state, slot, req).await
}

/// A voice op from the connection of `slot`.
pub(crate) async fn voice_op(
    state: &AppState,
    slot: &Arc<Slot>,
    frame: ClientFrame,
) -> Result<(), VoiceFail> {
    signalling::handle(state, slot, frame).await
}
