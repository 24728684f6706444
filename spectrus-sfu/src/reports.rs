//! RTCP sender reports for forwarded audio, made by the SFU itself: one compound packet per
//! listener every [`REPORT_INTERVAL`] carrying a sender report for each of its outbound tracks,
//! instead of `rtc`'s sender-report interceptor, which looked at every forwarded copy (a hash
//! lookup per copy) and sent one datagram per track every second.
//!
//! Five seconds is what browsers use for audio (WebRTC's default audio RTCP interval); the
//! receiver reports the SFU sends its speakers use the same interval (see `peer.rs`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rtc::rtcp;
use rtc::rtcp::sender_report::SenderReport;
use rtc::shared::time::SystemInstant;

/// Time between two RTCP reports of a peer connection, each way.
pub(crate) const REPORT_INTERVAL: Duration = Duration::from_secs(5);
/// The RTP clock of Opus.
const OPUS_CLOCK_RATE: f64 = 48_000.0;
/// Sender reports in one compound packet at most (28 bytes each: well under an MTU).
const MAX_REPORTS_PER_PACKET: usize = 32;

/// What an outbound track has sent, for its sender reports.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SendCounters {
    packets: u32,
    octets: u32,
    /// RTP timestamp of the latest packet and when it was sent.
    last: Option<(u32, Instant)>,
}

impl SendCounters {
    /// Count one forwarded packet.
    pub(crate) fn on_sent(&mut self, timestamp: u32, payload_len: usize, now: Instant) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self
            .octets
            .wrapping_add(u32::try_from(payload_len).unwrap_or(u32::MAX));
        self.last = Some((timestamp, now));
    }

    /// The sender report of track `ssrc` at `now` (`ntp` is `now` in NTP format), if it has
    /// sent anything.
    pub(crate) fn report(&self, ssrc: u32, now: Instant, ntp: u64) -> Option<SenderReport> {
        let (timestamp, at) = self.last?;
        let elapsed = now.saturating_duration_since(at).as_secs_f64();
        Some(SenderReport {
            ssrc,
            ntp_time: ntp,
            rtp_time: timestamp.wrapping_add((elapsed * OPUS_CLOCK_RATE) as u32),
            packet_count: self.packets,
            octet_count: self.octets,
            ..Default::default()
        })
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

/// Group sender reports into compound RTCP packets that fit a datagram.
pub(crate) fn compound(reports: Vec<SenderReport>) -> Vec<Vec<Box<dyn rtcp::Packet>>> {
    let mut packets = Vec::new();
    let mut current: Vec<Box<dyn rtcp::Packet>> = Vec::new();
    for r in reports {
        if current.len() == MAX_REPORTS_PER_PACKET {
            packets.push(std::mem::take(&mut current));
        }
        current.push(Box::new(r));
    }
    if !current.is_empty() {
        packets.push(current);
    }
    packets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_extrapolates_the_rtp_clock_and_counts() {
        let t0 = Instant::now();
        let mut c = SendCounters::default();
        assert!(
            c.report(7, t0, 1).is_none(),
            "nothing sent, nothing reported"
        );
        c.on_sent(1000, 80, t0);
        c.on_sent(1960, 70, t0 + Duration::from_millis(20));
        let r = c
            .report(7, t0 + Duration::from_millis(120), 42)
            .unwrap_or_else(|| panic!("a report"));
        assert_eq!((r.ssrc, r.ntp_time), (7, 42));
        assert_eq!((r.packet_count, r.octet_count), (2, 150));
        assert_eq!(r.rtp_time, 1960 + 4800);
    }

    #[test]
    fn reports_are_grouped_to_fit_a_datagram() {
        let reports = (0..70)
            .map(|i| SenderReport {
                ssrc: i,
                ..Default::default()
            })
            .collect();
        let sizes: Vec<usize> = compound(reports).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![32, 32, 6]);
    }
}
