//! Gates between the audio source and the encoder: voice activity (energy threshold with
//! hangover) and push-to-talk (a shared flag). A closed gate sends nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Decides, frame by frame, whether captured audio is sent.
pub trait Gate: Send {
    /// Whether `frame` should be encoded and sent.
    fn is_open(&mut self, frame: &[f32]) -> bool;
}

/// Sends everything.
#[derive(Debug, Default, Clone)]
pub struct OpenGate;

impl Gate for OpenGate {
    fn is_open(&mut self, _frame: &[f32]) -> bool {
        true
    }
}

/// Root-mean-square level of a frame.
pub fn rms(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return 0.0;
    }
    (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt()
}

/// Voice-activity gate: opens when a frame's RMS reaches `threshold`, and stays open for
/// `hangover_frames` quiet frames afterwards so word endings are not clipped.
#[derive(Debug, Clone)]
pub struct VadGate {
    threshold: f32,
    hangover_frames: u32,
    remaining: u32,
}

impl VadGate {
    /// A gate with an RMS threshold (e.g. 0.01 ≈ −40 dBFS) and a hangover in frames.
    pub fn new(threshold: f32, hangover_frames: u32) -> Self {
        Self {
            threshold,
            hangover_frames,
            remaining: 0,
        }
    }
}

impl Gate for VadGate {
    fn is_open(&mut self, frame: &[f32]) -> bool {
        if rms(frame) >= self.threshold {
            self.remaining = self.hangover_frames;
            true
        } else if self.remaining > 0 {
            self.remaining -= 1;
            true
        } else {
            false
        }
    }
}

/// Push-to-talk: open while the shared flag is set (by a key handler, a UI...).
#[derive(Debug, Clone, Default)]
pub struct PushToTalkGate {
    pressed: Arc<AtomicBool>,
}

impl PushToTalkGate {
    /// A gate following `pressed`.
    pub fn new(pressed: Arc<AtomicBool>) -> Self {
        Self { pressed }
    }
}

impl Gate for PushToTalkGate {
    fn is_open(&mut self, _frame: &[f32]) -> bool {
        self.pressed.load(Ordering::Relaxed)
    }
}

/// Which gate an engine uses.
#[derive(Debug, Clone, Default)]
pub enum GateMode {
    /// Always send.
    #[default]
    Open,
    /// Voice activity: RMS threshold and hangover frames.
    Vad {
        /// RMS level that opens the gate.
        threshold: f32,
        /// Quiet frames the gate stays open after speech.
        hangover_frames: u32,
    },
    /// Push-to-talk on this flag.
    PushToTalk(Arc<AtomicBool>),
}

impl GateMode {
    pub(crate) fn build(&self) -> Box<dyn Gate> {
        match self {
            GateMode::Open => Box::new(OpenGate),
            GateMode::Vad {
                threshold,
                hangover_frames,
            } => Box::new(VadGate::new(*threshold, *hangover_frames)),
            GateMode::PushToTalk(flag) => Box::new(PushToTalkGate::new(flag.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vad_opens_and_hangs_over() {
        let mut g = VadGate::new(0.1, 2);
        let loud = [0.5f32; 960];
        let quiet = [0.001f32; 960];
        assert!(!g.is_open(&quiet));
        assert!(g.is_open(&loud));
        assert!(g.is_open(&quiet));
        assert!(g.is_open(&quiet));
        assert!(!g.is_open(&quiet));
    }

    #[test]
    fn push_to_talk_follows_flag() {
        let flag = Arc::new(AtomicBool::new(false));
        let mut g = GateMode::PushToTalk(flag.clone()).build();
        assert!(!g.is_open(&[1.0; 4]));
        flag.store(true, Ordering::Relaxed);
        assert!(g.is_open(&[0.0; 4]));
        assert!(OpenGate.is_open(&[]));
    }

    #[test]
    fn rms_of_square_wave() {
        assert!((rms(&[0.5, -0.5, 0.5, -0.5]) - 0.5).abs() < 1e-6);
        assert_eq!(rms(&[]), 0.0);
    }
}
