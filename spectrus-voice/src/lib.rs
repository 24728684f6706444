//! `spectrus-voice`: the client voice engine of Spectrus, used by the terminal client, the
//! tests and the benchmarks.
//!
//! Capture ([`AudioSource`]) → gate ([`gate`]) → Opus ([`codec`]) → RTP over a WebRTC peer
//! connection that answers the SFU's offers ([`VoiceEngine`]); and back: per speaker
//! jitter buffer ([`jitter`]) with Opus PLC → [`mixer`] → [`AudioSink`]. Audio is 48 kHz
//! mono `f32`, in 20 ms frames of [`FRAME_SAMPLES`] samples. [`tone`] detects test tones.

pub mod codec;
mod engine;
mod error;
pub mod gate;
pub mod jitter;
pub mod mixer;
mod peer;
mod reports;
mod sdp;
mod shared;
mod signal;
pub mod sink;
pub mod source;
pub mod tone;

pub use engine::{EngineConfig, EngineStats, VoiceEngine};
pub use error::VoiceError;
pub use gate::{Gate, GateMode, OpenGate, PushToTalkGate, VadGate};
pub use jitter::JitterConfig;
pub use shared::{OPENING_PACKETS, Opening};
pub use signal::EngineSignal;
pub use sink::{AudioSink, MemoryBuffer, MemorySink, NullSink, WavSink};
pub use source::{AudioSource, SilenceSource, SineSource, WavSource};

/// Sample rate of every frame.
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in one 20 ms frame.
pub const FRAME_SAMPLES: usize = 960;
/// RFC 6464 audio level header extension URI.
pub const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
