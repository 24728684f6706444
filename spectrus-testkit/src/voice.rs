//! Voice for tests (feature `voice`): a member's voice session through the SDK's engine
//! over loopback WebRTC, what it hears, and tones to play. Like the crate's other helpers,
//! these panic (failing the test) when the daemon refuses.

use std::path::Path;
use std::time::Duration;

use spectrus_client::gateway::GatewayHandle;
use spectrus_client::proto::Id;
use spectrus_client::voice::{
    AudioSource, EngineConfig, MemoryBuffer, MemorySink, SineSource, VoiceOptions, VoiceSession,
};
use spectrus_client::{Client, Gateway, GatewayEvent};
use spectrus_voice::tone::goertzel_power;
use spectrus_voice::{AudioSink, FRAME_SAMPLES, WavSink};
use tokio::sync::mpsc;

/// 200 ms of audio at 48 kHz: what [`power`] looks at.
pub const WINDOW: usize = 9_600;

/// The power of `freq` Hz in the last [`WINDOW`] of `audio`.
pub fn power(audio: &MemoryBuffer, freq: f32) -> f32 {
    goertzel_power(&audio.last(WINDOW), freq)
}

/// Whether `audio` carries `freq` Hz now (its [`power`] is above 0.01).
pub fn hears(audio: &MemoryBuffer, freq: f32) -> bool {
    power(audio, freq) > 0.01
}

/// Whether `audio` is free of `freq` Hz now (its [`power`] is below 0.001).
pub fn silent_at(audio: &MemoryBuffer, freq: f32) -> bool {
    power(audio, freq) < 0.001
}

/// Voice options on loopback (the engine's UDP socket on `127.0.0.1`), unmuted.
pub fn loopback() -> VoiceOptions {
    VoiceOptions {
        engine: EngineConfig {
            udp_addrs: vec!["127.0.0.1:0".to_owned()],
            ..EngineConfig::default()
        },
        ..VoiceOptions::default()
    }
}

/// A member in voice: its session, what it hears (the last 5 s) and its gateway.
pub struct Voicer {
    pub user: Id,
    pub session: VoiceSession,
    pub audio: MemoryBuffer,
    pub gateway: GatewayHandle,
}

impl Voicer {
    /// The power of `freq` Hz in what it hears now.
    pub fn power(&self, freq: f32) -> f32 {
        power(&self.audio, freq)
    }

    /// Whether it hears `freq` Hz now.
    pub fn hears(&self, freq: f32) -> bool {
        hears(&self.audio, freq)
    }

    /// Packets it has received from `speaker` so far.
    pub fn packets_from(&self, speaker: Id) -> u64 {
        self.session
            .stats()
            .received_by_speaker
            .iter()
            .find(|(s, _)| *s == speaker.0)
            .map_or(0, |(_, n)| *n)
    }

    /// How `speaker`'s stream began here (its first 100 ms), once anything was heard.
    pub fn opening_from(&self, speaker: Id) -> Option<spectrus_client::voice::Opening> {
        self.session
            .stats()
            .openings
            .iter()
            .find(|(s, _)| *s == speaker.0)
            .map(|(_, o)| *o)
    }
}

/// Connects a gateway for `client` and starts a voice session in `channel` playing
/// `source`, without waiting for it to connect.
pub async fn start(
    client: &Client,
    channel: Id,
    source: impl AudioSource + 'static,
    opts: VoiceOptions,
) -> Voicer {
    let gw = Gateway::connect(client)
        .await
        .unwrap_or_else(|e| panic!("cannot connect a gateway: {e}"));
    let user = gw.ready().user.id;
    let (_ready, mut events, handle) = gw.into_parts();
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if matches!(
                ev,
                GatewayEvent::Voice { .. } | GatewayEvent::Closed { .. } | GatewayEvent::Ready(_)
            ) && tx.send(ev).await.is_err()
            {
                break;
            }
        }
    });
    let (sink, audio) = MemorySink::new(48_000 * 5);
    let session = VoiceSession::join(handle.clone(), rx, channel, source, sink, opts)
        .await
        .unwrap_or_else(|e| panic!("cannot start a voice session: {e}"));
    Voicer {
        user,
        session,
        audio,
        gateway: handle,
    }
}

/// [`start`] with `opts`, and waits (up to 30 s) until the peer connection is up.
pub async fn join_with(
    client: &Client,
    channel: Id,
    source: impl AudioSource + 'static,
    opts: VoiceOptions,
) -> Voicer {
    let mut v = start(client, channel, source, opts).await;
    v.session
        .wait_connected(Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("voice does not connect: {e}"));
    v
}

/// [`join_with`] the [`loopback`] options.
pub async fn join(client: &Client, channel: Id, source: impl AudioSource + 'static) -> Voicer {
    join_with(client, channel, source, loopback()).await
}

/// Writes `secs` seconds of a `freq` Hz sine ([`SineSource`]) as a 48 kHz WAV at `path`.
pub fn write_tone(path: &Path, freq: f32, secs: usize) {
    let mut sink =
        WavSink::create(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
    let mut src = SineSource::new(freq);
    let mut frame = vec![0.0f32; FRAME_SAMPLES];
    // 50 frames of 20 ms a second.
    for _ in 0..secs * 50 {
        src.read_frame(&mut frame);
        sink.write_frame(&frame);
    }
    sink.flush();
}

/// Runs a test body with an overall deadline; panics (failing the test) past it.
pub async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    if tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .is_err()
    {
        panic!("test timed out after {secs} s");
    }
}
