//! The microphone meter and the first-frame stamps.
//!
//! [`Metered`] wraps the capture source: it keeps the level of the last frame where the UI
//! can read it ([`LevelMeter`], one atomic) and logs the wall-clock time of the first frame.
//! [`StampedSink`] logs the first played frame likewise. Those two log lines (`capture
//! started at` / `playback started at`, microseconds since the Unix epoch) let the latency
//! benchmark line a sender's WAV up with a receiver's recording.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use spectrus_voice::gate::rms;
use spectrus_voice::{AudioSink, AudioSource};

/// The level of the latest captured frame, shared with the UI side.
#[derive(Debug, Clone, Default)]
pub struct LevelMeter {
    bits: Arc<AtomicU32>,
}

impl LevelMeter {
    /// The latest level, 0.0 (silence, below −60 dBFS) to 1.0 (full scale).
    pub fn level(&self) -> f32 {
        f32::from_bits(self.bits.load(Ordering::Relaxed))
    }

    fn set(&self, level: f32) {
        self.bits.store(level.to_bits(), Ordering::Relaxed);
    }
}

/// Meter scale: RMS in dBFS from −60 (0.0) to 0 (1.0).
pub fn level_of(frame: &[f32]) -> f32 {
    let r = rms(frame);
    if r <= 0.0 {
        return 0.0;
    }
    ((20.0 * r.log10() + 60.0) / 60.0).clamp(0.0, 1.0)
}

fn unix_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}

/// A capture source that meters itself and stamps its first frame.
pub struct Metered {
    inner: Box<dyn AudioSource>,
    meter: LevelMeter,
    started: bool,
}

impl Metered {
    /// Wraps `inner`; the meter reads its level.
    pub fn new(inner: Box<dyn AudioSource>) -> (Metered, LevelMeter) {
        let meter = LevelMeter::default();
        (
            Metered {
                inner,
                meter: meter.clone(),
                started: false,
            },
            meter,
        )
    }
}

impl AudioSource for Metered {
    fn read_frame(&mut self, frame: &mut [f32]) {
        if !self.started {
            self.started = true;
            tracing::info!(unix_us = %unix_micros(), "capture started at");
        }
        self.inner.read_frame(frame);
        self.meter.set(level_of(frame));
    }
}

/// A playback sink that stamps its first frame.
pub struct StampedSink {
    inner: Box<dyn AudioSink>,
    started: bool,
}

impl StampedSink {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn AudioSink>) -> StampedSink {
        StampedSink {
            inner,
            started: false,
        }
    }
}

impl AudioSink for StampedSink {
    fn write_frame(&mut self, frame: &[f32]) {
        if !self.started {
            self.started = true;
            tracing::info!(unix_us = %unix_micros(), "playback started at");
        }
        self.inner.write_frame(frame);
    }

    fn flush(&mut self) {
        self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_voice::{SilenceSource, SineSource};

    #[test]
    fn meter_follows_the_source() {
        let (mut loud, meter) = Metered::new(Box::new(SineSource::with_amplitude(440.0, 0.5)));
        assert_eq!(meter.level(), 0.0, "nothing read yet");
        let mut frame = vec![0.0; 960];
        loud.read_frame(&mut frame);
        // A 0.5 sine is about −9 dBFS RMS.
        assert!((meter.level() - 0.85).abs() < 0.02, "{}", meter.level());
        let (mut quiet, meter) = Metered::new(Box::new(SilenceSource));
        quiet.read_frame(&mut frame);
        assert_eq!(meter.level(), 0.0);
        assert_eq!(level_of(&[1.0; 10]), 1.0);
        assert_eq!(level_of(&[0.0001; 10]), 0.0);
    }
}
