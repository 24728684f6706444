//! Format conversion between a sound card and the voice engine, which wants 48 kHz mono
//! `f32`: mixing interleaved channels down to mono (and mono out to every channel), and a
//! streaming linear resampler between any two rates. Sample types are converted to `f32` by
//! cpal's `FromSample` where the stream is built.

/// Converts interleaved samples of `channels` channels to `f32` with `to_f32` and averages
/// each frame into one mono sample of `out`; returns how many were written (at most
/// `out.len()`). Allocation-free, for audio callbacks.
pub fn downmix_into<T: Copy>(
    interleaved: &[T],
    channels: usize,
    out: &mut [f32],
    to_f32: impl Fn(T) -> f32,
) -> usize {
    let channels = channels.max(1);
    let mut n = 0;
    for (o, frame) in out.iter_mut().zip(interleaved.chunks(channels)) {
        *o = frame.iter().map(|s| to_f32(*s)).sum::<f32>() / frame.len() as f32;
        n += 1;
    }
    n
}

/// Writes each mono sample to every channel of one interleaved frame of `out`, converted
/// with `from_f32`; frames beyond `mono` are set to `silence`. Allocation-free.
pub fn upmix_into<T: Copy>(
    mono: &[f32],
    out: &mut [T],
    channels: usize,
    silence: T,
    from_f32: impl Fn(f32) -> T,
) {
    let channels = channels.max(1);
    let mut samples = mono.iter();
    for frame in out.chunks_mut(channels) {
        let v = samples.next().map_or(silence, |s| from_f32(*s));
        frame.fill(v);
    }
}

/// Streaming linear-interpolation resampler from `from` Hz to `to` Hz. State carries over
/// between calls, so a stream cut into blocks of any size comes out continuous.
#[derive(Debug, Clone)]
pub struct Resampler {
    /// Input samples per output sample.
    step: f64,
    /// Position of the next output sample, in input samples after `prev`.
    pos: f64,
    /// The last input sample of the previous block.
    prev: f32,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz (a rate of 0 is treated as equal rates).
    pub fn new(from: u32, to: u32) -> Resampler {
        let step = if from == 0 || to == 0 {
            1.0
        } else {
            f64::from(from) / f64::from(to)
        };
        Resampler {
            step,
            pos: 1.0,
            prev: 0.0,
        }
    }

    /// Whether input and output rates are equal (samples pass through unchanged).
    pub fn is_identity(&self) -> bool {
        self.step == 1.0
    }

    /// Resamples `input`, appending the output to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        if self.is_identity() {
            out.extend_from_slice(input);
            return;
        }
        // Input index i (0-based in this block) sits at position i + 1 after `prev`.
        let len = input.len() as f64;
        while self.pos <= len {
            let base = self.pos.floor();
            let frac = (self.pos - base) as f32;
            let i = base as usize;
            let a = if i == 0 { self.prev } else { input[i - 1] };
            let b = if frac == 0.0 {
                a
            } else {
                input.get(i).copied().unwrap_or(a)
            };
            out.push(a + (b - a) * frac);
            self.pos += self.step;
        }
        self.pos -= len;
        if let Some(last) = input.last() {
            self.prev = *last;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_voice::tone::{goertzel_power, goertzel_power_at};

    fn sine(freq: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn stereo_downmixes_to_the_average_and_converts() {
        let mut mono = [0.0f32; 8];
        let n = downmix_into(&[1.0f32, 0.0, 0.5, 0.5, -1.0, 1.0], 2, &mut mono, |s| s);
        assert_eq!(&mono[..n], &[0.5, 0.5, 0.0]);
        // 16-bit integer samples become [-1, 1] floats.
        let n = downmix_into(&[i16::MAX, i16::MIN], 1, &mut mono, |s: i16| {
            f32::from(s) / 32768.0
        });
        assert_eq!(n, 2);
        assert!((mono[0] - 1.0).abs() < 1e-3 && (mono[1] + 1.0).abs() < 1e-6);
        // Never more than `out` holds.
        let mut small = [0.0f32; 1];
        assert_eq!(downmix_into(&[0.1f32, 0.2, 0.3], 1, &mut small, |s| s), 1);
    }

    #[test]
    fn mono_fills_every_channel_then_silence() {
        let mut out = [7i16; 6];
        upmix_into(&[0.5, -0.5], &mut out, 2, 0, |s| (s * 100.0) as i16);
        assert_eq!(out, [50, 50, -50, -50, 0, 0]);
    }

    #[test]
    fn equal_rates_pass_through() {
        let mut r = Resampler::new(48_000, 48_000);
        let mut out = Vec::new();
        r.process(&[0.1, 0.2], &mut out);
        assert_eq!(out, vec![0.1, 0.2]);
    }

    #[test]
    fn resampling_keeps_length_ratio_and_pitch_across_blocks() {
        // 44.1 kHz device → 48 kHz engine, fed in odd-sized blocks like a callback would.
        let input = sine(440.0, 44_100, 44_100);
        let mut r = Resampler::new(44_100, 48_000);
        let mut out = Vec::new();
        for block in input.chunks(441 + 7) {
            r.process(block, &mut out);
        }
        assert!((out.len() as i64 - 48_000).abs() <= 2, "{}", out.len());
        assert!(goertzel_power(&out[..48_000 - 10], 440.0) > 0.2);
        assert!(goertzel_power(&out[..48_000 - 10], 660.0) < 0.01);
    }

    #[test]
    fn resampling_down_to_a_device_rate() {
        // 48 kHz engine → 16 kHz device.
        let input = sine(660.0, 48_000, 48_000);
        let mut r = Resampler::new(48_000, 16_000);
        let mut out = Vec::new();
        for block in input.chunks(960) {
            r.process(block, &mut out);
        }
        assert!((out.len() as i64 - 16_000).abs() <= 1, "{}", out.len());
        assert!(goertzel_power_at(&out, 660.0, 16_000) > 0.2);
    }
}
