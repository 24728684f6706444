//! The voice task: drains the SFU's events (it must be drained), ends voice sessions whose
//! gateway session ended, and re-applies permissions on request and every second (a timeout
//! that runs out, a role change, a channel that is deleted or hidden).

use std::sync::Arc;
use std::time::Duration;

use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, Sdp, Speaking, op};
use spectrus_sfu::SfuEvent;
use tokio::sync::mpsc;

use super::signalling;
use crate::bus::Audience;
use crate::state::SharedState;
use crate::voice::{VoiceEvents, dispatch_left};

/// How often every participant's permissions are re-checked.
const RECHECK: Duration = Duration::from_secs(1);

/// Starts the task (a no-op pair of receivers when voice is off).
pub(crate) fn spawn(state: SharedState, events: VoiceEvents) {
    // Taken even when voice is off: dropping the receiver keeps the hub from queueing ids.
    let ended = state.hub.take_ended_sessions();
    let Some(mut sfu_events) = events.take() else {
        return;
    };
    let mut ended = ended.unwrap_or_else(|| mpsc::unbounded_channel().1);
    let mut refresh = state
        .voice
        .take_refresh()
        .unwrap_or_else(|| mpsc::unbounded_channel().1);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RECHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                ev = sfu_events.recv() => match ev {
                    Some(ev) => on_sfu_event(&state, ev),
                    None => break,
                },
                Some(session) = ended.recv() => {
                    state.voice.session_ended(&state.hub, &session).await;
                }
                Some(user) = refresh.recv() => signalling::refresh(&state, user).await,
                _ = tick.tick() => {
                    let users: Vec<Id> =
                        state.voice.registry().participants().map(|p| p.user).collect();
                    for user in users {
                        signalling::refresh(&state, user).await;
                    }
                }
            }
        }
        tracing::info!("voice task stopped");
    });
}

fn on_sfu_event(state: &Arc<crate::state::AppState>, ev: SfuEvent) {
    match ev {
        SfuEvent::Offer { participant, sdp } => {
            let frame: Arc<str> =
                Arc::from(serde_json::json!({"op": op::VOICE_OFFER, "d": Sdp { sdp }}).to_string());
            let mut reg = state.voice.registry();
            if let Some(p) = reg.by_pid_mut(participant) {
                p.pending_offer = Some(frame.clone());
                state.hub.send_raw(&p.slot, frame);
            }
        }
        SfuEvent::Speaking {
            participant,
            room,
            speaking,
        } => {
            let user = state.voice.registry().by_pid_mut(participant).map(|p| {
                p.speaking = speaking;
                p.user
            });
            if let Some(user_id) = user {
                let channel_id = Id(room);
                state.hub.publish(
                    Dispatch::Speaking(Speaking {
                        user_id,
                        channel_id,
                        speaking,
                    }),
                    Audience::Channel(channel_id),
                );
            }
        }
        SfuEvent::Left {
            participant,
            reason,
        } => {
            // Leaves the daemon asked for were already taken out of the registry.
            let p = state.voice.registry().remove_pid(participant);
            if let Some(p) = p {
                tracing::info!(user = %p.user, ?reason, "voice participant dropped by the SFU");
                dispatch_left(&state.hub, &p);
            }
        }
    }
}
