//! A per-speaker adaptive jitter buffer for 20 ms Opus packets.
//!
//! Packets go in with their RTP sequence number and timestamp; every 20 ms playout tick takes
//! one [`Playout`]: a packet to decode, a loss to conceal (Opus PLC) or silence while
//! (re)buffering. The target depth follows the measured inter-arrival jitter (RFC 3550
//! estimator) between a minimum and maximum, and the buffer drops a frame when it holds
//! persistently more than it needs, so latency shrinks back after a burst.

use std::collections::BTreeMap;
use std::time::Instant;

/// Frame duration in RTP clock units (48 kHz).
const FRAME_TS: f64 = 960.0;
/// Frame duration in milliseconds.
const FRAME_MS: f64 = 20.0;
/// Consecutive concealed frames on underrun before going back to buffering.
const MAX_CONCEALED: u32 = 5;
/// A sequence jump this large (in either direction) restarts the stream.
const RESET_JUMP: i64 = 500;

/// Bounds of the adaptive delay, in 20 ms frames.
#[derive(Debug, Clone, Copy)]
pub struct JitterConfig {
    /// Lowest target depth.
    pub min_frames: usize,
    /// Highest target depth; more is dropped.
    pub max_frames: usize,
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self {
            min_frames: 2,
            max_frames: 15,
        }
    }
}

/// What to play this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Decode this payload.
    Packet(Vec<u8>),
    /// A packet is missing: conceal it.
    Lost,
    /// Nothing to play (buffering, or the speaker is silent).
    Silent,
}

/// Counters of one jitter buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets handed out for decoding.
    pub played: u64,
    /// Frames concealed.
    pub concealed: u64,
    /// Packets that arrived after their turn.
    pub late: u64,
    /// Packets dropped to shrink latency or because the buffer was full.
    pub dropped: u64,
    /// Duplicates ignored.
    pub duplicates: u64,
}

/// The jitter buffer of one remote speaker.
#[derive(Debug)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    packets: BTreeMap<i64, Vec<u8>>,
    /// Extended sequence number of the newest packet seen.
    highest: Option<i64>,
    /// Next extended sequence number to play; `None` while buffering.
    next: Option<i64>,
    target: usize,
    concealed_run: u32,
    over_target_ticks: u32,
    /// RFC 3550 jitter estimate in ms, and the previous arrival (instant, timestamp).
    jitter_ms: f64,
    last_arrival: Option<(Instant, u32)>,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer.
    pub fn new(cfg: JitterConfig) -> Self {
        let min = cfg.min_frames.max(1);
        let cfg = JitterConfig {
            min_frames: min,
            max_frames: cfg.max_frames.max(min),
        };
        Self {
            cfg,
            packets: BTreeMap::new(),
            highest: None,
            next: None,
            target: min,
            concealed_run: 0,
            over_target_ticks: 0,
            jitter_ms: 0.0,
            last_arrival: None,
            stats: JitterStats::default(),
        }
    }

    /// Current target depth in frames.
    pub fn target_frames(&self) -> usize {
        self.target
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// The current jitter estimate in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter_ms
    }

    /// Counters.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    fn extend(&self, seq: u16) -> i64 {
        match self.highest {
            None => i64::from(seq),
            Some(h) => {
                let diff = i64::from(seq.wrapping_sub(h as u16) as i16);
                h + diff
            }
        }
    }

    /// Drop everything and start buffering again.
    pub fn reset(&mut self) {
        self.packets.clear();
        self.highest = None;
        self.next = None;
        self.concealed_run = 0;
        self.over_target_ticks = 0;
        self.last_arrival = None;
    }

    /// Add a packet that arrived at `arrival`.
    pub fn push(&mut self, seq: u16, timestamp: u32, payload: Vec<u8>, arrival: Instant) {
        let mut ext = self.extend(seq);
        if let Some(h) = self.highest
            && (ext - h).abs() > RESET_JUMP
        {
            self.reset();
            ext = i64::from(seq);
        }
        self.update_jitter(timestamp, arrival);
        if self.next.is_some_and(|n| ext < n) {
            self.stats.late += 1;
            return;
        }
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return;
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.packets.insert(ext, payload);
        let cap = self.cfg.max_frames * 2;
        while self.packets.len() > cap {
            self.packets.pop_first();
            self.stats.dropped += 1;
            if let Some(n) = self.next.as_mut()
                && let Some((&first, _)) = self.packets.first_key_value()
            {
                *n = (*n).max(first);
            }
        }
    }

    fn update_jitter(&mut self, timestamp: u32, arrival: Instant) {
        if let Some((prev_at, prev_ts)) = self.last_arrival {
            let arrival_ms = arrival.saturating_duration_since(prev_at).as_secs_f64() * 1000.0;
            let ts_ms = f64::from(timestamp.wrapping_sub(prev_ts) as i32) / FRAME_TS * FRAME_MS;
            let d = (arrival_ms - ts_ms).abs();
            if d < 2000.0 {
                self.jitter_ms += (d - self.jitter_ms) / 16.0;
            }
        }
        self.last_arrival = Some((arrival, timestamp));
        let wanted = 1 + (3.0 * self.jitter_ms / FRAME_MS).ceil() as usize;
        self.target = wanted.clamp(self.cfg.min_frames, self.cfg.max_frames);
    }

    /// What to play for the next 20 ms.
    pub fn pop(&mut self) -> Playout {
        let Some(next) = self.next else {
            // Buffering: start once enough is queued.
            if self.packets.len() >= self.target
                && let Some((&first, _)) = self.packets.first_key_value()
            {
                self.next = Some(first);
                self.concealed_run = 0;
                return self.pop();
            }
            return Playout::Silent;
        };
        // Shrink latency when persistently above target.
        if self.packets.len() > self.target + 2 {
            self.over_target_ticks += 1;
            if self.over_target_ticks >= 25 {
                // Keep dropping every few ticks while still too deep.
                self.over_target_ticks = 20;
                if let Some((&first, _)) = self.packets.first_key_value() {
                    self.packets.remove(&first);
                    self.stats.dropped += 1;
                    self.next = Some(next.max(first + 1));
                    return self.pop();
                }
            }
        } else {
            self.over_target_ticks = 0;
        }
        if let Some(payload) = self.packets.remove(&next) {
            self.next = Some(next + 1);
            self.concealed_run = 0;
            self.stats.played += 1;
            return Playout::Packet(payload);
        }
        if self.packets.is_empty() {
            // Underrun: conceal a little, then wait for the stream to come back.
            if self.concealed_run < MAX_CONCEALED {
                self.concealed_run += 1;
                self.stats.concealed += 1;
                return Playout::Lost;
            }
            self.next = None;
            return Playout::Silent;
        }
        // A gap with later packets waiting: that packet is lost.
        self.next = Some(next + 1);
        self.concealed_run += 1;
        self.stats.concealed += 1;
        Playout::Lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    fn payload(seq: u16) -> Vec<u8> {
        seq.to_be_bytes().to_vec()
    }

    #[test]
    fn reorders() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig {
            min_frames: 3,
            max_frames: 10,
        });
        for (i, seq) in [10u16, 12, 11, 13].into_iter().enumerate() {
            jb.push(
                seq,
                u32::from(seq) * 960,
                payload(seq),
                at(t0, i as u64 * 20),
            );
        }
        let played: Vec<_> = (0..4).map(|_| jb.pop()).collect();
        assert_eq!(
            played,
            vec![
                Playout::Packet(payload(10)),
                Playout::Packet(payload(11)),
                Playout::Packet(payload(12)),
                Playout::Packet(payload(13))
            ]
        );
    }

    #[test]
    fn loss_is_concealed_and_late_packets_dropped() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig {
            min_frames: 2,
            max_frames: 10,
        });
        for seq in [1u16, 2, 4, 5] {
            jb.push(
                seq,
                u32::from(seq) * 960,
                payload(seq),
                at(t0, u64::from(seq) * 20),
            );
        }
        assert_eq!(jb.pop(), Playout::Packet(payload(1)));
        assert_eq!(jb.pop(), Playout::Packet(payload(2)));
        assert_eq!(jb.pop(), Playout::Lost);
        jb.push(3, 3 * 960, payload(3), at(t0, 120));
        assert_eq!(jb.stats().late, 1);
        assert_eq!(jb.pop(), Playout::Packet(payload(4)));
        assert_eq!(jb.pop(), Playout::Packet(payload(5)));
        // Underrun: a few concealed frames, then silence until the stream resumes.
        let tail: Vec<_> = (0..8).map(|_| jb.pop()).collect();
        assert_eq!(tail.iter().filter(|p| **p == Playout::Lost).count(), 5);
        assert_eq!(tail.last(), Some(&Playout::Silent));
        assert_eq!(jb.stats().concealed, 6);
    }

    #[test]
    fn sequence_wraparound() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        for (i, seq) in [65534u16, 65535, 0, 1].into_iter().enumerate() {
            jb.push(seq, i as u32 * 960, payload(seq), at(t0, i as u64 * 20));
        }
        let got: Vec<_> = (0..4).map(|_| jb.pop()).collect();
        assert_eq!(got[0], Playout::Packet(payload(65534)));
        assert_eq!(got[3], Playout::Packet(payload(1)));
    }

    #[test]
    fn adapts_to_jitter_and_back() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        // Steady arrivals: target stays at the minimum.
        for seq in 0..50u16 {
            jb.push(
                seq,
                u32::from(seq) * 960,
                payload(seq),
                at(t0, u64::from(seq) * 20),
            );
            jb.pop();
        }
        assert_eq!(jb.target_frames(), 2);
        // Bursty arrivals (packets bunched in 100 ms clumps): target grows.
        for seq in 50..150u16 {
            let clump = u64::from(seq) / 5 * 100;
            jb.push(
                seq,
                u32::from(seq) * 960,
                payload(seq),
                at(t0, clump + 1000),
            );
            jb.pop();
        }
        assert!(jb.target_frames() >= 4, "target {}", jb.target_frames());
        assert!(jb.jitter_ms() > 20.0);
        // Steady again: the estimate decays and the target comes back down.
        for seq in 150..400u16 {
            jb.push(
                seq,
                u32::from(seq) * 960,
                payload(seq),
                at(t0, u64::from(seq) * 20 + 5000),
            );
            jb.pop();
        }
        assert!(jb.target_frames() <= 3, "target {}", jb.target_frames());
        // Excess depth was dropped back toward the target.
        assert!(jb.len() <= jb.target_frames() + 3, "len {}", jb.len());
    }

    #[test]
    fn restart_after_big_jump() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        for seq in 0..5u16 {
            jb.push(
                seq,
                u32::from(seq) * 960,
                payload(seq),
                at(t0, u64::from(seq) * 20),
            );
        }
        jb.pop();
        jb.push(30_000, 0, payload(30_000), at(t0, 200));
        jb.push(30_001, 960, payload(30_001), at(t0, 220));
        assert_eq!(jb.pop(), Playout::Packet(payload(30_000)));
    }
}
