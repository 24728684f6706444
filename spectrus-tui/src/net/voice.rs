//! Voice: the gateway side (`voice_join`, `voice_leave`, `voice_state`, and the server's
//! `voice_offer` / `voice_candidate` / `voice_error`) and the seam where an audio engine
//! plugs in, [`VoiceBackend`].
//!
//! One task owns the backend and takes [`VoiceCommand`]s from the runner (join, leave,
//! mute) and from the gateway tasks (signalling from the server), in order. The reducer never
//! sees the engine: it gets [`VoiceEvent`]s as [`Action::Voice`], whoever sends them.

use spectrus_client::gateway::GatewayHandle;
use spectrus_proto::Id;
use spectrus_proto::gateway::{
    ClientFrame, Empty, IceCandidate, Sdp, VoiceError, VoiceJoin, VoiceSelfState, op,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::action::{Action, VoiceEvent};
use crate::state::ServerKey;

/// A signalling message from the server, for the engine.
#[derive(Debug, Clone)]
pub enum VoiceSignal {
    /// `voice_offer`: the server's SDP offer; answer with [`ClientFrame::VoiceAnswer`].
    Offer(Sdp),
    /// `voice_candidate`: a trickled ICE candidate of the server.
    Candidate(IceCandidate),
    /// `voice_error`: the server refused or ended voice. The user has already been told.
    Error(VoiceError),
}

/// What an engine is handed when voice starts: the server and channel, a way to send
/// gateway frames (`voice_answer`, `voice_candidate`) and a way to report to the UI.
/// Cheap to clone; move clones into the engine's threads.
#[derive(Clone)]
pub struct VoiceLink {
    server: ServerKey,
    channel: Id,
    gateway: GatewayHandle,
    actions: UnboundedSender<Action>,
}

impl VoiceLink {
    /// A link for `channel` on `server`.
    pub fn new(
        server: ServerKey,
        channel: Id,
        gateway: GatewayHandle,
        actions: UnboundedSender<Action>,
    ) -> VoiceLink {
        VoiceLink {
            server,
            channel,
            gateway,
            actions,
        }
    }

    /// The server voice runs on.
    pub fn server(&self) -> ServerKey {
        self.server
    }

    /// The voice channel.
    pub fn channel(&self) -> Id {
        self.channel
    }

    /// Sends a gateway frame (never blocks; dropped if the connection is gone).
    pub fn send(&self, frame: ClientFrame) {
        self.gateway.send(frame);
    }

    /// Reports to the UI: [`VoiceEvent::Joined`] once media flows, [`VoiceEvent::Level`] for
    /// the microphone meter (a few times a second at most), [`VoiceEvent::Left`],
    /// [`VoiceEvent::Error`]. Never blocks; safe from audio threads.
    pub fn report(&self, event: VoiceEvent) {
        if self.actions.send(Action::Voice(event)).is_err() {
            tracing::debug!("event loop gone; dropping a voice event");
        }
    }
}

/// An audio engine, as the runner drives it. Every method is called from one task, in
/// order, and must return quickly (hand work to the engine's own threads): the gateway
/// frames `voice_join` / `voice_leave` / `voice_state` are already sent by the runner.
pub trait VoiceBackend: Send + 'static {
    /// Voice starts in `link.channel()`: get ready for the server's offer. Starting while
    /// started means the old session is over (the runner calls [`VoiceBackend::stop`] first).
    fn start(&mut self, link: VoiceLink, self_mute: bool, self_deaf: bool);
    /// A signalling message from the server for the running session.
    fn signal(&mut self, signal: VoiceSignal);
    /// The user muted or deafened (or undid it).
    fn set_self_state(&mut self, self_mute: bool, self_deaf: bool);
    /// Playback volume of one participant in percent (100 = as sent, 0 = silent), kept for
    /// later sessions too. Backends without playback ignore it.
    fn set_user_volume(&mut self, _user: Id, _percent: u16) {}
    /// Voice ends: stop capture and playback, close the peer connection.
    fn stop(&mut self);
}

/// The backend of a build without an audio engine: joins the channel as far as the gateway
/// goes and says plainly that there is no audio when the server offers media.
#[derive(Default)]
pub struct NoAudio {
    link: Option<VoiceLink>,
}

/// What [`NoAudio`] says when the server offers media.
pub const NO_AUDIO: &str = "this build has no audio engine (spectrus-voice is not plugged in)";

impl VoiceBackend for NoAudio {
    fn start(&mut self, link: VoiceLink, _self_mute: bool, _self_deaf: bool) {
        self.link = Some(link);
    }

    fn signal(&mut self, signal: VoiceSignal) {
        if let (VoiceSignal::Offer(_), Some(link)) = (signal, self.link.take()) {
            link.report(VoiceEvent::Error(NO_AUDIO.into()));
            link.send(ClientFrame::VoiceLeave(Empty {}));
        }
    }

    fn set_self_state(&mut self, _self_mute: bool, _self_deaf: bool) {}

    fn stop(&mut self) {
        self.link = None;
    }
}

/// What the voice task is asked to do.
pub enum VoiceCommand {
    /// Join `link.channel()` (leaving any other voice first).
    Join {
        /// Where.
        link: VoiceLink,
        /// Join muted.
        self_mute: bool,
        /// Join deafened.
        self_deaf: bool,
    },
    /// Leave voice on `server`.
    Leave {
        /// Which server.
        server: ServerKey,
    },
    /// Mute / deafen.
    SetState {
        /// Which server.
        server: ServerKey,
        /// Muted.
        self_mute: bool,
        /// Deafened.
        self_deaf: bool,
    },
    /// Playback volume of one participant, in percent.
    SetVolume {
        /// Who.
        user: Id,
        /// 0 to [`crate::commands::MAX_VOLUME`].
        percent: u16,
    },
    /// A voice frame from a server's gateway.
    Signal {
        /// Which server.
        server: ServerKey,
        /// `voice_offer`, `voice_candidate` or `voice_error`.
        op: String,
        /// Its payload.
        d: serde_json::Value,
    },
    /// A server's session ended (logout, token refused): voice there is over.
    SessionEnded {
        /// Which server.
        server: ServerKey,
    },
}

/// The sending side of the voice task.
pub type VoiceControl = UnboundedSender<VoiceCommand>;

/// Starts the voice task on the current tokio runtime; it ends when every sender is gone.
pub fn spawn(backend: Box<dyn VoiceBackend>) -> VoiceControl {
    let (tx, rx) = unbounded_channel();
    tokio::spawn(run(backend, rx));
    tx
}

struct Active {
    link: VoiceLink,
    /// The server refused (`voice_error`): nothing to leave.
    refused: bool,
}

async fn run(mut backend: Box<dyn VoiceBackend>, mut rx: UnboundedReceiver<VoiceCommand>) {
    let mut active: Option<Active> = None;
    while let Some(cmd) = rx.recv().await {
        match cmd {
            VoiceCommand::Join {
                link,
                self_mute,
                self_deaf,
            } => {
                if let Some(old) = active.take() {
                    end(&mut *backend, old);
                }
                link.send(ClientFrame::VoiceJoin(VoiceJoin {
                    channel_id: link.channel(),
                    self_mute,
                    self_deaf,
                }));
                backend.start(link.clone(), self_mute, self_deaf);
                active = Some(Active {
                    link,
                    refused: false,
                });
            }
            VoiceCommand::Leave { server } => {
                if let Some(old) = take_if(&mut active, server) {
                    end(&mut *backend, old);
                }
            }
            VoiceCommand::SessionEnded { server } => {
                if take_if(&mut active, server).is_some() {
                    backend.stop();
                }
            }
            VoiceCommand::SetState {
                server,
                self_mute,
                self_deaf,
            } => {
                if let Some(a) = active.as_ref().filter(|a| a.link.server() == server) {
                    a.link.send(ClientFrame::VoiceState(VoiceSelfState {
                        self_mute,
                        self_deaf,
                    }));
                    backend.set_self_state(self_mute, self_deaf);
                }
            }
            VoiceCommand::SetVolume { user, percent } => backend.set_user_volume(user, percent),
            VoiceCommand::Signal { server, op, d } => {
                let Some(a) = active.as_mut().filter(|a| a.link.server() == server) else {
                    tracing::debug!(%op, "voice frame with no voice session; ignored");
                    continue;
                };
                match decode(&op, d) {
                    Some(VoiceSignal::Error(e)) => {
                        if !a.refused {
                            a.link.report(VoiceEvent::Error(e.message.clone()));
                        }
                        a.refused = true;
                        backend.signal(VoiceSignal::Error(e));
                    }
                    Some(s) => backend.signal(s),
                    None => tracing::warn!(%op, "undecodable voice frame"),
                }
            }
        }
    }
    if active.is_some() {
        backend.stop();
    }
}

fn take_if(active: &mut Option<Active>, server: ServerKey) -> Option<Active> {
    if active.as_ref().is_some_and(|a| a.link.server() == server) {
        active.take()
    } else {
        None
    }
}

fn end(backend: &mut dyn VoiceBackend, old: Active) {
    backend.stop();
    if !old.refused {
        old.link.send(ClientFrame::VoiceLeave(Empty {}));
    }
}

fn decode(op_name: &str, d: serde_json::Value) -> Option<VoiceSignal> {
    match op_name {
        op::VOICE_OFFER => serde_json::from_value(d).ok().map(VoiceSignal::Offer),
        op::VOICE_CANDIDATE => serde_json::from_value(d).ok().map(VoiceSignal::Candidate),
        op::VOICE_ERROR => serde_json::from_value(d).ok().map(VoiceSignal::Error),
        _ => None,
    }
}
