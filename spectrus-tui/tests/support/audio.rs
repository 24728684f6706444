//! Audio helpers for the end-to-end voice tests: WAV files made on the spot, and reading a
//! recording that is still being written (a test member's voice session is
//! `spectrus_testkit::voice`'s).

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]
#![allow(dead_code)]

use std::path::Path;

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
