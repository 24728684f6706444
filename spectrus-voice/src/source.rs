//! Audio sources: where the engine's captured audio comes from. Frames are 20 ms of 48 kHz
//! mono `f32` samples in `[-1, 1]` ([`FRAME_SAMPLES`] samples).

use std::f32::consts::TAU;
use std::path::Path;

use crate::{FRAME_SAMPLES, SAMPLE_RATE, VoiceError};

/// Something that produces audio frames, one per 20 ms tick.
pub trait AudioSource: Send {
    /// Fill `frame` (length [`FRAME_SAMPLES`]) with the next 20 ms.
    fn read_frame(&mut self, frame: &mut [f32]);
}

/// A pure tone.
#[derive(Debug, Clone)]
pub struct SineSource {
    freq: f32,
    amplitude: f32,
    phase: f32,
}

impl SineSource {
    /// A sine at `freq` Hz with amplitude 0.5.
    pub fn new(freq: f32) -> Self {
        Self::with_amplitude(freq, 0.5)
    }

    /// A sine at `freq` Hz with the given peak amplitude.
    pub fn with_amplitude(freq: f32, amplitude: f32) -> Self {
        Self {
            freq,
            amplitude,
            phase: 0.0,
        }
    }
}

impl AudioSource for SineSource {
    fn read_frame(&mut self, frame: &mut [f32]) {
        let step = TAU * self.freq / SAMPLE_RATE as f32;
        for s in frame.iter_mut() {
            *s = self.amplitude * self.phase.sin();
            self.phase = (self.phase + step) % TAU;
        }
    }
}

/// Digital silence.
#[derive(Debug, Clone, Default)]
pub struct SilenceSource;

impl AudioSource for SilenceSource {
    fn read_frame(&mut self, frame: &mut [f32]) {
        frame.fill(0.0);
    }
}

/// A WAV file, mixed down to mono, resampled to 48 kHz (linearly) and looped.
#[derive(Debug, Clone)]
pub struct WavSource {
    samples: Vec<f32>,
    pos: usize,
}

impl WavSource {
    /// Load the whole file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, VoiceError> {
        let reader = hound::WavReader::open(path)?;
        let spec = reader.spec();
        let channels = usize::from(spec.channels.max(1));
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader.into_samples::<f32>().collect::<Result<_, _>>()?,
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                reader
                    .into_samples::<i32>()
                    .map(|s| s.map(|v| v as f32 * scale))
                    .collect::<Result<_, _>>()?
            }
        };
        let mono: Vec<f32> = interleaved
            .chunks(channels)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect();
        Ok(Self::from_samples(mono, spec.sample_rate))
    }

    /// Loop over `samples` recorded at `rate` Hz.
    pub fn from_samples(samples: Vec<f32>, rate: u32) -> Self {
        let samples = if rate == SAMPLE_RATE || samples.is_empty() || rate == 0 {
            samples
        } else {
            let ratio = rate as f64 / SAMPLE_RATE as f64;
            let out_len = (samples.len() as f64 / ratio) as usize;
            (0..out_len)
                .map(|i| {
                    let x = i as f64 * ratio;
                    let i0 = x as usize;
                    let frac = (x - i0 as f64) as f32;
                    let a = samples.get(i0).copied().unwrap_or(0.0);
                    let b = samples.get(i0 + 1).copied().unwrap_or(a);
                    a + (b - a) * frac
                })
                .collect()
        };
        Self { samples, pos: 0 }
    }
}

impl AudioSource for WavSource {
    fn read_frame(&mut self, frame: &mut [f32]) {
        if self.samples.is_empty() {
            frame.fill(0.0);
            return;
        }
        for s in frame.iter_mut() {
            *s = self.samples[self.pos];
            self.pos = (self.pos + 1) % self.samples.len();
        }
    }
}

/// A frame buffer of the right size.
pub fn new_frame() -> Vec<f32> {
    vec![0.0; FRAME_SAMPLES]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::goertzel_power;

    #[test]
    fn sine_is_continuous_and_tonal() {
        let mut s = SineSource::new(440.0);
        let mut all = Vec::new();
        for _ in 0..5 {
            let mut f = new_frame();
            s.read_frame(&mut f);
            all.extend_from_slice(&f);
        }
        assert!(goertzel_power(&all, 440.0) > 0.2);
        assert!(goertzel_power(&all, 660.0) < 0.01);
    }

    #[test]
    fn wav_roundtrip_loops_and_resamples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 24_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..2400 {
            let v = ((i as f32 * TAU * 660.0 / 24_000.0).sin() * 16000.0) as i16;
            w.write_sample(v).unwrap();
            w.write_sample(v).unwrap();
        }
        w.finalize().unwrap();
        let mut src = WavSource::open(&path).unwrap();
        let mut all = Vec::new();
        for _ in 0..10 {
            let mut f = new_frame();
            src.read_frame(&mut f);
            all.extend_from_slice(&f);
        }
        assert!(goertzel_power(&all, 660.0) > 0.1);
        assert!(goertzel_power(&all, 440.0) < 0.01);
    }
}
