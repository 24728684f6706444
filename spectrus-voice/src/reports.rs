//! The engine's own RTCP reports: one compound packet per peer connection every
//! [`REPORT_INTERVAL`] (randomised, RFC 3550 6.3.1), as Chromium sends: a sender report while
//! the engine sends (else a receiver report) carrying one reception report block per stream
//! received since the last report.
//!
//! They replace `rtc`'s `configure_rtcp_reports` interceptors, which sent a receiver report
//! per received stream and a sender report every second, each in its own datagram (in a room
//! of ten speakers a sixth of what the SFU read). The reception statistics (RFC 3550 A.1, A.3,
//! A.8) and the sender counts are `spectrus-rtcp`'s, the SFU's too. LSR and DLSR are 0: the
//! SFU's sender reports never reach the application through `webrtc` without an interceptor.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rtc::rtcp;
use rtc::rtcp::reception_report::ReceptionReport;
pub(crate) use spectrus_rtcp::{REPORT_INTERVAL, ntp_now};
use spectrus_rtcp::{ReceiveStats, SendCounters, receiver_report};

/// Report blocks in one sender or receiver report at most (a 5-bit count).
const MAX_BLOCKS: usize = 31;
/// A stream silent this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(30);

/// One received stream (SSRC): its statistics, and whether a packet arrived since the last
/// report.
#[derive(Debug, Clone)]
struct Stream {
    stats: ReceiveStats,
    fresh: bool,
}

/// The reception and send statistics of one peer connection, and its reports.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    streams: HashMap<u32, Stream>,
    sent: SendCounters,
    /// Whether a packet went out since the last report.
    sent_fresh: bool,
}

impl Reports {
    /// Count a received RTP packet of stream `ssrc`.
    pub(crate) fn on_received(&mut self, ssrc: u32, seq: u16, timestamp: u32, now: Instant) {
        let s = self.streams.entry(ssrc).or_insert_with(|| Stream {
            stats: ReceiveStats::new(seq, now),
            fresh: false,
        });
        s.stats.on_rtp(seq, timestamp, now);
        s.fresh = true;
    }

    /// Count a sent RTP packet (its timestamp and payload size).
    pub(crate) fn on_sent(&mut self, timestamp: u32, payload_len: usize, now: Instant) {
        self.sent.on_sent(timestamp, payload_len, now);
        self.sent_fresh = true;
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
            .retain(|_, s| now.saturating_duration_since(s.stats.last_packet()) < FORGET_AFTER);
        let mut blocks: Vec<ReceptionReport> = self
            .streams
            .iter_mut()
            .filter(|(_, s)| s.fresh)
            .map(|(ssrc, s)| {
                s.fresh = false;
                s.stats.report(*ssrc, now)
            })
            .collect();
        blocks.sort_by_key(|b| b.ssrc);
        let sending = std::mem::take(&mut self.sent_fresh);
        if !sending && blocks.is_empty() {
            return Vec::new();
        }
        let mut datagrams = Vec::new();
        let mut chunks = blocks.chunks(MAX_BLOCKS);
        let first = chunks.next().map(<[_]>::to_vec).unwrap_or_default();
        let sender = if sending {
            self.sent.report(ssrc, now, ntp)
        } else {
            None
        };
        let first: Box<dyn rtcp::Packet> = match sender {
            Some(mut sr) => {
                sr.reports = first;
                Box::new(sr)
            }
            None => Box::new(receiver_report(ssrc, first)),
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

/// The wait before the next report: [`REPORT_INTERVAL`] times a random factor in [0.5, 1.5)
/// (RFC 3550 6.3.1), so that peers started together do not report together.
pub(crate) fn next_interval() -> Duration {
    REPORT_INTERVAL.mul_f64(0.5 + rand::random::<f64>())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use rtc::rtcp::receiver_report::ReceiverReport;
    use rtc::rtcp::sender_report::SenderReport;

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
