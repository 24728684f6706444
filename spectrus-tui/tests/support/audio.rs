//! Audio helpers for the end-to-end voice tests: WAV files made on the spot, reading a
//! recording that is still being written, and a test member's voice session.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use spectrus_client::proto::Id;
use spectrus_client::voice::{
    AudioSource, EngineConfig, MemoryBuffer, MemorySink, VoiceOptions, VoiceSession,
};
use spectrus_client::{Client, Gateway, GatewayEvent};
use tokio::sync::mpsc;

pub const RATE: u32 = 48_000;

/// Writes a 48 kHz mono 16-bit WAV of `samples`.
pub fn write_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

/// `seconds` of a sine at `freq` Hz, amplitude 0.5.
pub fn tone(freq: f32, seconds: f32) -> Vec<f32> {
    let n = (seconds * RATE as f32) as usize;
    (0..n)
        .map(|i| 0.5 * (std::f32::consts::TAU * freq * i as f32 / RATE as f32).sin())
        .collect()
}

/// The samples of a WAV the client may still be writing (empty if not readable yet).
pub fn read_wav(path: &Path) -> Vec<f32> {
    let Ok(r) = hound::WavReader::open(path) else {
        return Vec::new();
    };
    r.into_samples::<i16>()
        .map_while(Result::ok)
        .map(|s| f32::from(s) / 32768.0)
        .collect()
}

/// A member's voice session from the test (the SDK's engine), and what it hears.
pub struct Voicer {
    pub session: VoiceSession,
    pub audio: MemoryBuffer,
}

/// Connects a gateway for `client` and joins `channel` playing `source`, on loopback; waits
/// until the peer connection is up.
pub async fn join(client: &Client, channel: Id, source: impl AudioSource + 'static) -> Voicer {
    let gw = Gateway::connect(client).await.expect("gateway");
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
    let (sink, audio) = MemorySink::new(RATE as usize * 5);
    let opts = VoiceOptions {
        engine: EngineConfig {
            udp_addrs: vec!["127.0.0.1:0".to_owned()],
            ..EngineConfig::default()
        },
        ..VoiceOptions::default()
    };
    let mut session = VoiceSession::join(handle, rx, channel, source, sink, opts)
        .await
        .expect("voice session");
    session
        .wait_connected(Duration::from_secs(30))
        .await
        .expect("voice connects");
    Voicer { session, audio }
}
