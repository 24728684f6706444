//! The gateway's voice ops (`voice_join`, `voice_answer`, `voice_candidate`, `voice_state`,
//! `voice_leave`). A refusal becomes a `voice_error {code, message}` frame; the socket stays
//! open.

use std::sync::Arc;

use spectrus_proto::Id;
use spectrus_proto::gateway::{ClientFrame, IceCandidate, VoiceJoin, VoiceSelfState};
use spectrus_proto::model::ChannelType;
use spectrus_proto::permissions::Permission;
use spectrus_sfu::{JoinOptions, SfuError};

use crate::bus::slot::Slot;
use crate::state::AppState;
use crate::store;
use crate::voice::registry::Participant;
use crate::voice::{dispatch_left, dispatch_state, effective_mute};

/// A refused voice op: the `voice_error` payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VoiceFail {
    pub code: &'static str,
    pub message: String,
}

fn fail(code: &'static str, message: impl Into<String>) -> VoiceFail {
    VoiceFail {
        code,
        message: message.into(),
    }
}

fn sfu_fail(e: SfuError) -> VoiceFail {
    match e {
        SfuError::NoPendingOffer(_) => fail("no_pending_offer", "there is no offer to answer"),
        SfuError::BadInput(m) => fail("bad_request", m),
        SfuError::UnknownParticipant(_) => fail("not_in_voice", "you are not in voice"),
        other => {
            tracing::warn!(error = %other, "voice signalling failed");
            fail("internal", "voice signalling failed")
        }
    }
}

/// Handles one voice op from gateway session `slot`.
pub(crate) async fn handle(
    state: &AppState,
    slot: &Arc<Slot>,
    frame: ClientFrame,
) -> Result<(), VoiceFail> {
    if !state.voice.enabled() {
        return Err(fail(
            "voice_unavailable",
            "voice is not available on this server",
        ));
    }
    // Joins and state changes are limited; leaving never is, and answers and candidates
    // follow from the server's own offers (the gateway's frame limit bounds them).
    if matches!(
        frame,
        ClientFrame::VoiceJoin(_) | ClientFrame::VoiceState(_)
    ) && let Err(e) = state.rates.voice(slot.user)
    {
        state.telemetry.rate_limited("voice");
        return Err(fail("rate_limited", e.to_string()));
    }
    match frame {
        ClientFrame::VoiceJoin(j) => join(state, slot, j).await,
        ClientFrame::VoiceAnswer(a) => {
            let pid = own_pid(state, slot)?;
            if let Some(p) = state.voice.registry().by_pid_mut(pid) {
                p.pending_offer = None;
            }
            sfu(state)?.answer(pid, a.sdp).await.map_err(sfu_fail)
        }
        ClientFrame::VoiceCandidate(IceCandidate { candidate, .. }) => {
            let pid = own_pid(state, slot)?;
            sfu(state)?
                .candidate(pid, candidate)
                .await
                .map_err(sfu_fail)
        }
        ClientFrame::VoiceState(s) => self_state(state, slot, s).await,
        ClientFrame::VoiceLeave(_) => {
            own_pid(state, slot)?;
            state.voice.leave_user(&state.hub, slot.user).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn sfu(state: &AppState) -> Result<&spectrus_sfu::Sfu, VoiceFail> {
    state
        .voice
        .sfu()
        .ok_or_else(|| fail("voice_unavailable", "voice is not available on this server"))
}

/// The participant id of the voice session joined through this gateway session.
fn own_pid(state: &AppState, slot: &Slot) -> Result<u64, VoiceFail> {
    state
        .voice
        .registry()
        .by_user(slot.user)
        .filter(|p| p.slot.id == slot.id)
        .map(|p| p.pid)
        .ok_or_else(|| fail("not_in_voice", "this session is not in a voice channel"))
}

async fn join(state: &AppState, slot: &Arc<Slot>, j: VoiceJoin) -> Result<(), VoiceFail> {
    let user = slot.user;
    let channel = j.channel_id;
    let perms = state
        .access
        .channel_permissions(user, channel)
        .filter(|p| p.contains(Permission::ChannelsView))
        .ok_or_else(|| fail("not_found", "unknown channel"))?;
    if state.access.channel_kind(channel) != Some(ChannelType::Voice) {
        return Err(fail("not_voice_channel", "that is not a voice channel"));
    }
    if !perms.contains(Permission::VoiceConnect) {
        return Err(fail(
            "missing_permission",
            "you need the voice:connect permission",
        ));
    }
    let ch = state
        .store
        .read(move |c| store::channels::get(c, channel))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot read channel");
            fail("internal", "cannot read the channel")
        })?
        .ok_or_else(|| fail("not_found", "unknown channel"))?;
    let sfu = sfu(state)?.clone();
    let (pid, old, participant) = {
        let mut reg = state.voice.registry();
        if let Some(limit) = ch.user_limit.filter(|l| *l > 0)
            && reg.count_in(channel, user) >= limit as usize
            && !perms.contains(Permission::VoiceMoveMembers)
        {
            return Err(fail("channel_full", "the voice channel is full"));
        }
        let pid = reg.next_pid();
        let p = Participant {
            pid,
            user,
            channel,
            slot: slot.clone(),
            self_mute: j.self_mute,
            self_deaf: j.self_deaf,
            mute: effective_mute(&state.access, &reg, user, channel),
            deaf: reg.moderation(user).deaf,
            pending_offer: None,
            speaking: false,
        };
        let old = reg.insert(p.clone());
        (pid, old, p)
    };
    if let Some(old) = &old {
        sfu.leave(old.pid).await;
        if old.channel != channel {
            dispatch_left(&state.hub, old);
        }
    }
    let opts = JoinOptions {
        bitrate: ch.bitrate.filter(|b| *b > 0),
        server_mute: participant.mute,
        server_deaf: participant.deaf,
        self_mute: participant.self_mute,
        self_deaf: participant.self_deaf,
        label: Some(user.0),
    };
    if let Err(e) = sfu.join(channel.0, pid, opts).await {
        state.voice.registry().remove_pid(pid);
        return Err(sfu_fail(e));
    }
    tracing::debug!(%user, %channel, pid, "joined voice");
    dispatch_state(&state.hub, &participant);
    state
        .voice
        .send_speakers(&state.hub, &state.access, user, Some(channel));
    Ok(())
}

async fn self_state(state: &AppState, slot: &Slot, s: VoiceSelfState) -> Result<(), VoiceFail> {
    let p = {
        let mut reg = state.voice.registry();
        let p = reg
            .by_user_mut(slot.user)
            .filter(|p| p.slot.id == slot.id)
            .ok_or_else(|| fail("not_in_voice", "this session is not in a voice channel"))?;
        if p.self_mute == s.self_mute && p.self_deaf == s.self_deaf {
            return Ok(());
        }
        p.self_mute = s.self_mute;
        p.self_deaf = s.self_deaf;
        p.clone()
    };
    apply(state, &p).await;
    dispatch_state(&state.hub, &p);
    Ok(())
}

/// Tells the SFU the participant's flags.
pub(crate) async fn apply(state: &AppState, p: &Participant) {
    if let Some(sfu) = state.voice.sfu()
        && let Err(e) = sfu
            .set_state(p.pid, p.mute, p.deaf, p.self_mute, p.self_deaf)
            .await
    {
        tracing::debug!(pid = p.pid, error = %e, "cannot apply voice state");
    }
}

/// Re-evaluates `user`'s server mute from permissions and moderation; dispatches on change.
/// Members who can no longer see their channel (or left the server) leave voice.
pub(crate) async fn refresh(state: &AppState, user: Id) {
    enum Action {
        Leave,
        Update(Participant),
    }
    let action = {
        let mut reg = state.voice.registry();
        let Some(p) = reg.by_user(user) else { return };
        let channel = p.channel;
        let gone = !state.access.can_view(user, channel)
            || state.access.channel_kind(channel) != Some(ChannelType::Voice);
        if gone {
            Action::Leave
        } else {
            let mute = effective_mute(&state.access, &reg, user, channel);
            let deaf = reg.moderation(user).deaf;
            let Some(p) = reg.by_user_mut(user) else {
                return;
            };
            if p.mute == mute && p.deaf == deaf {
                return;
            }
            p.mute = mute;
            p.deaf = deaf;
            Action::Update(p.clone())
        }
    };
    match action {
        Action::Leave => state.voice.leave_user(&state.hub, user).await,
        Action::Update(p) => {
            apply(state, &p).await;
            dispatch_state(&state.hub, &p);
        }
    }
}
