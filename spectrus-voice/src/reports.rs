//! The engine's own RTCP reports: one compound packet per peer connection every
//! [`REPORT_INTERVAL`] (randomised, RFC 3550 6.3.1), as Chromium sends: a sender report while
//! the engine sends (else a receiver report) carrying one reception report block per stream
//! received since the last report.
//!
//! They replace `rtc`'s `configure_rtcp_reports` interceptors, which sent a receiver report
//! per received stream and a sender report every second, each in its own datagram (in a room
//! of ten speakers a sixth of what the SFU read). Reception statistics follow RFC 3550 A.1
//! (sequence numbers), A.3 (loss) and A.8 (jitter); the SFU reads the sender reports' NTP time
//! (`spectrus-sfu/src/reports.rs`). LSR and DLSR are 0: the SFU's sender reports never reach
//! the application through `webrtc` without an interceptor.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rtc::rtcp;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::reception_report::ReceptionReport;
use rtc::rtcp::sender_report::SenderReport;
use rtc::shared::time::SystemInstant;

/// Mean time between two reports (WebRTC's audio RTCP interval).
pub(crate) const REPORT_INTERVAL: Duration = Duration::from_secs(5);
/// Report blocks in one sender or receiver report at most (a 5-bit count).
const MAX_BLOCKS: usize = 31;
/// A stream silent this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(30);
/// The RTP clock of Opus.
const CLOCK_RATE: f64 = 48_000.0;
/// A sequence number this far ahead of the highest is still in order (RFC 3550 A.1).
const MAX_DROPOUT: u16 = 3000;
/// A sequence number this far behind the highest is a late packet, not a restart.
const MAX_MISORDER: u16 = 100;
/// Largest cumulative loss a report block carries (24 bits, signed; never negative here).
const MAX_TOTAL_LOST: u32 = 0x7F_FFFF;

/// What one received stream (SSRC) delivered, for its report block.
#[derive(Debug, Clone)]
struct Stream {
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
    /// Arrival (RTP units since `origin`) minus RTP timestamp of the latest packet.
    transit: Option<f64>,
    origin: Instant,
    last_packet: Instant,
    /// Whether a packet arrived since the last report.
    fresh: bool,
}

impl Stream {
    fn new(seq: u16, now: Instant) -> Self {
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
            last_packet: now,
            fresh: false,
        }
    }

    fn on_rtp(&mut self, seq: u16, timestamp: u32, now: Instant) {
        self.last_packet = now;
        self.fresh = true;
        let delta = seq.wrapping_sub(self.max_seq);
        if delta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = seq;
        } else if delta <= u16::MAX - MAX_MISORDER {
            // A large jump: a restart of the sender if the next packet follows it.
            if self.bad_seq == Some(seq) {
                *self = Self::new(seq, now);
                self.max_seq = seq;
                self.fresh = true;
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                return;
            }
        }
        // Else a duplicate or a late packet: counted, the highest unchanged.
        self.bad_seq = None;
        self.received = self.received.wrapping_add(1);
        let arrival = now.saturating_duration_since(self.origin).as_secs_f64() * CLOCK_RATE;
        let transit = arrival - f64::from(timestamp);
        if let Some(prev) = self.transit {
            // The difference modulo 2^32, as the wrapping RTP clock requires.
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

    /// The report block about stream `ssrc`; starts the next interval.
    fn block(&mut self, ssrc: u32) -> ReceptionReport {
        self.fresh = false;
        let extended_max = self.cycles.wrapping_add(u32::from(self.max_seq));
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
        ReceptionReport {
            ssrc,
            fraction_lost,
            total_lost,
            last_sequence_number: extended_max,
            jitter: self.jitter as u32,
            last_sender_report: 0,
            delay: 0,
        }
    }
}

/// What the engine sent since it started, for its sender reports.
#[derive(Debug, Default, Clone, Copy)]
struct Sent {
    packets: u32,
    octets: u32,
    /// RTP timestamp of the latest packet and when it was sent.
    last: Option<(u32, Instant)>,
    /// Whether a packet went out since the last report.
    fresh: bool,
}

/// The reception and send statistics of one peer connection, and its reports.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    streams: HashMap<u32, Stream>,
    sent: Sent,
}

impl Reports {
    /// Count a received RTP packet of stream `ssrc`.
    pub(crate) fn on_received(&mut self, ssrc: u32, seq: u16, timestamp: u32, now: Instant) {
        self.streams
            .entry(ssrc)
            .or_insert_with(|| Stream::new(seq, now))
            .on_rtp(seq, timestamp, now);
    }

    /// Count a sent RTP packet (its timestamp and payload size).
    pub(crate) fn on_sent(&mut self, timestamp: u32, payload_len: usize, now: Instant) {
        let s = &mut self.sent;
        s.packets = s.packets.wrapping_add(1);
        s.octets = s
            .octets
            .wrapping_add(u32::try_from(payload_len).unwrap_or(u32::MAX));
        s.last = Some((timestamp, now));
        s.fresh = true;
    }

    /// The compound RTCP packets due at `now` from `ssrc` (the engine's own), each to go in
    /// one datagram: a sender report if anything was sent since the last report, else a
    /// receiver report, with a block per stream heard since the last report (beyond 31, more
    /// receiver reports). Empty if there is nothing to report. `ntp` is `now` in NTP format.
    pub(crate) fn take(
        &mut self,
        ssrc: u32,
        now: Instant,
        ntp: u64,
    ) -> Vec<Vec<Box<dyn rtcp::Packet>>> {
        self.streams
            .retain(|_, s| now.saturating_duration_since(s.last_packet) < FORGET_AFTER);
        let mut blocks: Vec<ReceptionReport> = self
            .streams
            .iter_mut()
            .filter(|(_, s)| s.fresh)
            .map(|(ssrc, s)| s.block(*ssrc))
            .collect();
        blocks.sort_by_key(|b| b.ssrc);
        let sending = self.sent.fresh;
        if !sending && blocks.is_empty() {
            return Vec::new();
        }
        self.sent.fresh = false;
        let mut datagrams = Vec::new();
        let mut chunks = blocks.chunks(MAX_BLOCKS);
        let first = chunks.next().map(<[_]>::to_vec).unwrap_or_default();
        let first: Box<dyn rtcp::Packet> = match (sending, self.sent.last) {
            (true, Some((timestamp, at))) => {
                let elapsed = now.saturating_duration_since(at).as_secs_f64();
                Box::new(SenderReport {
                    ssrc,
                    ntp_time: ntp,
                    rtp_time: timestamp.wrapping_add((elapsed * CLOCK_RATE) as u32),
                    packet_count: self.sent.packets,
                    octet_count: self.sent.octets,
                    reports: first,
                    ..Default::default()
                })
            }
            _ => Box::new(receiver_report(ssrc, first)),
        };
        datagrams.push(vec![first]);
        for chunk in chunks {
            datagrams.push(vec![
                Box::new(receiver_report(ssrc, chunk.to_vec())) as Box<dyn rtcp::Packet>
            ]);
        }
        datagrams
    }
}

fn receiver_report(ssrc: u32, reports: Vec<ReceptionReport>) -> ReceiverReport {
    ReceiverReport {
        ssrc,
        reports,
        ..Default::default()
    }
}

/// The current wall-clock time in NTP format.
pub(crate) fn ntp_now() -> u64 {
    SystemInstant::unix2ntp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    )
}

/// The wait before the next report: [`REPORT_INTERVAL`] times a random factor in [0.5, 1.5)
/// (RFC 3550 6.3.1), so that peers started together do not report together.
pub(crate) fn next_interval() -> Duration {
    REPORT_INTERVAL.mul_f64(0.5 + rand::random::<f64>())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ms(t: Instant, ms: u64) -> Instant {
        t + Duration::from_millis(ms)
    }

    fn sr(p: &dyn rtcp::Packet) -> &SenderReport {
        p.as_any()
            .downcast_ref::<SenderReport>()
            .expect("a sender report")
    }

    fn rr(p: &dyn rtcp::Packet) -> &ReceiverReport {
        p.as_any()
            .downcast_ref::<ReceiverReport>()
            .expect("a receiver report")
    }

    #[test]
    fn nothing_sent_or_heard_reports_nothing() {
        let mut r = Reports::default();
        assert!(r.take(1, Instant::now(), 0).is_empty());
    }

    #[test]
    fn a_listener_sends_one_receiver_report_with_a_block_per_stream() {
        let t0 = Instant::now();
        let mut r = Reports::default();
        // Three speakers, 20 ms packets; the second lost 2 of its 10.
        for i in 0..10u16 {
            let at = ms(t0, 20 * u64::from(i));
            r.on_received(30, 500 + i, 960 * u32::from(i), at);
            if i != 3 && i != 4 {
                r.on_received(10, 65_530u16.wrapping_add(i), 960 * u32::from(i), at);
            }
            r.on_received(20, 7 + i, 960 * u32::from(i), at);
        }
        let d = r.take(99, ms(t0, 250), 0);
        assert_eq!(d.len(), 1, "one datagram");
        assert_eq!(d[0].len(), 1, "one packet in it");
        let rep = rr(d[0][0].as_ref());
        assert_eq!(rep.ssrc, 99);
        let ssrcs: Vec<u32> = rep.reports.iter().map(|b| b.ssrc).collect();
        assert_eq!(ssrcs, vec![10, 20, 30]);
        let lossy = &rep.reports[0];
        assert_eq!(
            (lossy.total_lost, lossy.fraction_lost),
            (2, (2 * 256 / 10) as u8)
        );
        assert_eq!(lossy.last_sequence_number, (1 << 16) + 3, "across the wrap");
        let clean = &rep.reports[1];
        assert_eq!((clean.total_lost, clean.fraction_lost), (0, 0));
        assert_eq!(clean.last_sequence_number, 16);
        assert!(clean.jitter <= 1, "jitter {}", clean.jitter);
        // The whole compound packet marshals within a datagram.
        let bytes = rtcp::packet::marshal(&d[0]).unwrap();
        assert_eq!(bytes.len(), 8 + 3 * 24);
    }

    #[test]
    fn a_speaker_sends_a_sender_report_carrying_the_blocks() {
        let t0 = Instant::now();
        let mut r = Reports::default();
        r.on_sent(1000, 80, t0);
        r.on_sent(1960, 70, ms(t0, 20));
        r.on_received(5, 1, 0, t0);
        let d = r.take(7, ms(t0, 120), 42);
        assert_eq!(d.len(), 1);
        let s = sr(d[0][0].as_ref());
        assert_eq!((s.ssrc, s.ntp_time), (7, 42));
        assert_eq!((s.packet_count, s.octet_count), (2, 150));
        assert_eq!(s.rtp_time, 1960 + 4800, "the RTP clock extrapolated to now");
        assert_eq!(s.reports.len(), 1);
        assert_eq!(s.reports[0].ssrc, 5);
        // Next interval: nothing sent, nothing heard.
        assert!(r.take(7, ms(t0, 5_000), 43).is_empty());
        // Heard only: a receiver report; the counts carry on when sending resumes.
        r.on_received(5, 2, 960, ms(t0, 5_100));
        let d = r.take(7, ms(t0, 10_000), 44);
        assert_eq!(rr(d[0][0].as_ref()).reports.len(), 1);
        r.on_sent(3000, 10, ms(t0, 10_100));
        let d = r.take(7, ms(t0, 15_000), 45);
        let s = sr(d[0][0].as_ref());
        assert_eq!((s.packet_count, s.octet_count), (3, 160));
        assert!(s.reports.is_empty(), "stream 5 was silent this interval");
    }

    #[test]
    fn loss_fraction_is_per_interval_and_a_late_packet_lowers_the_total() {
        let t0 = Instant::now();
        let mut r = Reports::default();
        for seq in (100..110u16).filter(|q| *q != 103 && *q != 104) {
            r.on_received(
                1,
                seq,
                u32::from(seq) * 960,
                ms(t0, u64::from(seq - 100) * 20),
            );
        }
        let d = r.take(9, ms(t0, 300), 0);
        assert_eq!(rr(d[0][0].as_ref()).reports[0].total_lost, 2);
        r.on_received(1, 103, 103 * 960, ms(t0, 310));
        for seq in 110..120u16 {
            r.on_received(
                1,
                seq,
                u32::from(seq) * 960,
                ms(t0, u64::from(seq - 100) * 20),
            );
        }
        let d = r.take(9, ms(t0, 500), 0);
        let b = &rr(d[0][0].as_ref()).reports[0];
        assert_eq!((b.total_lost, b.fraction_lost), (1, 0));
        assert_eq!(b.last_sequence_number, 119);
    }

    #[test]
    fn jitter_follows_irregular_arrivals() {
        let t0 = Instant::now();
        let mut r = Reports::default();
        for i in 0..200u16 {
            let skew = if i % 2 == 0 { 0 } else { 20 };
            r.on_received(1, i, 960 * u32::from(i), ms(t0, 20 * u64::from(i) + skew));
        }
        let d = r.take(9, ms(t0, 5_000), 0);
        let j = rr(d[0][0].as_ref()).reports[0].jitter;
        assert!((900..=960).contains(&j), "jitter {j}");
    }

    #[test]
    fn more_than_31_streams_take_a_second_report() {
        let t0 = Instant::now();
        let mut r = Reports::default();
        for ssrc in 0..40 {
            r.on_received(ssrc, 1, 0, t0);
        }
        let d = r.take(9, t0, 0);
        let sizes: Vec<usize> = d.iter().map(|p| rr(p[0].as_ref()).reports.len()).collect();
        assert_eq!(sizes, vec![31, 9]);
    }

    #[test]
    fn a_silent_stream_is_forgotten() {
        let t0 = Instant::now();
        let mut r = Reports::default();
        r.on_received(1, 1, 0, t0);
        let _ = r.take(9, t0, 0);
        r.on_received(2, 1, 0, ms(t0, 31_000));
        let _ = r.take(9, ms(t0, 31_000), 0);
        assert_eq!(r.streams.len(), 1);
    }
}
