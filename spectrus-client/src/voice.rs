//! Voice over the gateway (feature `voice`): a [`VoiceSession`] drives a
//! [`spectrus_voice::VoiceEngine`] with the gateway's voice signalling. It sends
//! `voice_join`, answers every `voice_offer` (the server is always the offerer), trickles
//! ICE candidates both ways, and exposes self mute/deafen, stats and leave.
//!
//! The application keeps its own gateway loop and forwards the voice frames
//! ([`GatewayEvent::Voice`]) to the session's channel; everything else it may forward too
//! (ignored, except `Closed` and a fresh `Ready`, which end the voice session):
//!
//! ```no_run
//! # async fn demo(client: spectrus_client::Client, channel: spectrus_client::proto::Id)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use spectrus_client::voice::{VoiceOptions, VoiceSession};
//! use spectrus_client::{Gateway, GatewayEvent};
//! use spectrus_client::voice::{NullSink, SineSource};
//! let gateway = Gateway::connect(&client).await?;
//! let (_ready, mut events, handle) = gateway.into_parts();
//! let (voice_tx, voice_rx) = tokio::sync::mpsc::channel(64);
//! let mut session = VoiceSession::join(handle, voice_rx, channel,
//!     SineSource::new(440.0), NullSink, VoiceOptions::default()).await?;
//! tokio::spawn(async move {
//!     while let Some(ev) = events.recv().await {
//!         if matches!(ev, GatewayEvent::Voice { .. }) { let _ = voice_tx.send(ev).await; }
//!         // ... the application's own handling of dispatches ...
//!     }
//! });
//! session.wait_connected(std::time::Duration::from_secs(10)).await?;
//! session.set_self_mute(true);
//! session.leave().await;
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use spectrus_proto::Id;
use spectrus_proto::gateway::{
    ClientFrame, Empty, IceCandidate, Sdp, VoiceError as WireVoiceError, VoiceJoin, VoiceSelfState,
    op,
};
pub use spectrus_voice::{
    AudioSink, AudioSource, EngineConfig, EngineStats, GateMode, MemoryBuffer, MemorySink,
    NullSink, OPENING_PACKETS, Opening, SilenceSource, SineSource,
};
use spectrus_voice::{EngineSignal, VoiceEngine};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::gateway::{GatewayEvent, GatewayHandle};

/// How to join.
#[derive(Debug, Clone)]
pub struct VoiceOptions {
    /// Join muted.
    pub self_mute: bool,
    /// Join deafened.
    pub self_deaf: bool,
    /// The engine's settings (local UDP addresses, gate, jitter buffer...).
    pub engine: EngineConfig,
}

impl Default for VoiceOptions {
    fn default() -> Self {
        VoiceOptions {
            self_mute: false,
            self_deaf: false,
            engine: EngineConfig {
                // Every interface but loopback; tests pass "127.0.0.1:0".
                udp_addrs: vec!["0.0.0.0:0".to_owned()],
                ..EngineConfig::default()
            },
        }
    }
}

/// What happens to a voice session, in order. Queued without blocking signalling: when the
/// application does not read them, the oldest-undelivered are dropped beyond 64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceSessionEvent {
    /// The peer connection's state (`"connecting"`, `"connected"`, `"failed"`, ...).
    Connection(String),
    /// The server refused an op (`voice_error`): e.g. `missing_permission`, `channel_full`.
    Error {
        /// The wire code.
        code: String,
        /// A human sentence.
        message: String,
    },
    /// The gateway session ended (closed for good, or a new session after a failed resume):
    /// the server has taken the member out of voice.
    Ended,
}

/// Why a voice session failed.
#[derive(Debug, thiserror::Error)]
pub enum VoiceSessionError {
    /// The local engine failed (opus, WebRTC setup).
    #[error("voice engine: {0}")]
    Engine(#[from] spectrus_voice::VoiceError),
    /// The server refused.
    #[error("voice refused: {code}: {message}")]
    Refused {
        /// The wire code.
        code: String,
        /// A human sentence.
        message: String,
    },
    /// Not connected within the time given.
    #[error("voice did not connect in time")]
    Timeout,
    /// The session or its gateway ended.
    #[error("voice session ended")]
    Ended,
}

/// A member's voice connection to one channel; see the module comment.
pub struct VoiceSession {
    engine: Arc<VoiceEngine>,
    gateway: GatewayHandle,
    channel: Id,
    flags: Mutex<(bool, bool)>,
    events: mpsc::Receiver<VoiceSessionEvent>,
    tasks: Vec<JoinHandle<()>>,
    left: AtomicBool,
}

impl VoiceSession {
    /// Starts the engine (playing `source`, mixing into `sink`) and sends `voice_join` for
    /// `channel` over `gateway`. `voice` must receive the gateway's
    /// [`GatewayEvent::Voice`] frames. Returns at once; see [`VoiceSession::wait_connected`].
    pub async fn join(
        gateway: GatewayHandle,
        voice: mpsc::Receiver<GatewayEvent>,
        channel: Id,
        source: impl AudioSource + 'static,
        sink: impl AudioSink + 'static,
        opts: VoiceOptions,
    ) -> Result<VoiceSession, VoiceSessionError> {
        let (engine, signals) = VoiceEngine::start(opts.engine, source, sink).await?;
        engine.set_mute(opts.self_mute);
        engine.set_deaf(opts.self_deaf);
        let engine = Arc::new(engine);
        let (ev_tx, ev_rx) = mpsc::channel(64);
        let tasks = vec![
            tokio::spawn(inbound(voice, engine.clone(), ev_tx.clone())),
            tokio::spawn(outbound(signals, gateway.clone(), ev_tx)),
        ];
        gateway.send(ClientFrame::VoiceJoin(VoiceJoin {
            channel_id: channel,
            self_mute: opts.self_mute,
            self_deaf: opts.self_deaf,
        }));
        Ok(VoiceSession {
            engine,
            gateway,
            channel,
            flags: Mutex::new((opts.self_mute, opts.self_deaf)),
            events: ev_rx,
            tasks,
            left: AtomicBool::new(false),
        })
    }

    /// The voice channel joined.
    pub fn channel(&self) -> Id {
        self.channel
    }

    /// The next thing that happened; `None` once the session's tasks ended.
    pub async fn next_event(&mut self) -> Option<VoiceSessionEvent> {
        self.events.recv().await
    }

    /// Waits until the peer connection is up, or the server refuses, or `timeout` passes.
    /// Events seen while waiting are consumed.
    pub async fn wait_connected(&mut self, timeout: Duration) -> Result<(), VoiceSessionError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Err(_) => return Err(VoiceSessionError::Timeout),
                Ok(None) | Ok(Some(VoiceSessionEvent::Ended)) => {
                    return Err(VoiceSessionError::Ended);
                }
                Ok(Some(VoiceSessionEvent::Error { code, message })) => {
                    return Err(VoiceSessionError::Refused { code, message });
                }
                Ok(Some(VoiceSessionEvent::Connection(s))) if s == "connected" => return Ok(()),
                Ok(Some(VoiceSessionEvent::Connection(s))) if s == "failed" => {
                    return Err(VoiceSessionError::Refused {
                        code: "connection_failed".into(),
                        message: "the voice connection failed".into(),
                    });
                }
                Ok(Some(_)) => {}
            }
        }
    }

    fn send_flags(&self, f: impl FnOnce(&mut (bool, bool))) {
        let mut flags = self.flags.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut flags);
        self.engine.set_mute(flags.0);
        self.engine.set_deaf(flags.1);
        self.gateway.send(ClientFrame::VoiceState(VoiceSelfState {
            self_mute: flags.0,
            self_deaf: flags.1,
        }));
    }

    /// Stop or resume sending (locally, and tells the server so others see it).
    pub fn set_self_mute(&self, mute: bool) {
        self.send_flags(|f| f.0 = mute);
    }

    /// Stop or resume hearing (the server also stops sending).
    pub fn set_self_deaf(&self, deaf: bool) {
        self.send_flags(|f| f.1 = deaf);
    }

    /// `(self_mute, self_deaf)`.
    pub fn self_state(&self) -> (bool, bool) {
        *self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The engine's counters.
    pub fn stats(&self) -> EngineStats {
        self.engine.stats()
    }

    /// The engine (per-speaker volume and the like).
    pub fn engine(&self) -> &VoiceEngine {
        &self.engine
    }

    /// Sends `voice_leave` and stops the engine and the session's tasks.
    pub async fn leave(mut self) {
        self.shutdown(true).await;
    }

    async fn shutdown(&mut self, tell_server: bool) {
        if self.left.swap(true, Ordering::Relaxed) {
            return;
        }
        if tell_server {
            self.gateway.send(ClientFrame::VoiceLeave(Empty::default()));
        }
        self.engine.stop().await;
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for VoiceSession {
    fn drop(&mut self) {
        if !self.left.swap(true, Ordering::Relaxed) {
            self.gateway.send(ClientFrame::VoiceLeave(Empty::default()));
            for t in self.tasks.drain(..) {
                t.abort();
            }
            let engine = self.engine.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { engine.stop().await });
            }
        }
    }
}

/// Server → engine: offers and candidates; errors and the end to the application.
async fn inbound(
    mut voice: mpsc::Receiver<GatewayEvent>,
    engine: Arc<VoiceEngine>,
    events: mpsc::Sender<VoiceSessionEvent>,
) {
    while let Some(ev) = voice.recv().await {
        match ev {
            GatewayEvent::Voice { op: o, d } if o == op::VOICE_OFFER => {
                match serde_json::from_value::<Sdp>(d) {
                    Ok(sdp) => {
                        if let Err(e) = engine.handle_offer(sdp.sdp).await {
                            tracing::warn!(error = %e, "cannot answer the voice offer");
                            let _ = events.try_send(VoiceSessionEvent::Error {
                                code: "bad_offer".into(),
                                message: e.to_string(),
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "malformed voice_offer"),
                }
            }
            GatewayEvent::Voice { op: o, d } if o == op::VOICE_CANDIDATE => {
                match serde_json::from_value::<IceCandidate>(d) {
                    Ok(c) => {
                        if let Err(e) = engine
                            .add_candidate(c.candidate, c.sdp_mid, c.sdp_mline_index)
                            .await
                        {
                            tracing::debug!(error = %e, "server candidate rejected");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "malformed voice_candidate"),
                }
            }
            GatewayEvent::Voice { op: o, d } if o == op::VOICE_ERROR => {
                let (code, message) = match serde_json::from_value::<WireVoiceError>(d) {
                    Ok(e) => (e.code, e.message),
                    Err(e) => ("unknown".into(), e.to_string()),
                };
                let _ = events.try_send(VoiceSessionEvent::Error { code, message });
            }
            GatewayEvent::Closed { .. } | GatewayEvent::Ready(_) => {
                let _ = events.try_send(VoiceSessionEvent::Ended);
            }
            _ => {}
        }
    }
}

/// Where an engine signal goes: the answer and local candidates become gateway frames for
/// the server; a connection state (`"connected"`, `"failed"`...) stays with the application.
pub fn route_signal(signal: EngineSignal) -> Result<ClientFrame, String> {
    match signal {
        EngineSignal::Answer(sdp) => Ok(ClientFrame::VoiceAnswer(Sdp { sdp })),
        EngineSignal::Candidate {
            candidate,
            sdp_mid,
            sdp_mline_index,
        } => Ok(ClientFrame::VoiceCandidate(IceCandidate {
            candidate,
            sdp_mid,
            sdp_mline_index,
        })),
        EngineSignal::ConnectionState(state) => Err(state),
    }
}

/// Engine → server: the answer and local candidates; connection states to the application.
async fn outbound(
    mut signals: mpsc::Receiver<EngineSignal>,
    gateway: GatewayHandle,
    events: mpsc::Sender<VoiceSessionEvent>,
) {
    while let Some(s) = signals.recv().await {
        match route_signal(s) {
            Ok(frame) => gateway.send(frame),
            Err(state) => {
                let _ = events.try_send(VoiceSessionEvent::Connection(state));
            }
        }
    }
}
