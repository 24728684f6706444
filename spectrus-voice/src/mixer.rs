//! Mixes the decoded frames of every remote speaker, each with its own volume, into the one
//! frame the sink plays.

/// Adds each `(frame, gain)` into `out` (which it first clears) and clamps to `[-1, 1]`.
pub fn mix_into(out: &mut [f32], inputs: &[(&[f32], f32)]) {
    out.fill(0.0);
    for (frame, gain) in inputs {
        for (o, s) in out.iter_mut().zip(frame.iter()) {
            *o += s * gain;
        }
    }
    for o in out.iter_mut() {
        *o = o.clamp(-1.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_with_gain_and_clamps() {
        let a = [0.5f32, 0.5, -0.9];
        let b = [0.25f32, 0.75, -0.9];
        let mut out = [9.0f32; 3];
        mix_into(&mut out, &[(&a, 1.0), (&b, 2.0)]);
        assert_eq!(out, [1.0, 1.0, -1.0]);
        mix_into(&mut out, &[(&a, 0.5)]);
        assert_eq!(out, [0.25, 0.25, -0.45]);
        mix_into(&mut out, &[]);
        assert_eq!(out, [0.0; 3]);
    }
}
