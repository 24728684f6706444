//! [`EngineBackend`]: the real audio engine behind the [`VoiceBackend`] seam — capture and
//! playback ([`crate::audio`]) through a `spectrus-voice` [`VoiceEngine`], signalled over the
//! server's gateway.
//!
//! Each voice session is one tokio task that owns the engine; the backend's methods only
//! send it commands and return at once. The task opens the audio devices (on a blocking
//! thread), starts the engine, answers offers and trickles candidates through the
//! [`VoiceLink`], and reports to the UI: [`VoiceEvent::Joined`] when the peer connection is
//! up, [`VoiceEvent::Level`] for the microphone meter (at most ten times a second),
//! [`VoiceEvent::Error`] and [`VoiceEvent::Left`] when it cannot go on. Audio itself runs on
//! the engine's media task and the sound card's threads, never on the UI's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use spectrus_client::voice::route_signal;
use spectrus_proto::Id;
use spectrus_proto::gateway::{ClientFrame, Empty};
use spectrus_voice::{EngineConfig, EngineSignal, GateMode, VoiceEngine};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::voice::{VoiceBackend, VoiceLink, VoiceSignal};
use crate::action::VoiceEvent;
use crate::audio::{self, LevelMeter};
use crate::cli::AudioOptions;

/// How often the microphone level is reported (ten times a second).
pub const LEVEL_INTERVAL: Duration = Duration::from_millis(100);

/// `voice_error` codes after which the server has no voice session for us.
const FATAL_CODES: &[&str] = &[
    "voice_unavailable",
    "not_found",
    "not_voice_channel",
    "missing_permission",
    "channel_full",
];

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Devices or WAV files.
    pub audio: AudioOptions,
    /// VAD, push-to-talk or open (see [`crate::config::VoiceConfig::gate`]).
    pub gate: GateMode,
    /// Local addresses for the peer connection (`0.0.0.0:0`: every interface but loopback;
    /// a loopback server needs `127.0.0.1:0` too).
    pub udp_addrs: Vec<String>,
}

impl EngineOptions {
    /// Options with the default addresses: every interface, and loopback.
    pub fn new(audio: AudioOptions, gate: GateMode) -> EngineOptions {
        EngineOptions {
            audio,
            gate,
            udp_addrs: vec!["0.0.0.0:0".to_owned(), "127.0.0.1:0".to_owned()],
        }
    }
}

/// Per-user playback volume in percent (100 = unchanged), as a gain.
pub fn gain(percent: u16) -> f32 {
    f32::from(percent.min(crate::commands::MAX_VOLUME)) / 100.0
}

enum SessionCmd {
    Signal(VoiceSignal),
    State { mute: bool, deaf: bool },
    Volume { user: Id, percent: u16 },
}

/// The [`VoiceBackend`] over `spectrus-voice`; see the module comment.
pub struct EngineBackend {
    opts: Arc<EngineOptions>,
    /// Volumes set so far, applied to every new session too.
    volumes: Arc<Mutex<HashMap<Id, u16>>>,
    /// The running session's commands; dropping it ends the session.
    session: Option<UnboundedSender<SessionCmd>>,
}

impl EngineBackend {
    /// A backend that opens audio as `opts` says when voice starts.
    pub fn new(opts: EngineOptions) -> EngineBackend {
        EngineBackend {
            opts: Arc::new(opts),
            volumes: Arc::default(),
            session: None,
        }
    }

    fn send(&mut self, cmd: SessionCmd) {
        if let Some(tx) = &self.session
            && tx.send(cmd).is_err()
        {
            // The session ended by itself (an error it reported).
            self.session = None;
        }
    }
}

impl VoiceBackend for EngineBackend {
    fn start(&mut self, link: VoiceLink, self_mute: bool, self_deaf: bool) {
        self.stop();
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            link.report(VoiceEvent::Error("voice needs the async runtime".into()));
            return;
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let volumes = self
            .volumes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        rt.spawn(run(
            link,
            self.opts.clone(),
            volumes,
            (self_mute, self_deaf),
            rx,
        ));
        self.session = Some(tx);
    }

    fn signal(&mut self, signal: VoiceSignal) {
        self.send(SessionCmd::Signal(signal));
    }

    fn set_self_state(&mut self, self_mute: bool, self_deaf: bool) {
        self.send(SessionCmd::State {
            mute: self_mute,
            deaf: self_deaf,
        });
    }

    fn set_user_volume(&mut self, user: Id, percent: u16) {
        self.volumes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(user, percent);
        self.send(SessionCmd::Volume { user, percent });
    }

    fn stop(&mut self) {
        self.session = None;
    }
}

/// Tells the user and the server that this voice session cannot go on.
fn fail(link: &VoiceLink, message: String) {
    tracing::warn!("voice: {message}");
    link.report(VoiceEvent::Error(message));
    link.report(VoiceEvent::Left);
    link.send(ClientFrame::VoiceLeave(Empty {}));
}

/// One voice session, from opening the devices to stopping the engine.
async fn run(
    link: VoiceLink,
    opts: Arc<EngineOptions>,
    volumes: HashMap<Id, u16>,
    (mute, deaf): (bool, bool),
    mut rx: UnboundedReceiver<SessionCmd>,
) {
    let audio_opts = opts.audio.clone();
    let io = match tokio::task::spawn_blocking(move || audio::open(&audio_opts)).await {
        Ok(Ok(io)) => io,
        Ok(Err(e)) => return fail(&link, e.to_string()),
        Err(e) => return fail(&link, format!("audio setup failed: {e}")),
    };
    let config = EngineConfig {
        udp_addrs: opts.udp_addrs.clone(),
        gate: opts.gate.clone(),
        ..EngineConfig::default()
    };
    let (engine, signals) = match VoiceEngine::start(config, io.source, io.sink).await {
        Ok(started) => started,
        Err(e) => return fail(&link, format!("voice engine: {e}")),
    };
    engine.set_mute(mute);
    engine.set_deaf(deaf);
    for (user, percent) in volumes {
        engine.set_speaker_volume(user.0, gain(percent));
    }
    let (lost_tx, mut lost_rx) = mpsc::channel::<()>(1);
    let outbound = tokio::spawn(outbound(signals, link.clone(), lost_tx));
    let meter = tokio::spawn(report_levels(io.meter, link.clone()));
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(cmd) => {
                    if !apply(&engine, &link, cmd).await {
                        break;
                    }
                }
                None => break,
            },
            Some(()) = lost_rx.recv() => {
                fail(&link, "the voice connection failed".into());
                break;
            }
        }
    }
    outbound.abort();
    meter.abort();
    engine.stop().await;
    tracing::info!(channel = %link.channel(), "voice session ended");
}

/// Applies one command; `false` when the session is over.
async fn apply(engine: &VoiceEngine, link: &VoiceLink, cmd: SessionCmd) -> bool {
    match cmd {
        SessionCmd::Signal(VoiceSignal::Offer(sdp)) => {
            if let Err(e) = engine.handle_offer(sdp.sdp).await {
                tracing::warn!(error = %e, "cannot answer the voice offer");
                link.report(VoiceEvent::Error(format!(
                    "cannot answer the server's offer: {e}"
                )));
            }
        }
        SessionCmd::Signal(VoiceSignal::Candidate(c)) => {
            if let Err(e) = engine
                .add_candidate(c.candidate, c.sdp_mid, c.sdp_mline_index)
                .await
            {
                tracing::debug!(error = %e, "server candidate rejected");
            }
        }
        SessionCmd::Signal(VoiceSignal::Error(e)) => {
            // The runner has told the user already.
            if FATAL_CODES.contains(&e.code.as_str()) {
                return false;
            }
            tracing::info!(code = %e.code, "voice_error: {}", e.message);
        }
        SessionCmd::State { mute, deaf } => {
            engine.set_mute(mute);
            engine.set_deaf(deaf);
        }
        SessionCmd::Volume { user, percent } => {
            engine.set_speaker_volume(user.0, gain(percent));
        }
    }
    true
}

/// Engine → server: the answer and local candidates; `connected` → [`VoiceEvent::Joined`].
async fn outbound(
    mut signals: mpsc::Receiver<EngineSignal>,
    link: VoiceLink,
    lost: mpsc::Sender<()>,
) {
    while let Some(s) = signals.recv().await {
        match route_signal(s) {
            Ok(frame) => link.send(frame),
            Err(state) => {
                tracing::info!(%state, "voice connection");
                match state.as_str() {
                    "connected" => link.report(VoiceEvent::Joined {
                        server: link.server(),
                        channel: link.channel(),
                    }),
                    "failed" => {
                        let _ = lost.try_send(());
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The microphone meter, ten times a second, only when it moved.
async fn report_levels(meter: LevelMeter, link: VoiceLink) {
    let mut tick = tokio::time::interval(LEVEL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = -1.0f32;
    loop {
        tick.tick().await;
        let level = meter.level();
        if (level - last).abs() >= 0.02 || (level == 0.0 && last != 0.0) {
            last = level;
            link.report(VoiceEvent::Level(level));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_percent_is_a_bounded_gain() {
        assert_eq!(gain(100), 1.0);
        assert_eq!(gain(0), 0.0);
        assert_eq!(gain(150), 1.5);
        assert_eq!(gain(5000), 2.0);
    }
}
