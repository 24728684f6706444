//! The reception statistics of one received RTP stream (RFC 3550 A.1, A.3, A.8) and the
//! report block about it.

use std::time::Instant;

use rtc::rtcp::reception_report::ReceptionReport;

use crate::OPUS_CLOCK_RATE;

/// A sequence number this far ahead of the highest is still in order (RFC 3550 A.1).
const MAX_DROPOUT: u16 = 3000;
/// A sequence number this far behind the highest is a late packet, not a restart.
const MAX_MISORDER: u16 = 100;
/// Largest cumulative loss a reception report carries (24 bits, signed; never negative here).
const MAX_TOTAL_LOST: u32 = 0x7F_FFFF;

/// What one received RTP stream (an SSRC) delivered, for the reception report about it
/// (RFC 3550 A.1, A.3, A.8).
#[derive(Debug, Clone)]
pub struct ReceiveStats {
    /// First extended sequence number counted (after the latest restart).
    base_seq: u32,
    max_seq: u16,
    /// Wraps of the sequence number, shifted (a multiple of 65536).
    cycles: u32,
    /// After a jump: the sequence number that confirms it as a restart.
    bad_seq: Option<u16>,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Interarrival jitter, in RTP timestamp units.
    jitter: f64,
    /// Relative transit time of the latest packet: arrival (RTP units since `origin`) minus
    /// its timestamp.
    transit: Option<f64>,
    origin: Instant,
    /// Middle 32 bits of the latest sender report's NTP time, and when it arrived.
    last_sr: Option<(u32, Instant)>,
    /// When the latest packet arrived.
    last_packet: Instant,
}

impl ReceiveStats {
    /// The statistics of a stream whose first packet has sequence number `seq`.
    pub fn new(seq: u16, now: Instant) -> Self {
        Self {
            base_seq: u32::from(seq),
            max_seq: seq.wrapping_sub(1),
            cycles: 0,
            bad_seq: None,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            jitter: 0.0,
            transit: None,
            origin: now,
            last_sr: None,
            last_packet: now,
        }
    }

    /// Count a packet (sequence number, RTP timestamp) that arrived at `now`.
    pub fn on_rtp(&mut self, seq: u16, timestamp: u32, now: Instant) {
        self.last_packet = now;
        let delta = seq.wrapping_sub(self.max_seq);
        if delta < MAX_DROPOUT {
            // In order, with an acceptable gap.
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = seq;
        } else if delta <= u16::MAX - MAX_MISORDER {
            // A large jump: a restart of the sender if the next packet follows it.
            if self.bad_seq == Some(seq) {
                *self = Self {
                    last_sr: self.last_sr,
                    ..Self::new(seq, now)
                };
                self.max_seq = seq;
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                return;
            }
        }
        // Else a duplicate or a late packet: counted, the highest unchanged.
        self.bad_seq = None;
        self.received = self.received.wrapping_add(1);
        let arrival = now.saturating_duration_since(self.origin).as_secs_f64() * OPUS_CLOCK_RATE;
        let transit = arrival - f64::from(timestamp);
        if let Some(prev) = self.transit {
            // The timestamp difference modulo 2^32, as the wrapping RTP clock requires.
            let d = (transit - prev).rem_euclid(4_294_967_296.0);
            let d = if d > 2_147_483_648.0 {
                4_294_967_296.0 - d
            } else {
                d
            };
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.transit = Some(transit);
    }

    /// Note a sender report about this stream (`ntp`: its NTP timestamp) arriving at `now`.
    pub fn on_sender_report(&mut self, ntp: u64, now: Instant) {
        self.last_sr = Some(((ntp >> 16) as u32, now));
    }

    /// When the latest packet arrived.
    pub fn last_packet(&self) -> Instant {
        self.last_packet
    }

    /// The extended highest sequence number received.
    fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// The reception report about stream `ssrc` at `now`; starts the next interval.
    pub fn report(&mut self, ssrc: u32, now: Instant) -> ReceptionReport {
        let extended_max = self.extended_max();
        let expected = extended_max.wrapping_sub(self.base_seq).wrapping_add(1);
        let lost = i64::from(expected) - i64::from(self.received);
        let total_lost = lost.clamp(0, i64::from(MAX_TOTAL_LOST)) as u32;
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sender_report, delay) = match self.last_sr {
            Some((lsr, at)) => (
                lsr,
                (now.saturating_duration_since(at).as_secs_f64() * 65536.0) as u32,
            ),
            None => (0, 0),
        };
        ReceptionReport {
            ssrc,
            fraction_lost,
            total_lost,
            last_sequence_number: extended_max,
            jitter: self.jitter as u32,
            last_sender_report,
            delay,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ms(t: Instant, ms: u64) -> Instant {
        t + Duration::from_millis(ms)
    }

    #[test]
    fn a_lossless_steady_stream_reports_no_loss_and_no_jitter() {
        let t0 = Instant::now();
        let mut s = ReceiveStats::new(65_530, t0);
        for i in 0..20u16 {
            // 20 ms packets, 960 ticks apart, across the sequence number's wrap.
            s.on_rtp(
                65_530u16.wrapping_add(i),
                1_000 + 960 * u32::from(i),
                ms(t0, 20 * u64::from(i)),
            );
        }
        let r = s.report(77, ms(t0, 400));
        assert_eq!(r.ssrc, 77);
        assert_eq!((r.fraction_lost, r.total_lost), (0, 0));
        assert_eq!(r.last_sequence_number, (1 << 16) + 13);
        assert!(r.jitter <= 1, "jitter {}", r.jitter);
        assert_eq!((r.last_sender_report, r.delay), (0, 0));
    }

    #[test]
    fn loss_is_cumulative_and_its_fraction_per_interval() {
        let t0 = Instant::now();
        let mut s = ReceiveStats::new(100, t0);
        // 100..=109 with 103 and 104 missing: 2 of 10 lost.
        for seq in (100..110u16).filter(|q| *q != 103 && *q != 104) {
            s.on_rtp(seq, u32::from(seq) * 960, ms(t0, u64::from(seq - 100) * 20));
        }
        let r = s.report(1, ms(t0, 300));
        assert_eq!(r.total_lost, 2);
        assert_eq!(r.fraction_lost, (2 * 256 / 10) as u8);
        // A late arrival of 103 lowers the cumulative loss; the next interval lost nothing.
        s.on_rtp(103, 103 * 960, ms(t0, 310));
        for seq in 110..120u16 {
            s.on_rtp(seq, u32::from(seq) * 960, ms(t0, u64::from(seq - 100) * 20));
        }
        let r = s.report(1, ms(t0, 500));
        assert_eq!(r.total_lost, 1);
        assert_eq!(r.fraction_lost, 0);
        assert_eq!(r.last_sequence_number, 119);
    }

    #[test]
    fn jitter_follows_irregular_arrivals() {
        let t0 = Instant::now();
        let mut s = ReceiveStats::new(0, t0);
        // Timestamps every 20 ms; arrivals alternate 10 ms early and late.
        for i in 0..200u16 {
            let skew = if i % 2 == 0 { 0 } else { 20 };
            s.on_rtp(i, 960 * u32::from(i), ms(t0, 20 * u64::from(i) + skew));
        }
        let r = s.report(1, ms(t0, 5_000));
        // |D| is 20 ms = 960 ticks each time: the estimate converges on it.
        assert!((900..=960).contains(&r.jitter), "jitter {}", r.jitter);
    }

    #[test]
    fn a_sender_report_sets_lsr_and_dlsr() {
        let t0 = Instant::now();
        let mut s = ReceiveStats::new(5, t0);
        s.on_rtp(5, 0, t0);
        s.on_sender_report(0x1234_5678_9ABC_DEF0, t0);
        let r = s.report(1, ms(t0, 500));
        assert_eq!(r.last_sender_report, 0x5678_9ABC);
        assert_eq!(r.delay, 32_768);
    }

    #[test]
    fn a_restart_is_taken_after_two_sequential_packets() {
        let t0 = Instant::now();
        let mut s = ReceiveStats::new(10, t0);
        for seq in 10..15u16 {
            s.on_rtp(seq, 0, t0);
        }
        s.on_rtp(40_000, 0, t0);
        assert_eq!(
            s.report(1, t0).last_sequence_number,
            14,
            "one jump is ignored"
        );
        s.on_rtp(40_001, 0, t0);
        s.on_rtp(40_002, 0, t0);
        let r = s.report(1, t0);
        assert_eq!(r.last_sequence_number, 40_002);
        assert_eq!(r.total_lost, 0);
    }
}
