//! Tone detection with the Goertzel algorithm, so tests and the terminal client can tell a
//! 440 Hz tone from a 660 Hz one without an FFT.

use crate::SAMPLE_RATE;

/// Power of `freq` (Hz) in 48 kHz `samples`, normalised so that a sine of amplitude `A`
/// exactly at `freq` (over a whole number of periods) gives about `A²`.
pub fn goertzel_power(samples: &[f32], freq: f32) -> f32 {
    goertzel_power_at(samples, freq, SAMPLE_RATE)
}

/// [`goertzel_power`] for any sample rate.
pub fn goertzel_power_at(samples: &[f32], freq: f32, sample_rate: u32) -> f32 {
    let n = samples.len();
    if n == 0 || sample_rate == 0 {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * f64::from(freq) / f64::from(sample_rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // |X(k)|² for a sine of amplitude A is (A·N/2)²; scale so that gives A².
    (power * 4.0 / (n as f64 * n as f64)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amp: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (std::f32::consts::TAU * freq * i as f32 / 48_000.0).sin())
            .collect()
    }

    #[test]
    fn tells_440_from_660() {
        let a = sine(440.0, 0.5, 4800);
        let p440 = goertzel_power(&a, 440.0);
        let p660 = goertzel_power(&a, 660.0);
        assert!((p440 - 0.25).abs() < 0.02, "{p440}");
        assert!(p660 < 0.001, "{p660}");
        let mut mix = sine(660.0, 0.3, 4800);
        for (m, s) in mix.iter_mut().zip(&a) {
            *m += s;
        }
        assert!(goertzel_power(&mix, 440.0) > 0.2);
        assert!(goertzel_power(&mix, 660.0) > 0.07);
        assert_eq!(goertzel_power(&[], 440.0), 0.0);
        assert!(goertzel_power(&vec![0.0; 960], 440.0) == 0.0);
    }
}
