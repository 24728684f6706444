//! What an outbound stream has sent, for its sender reports (RFC 3550 6.4.1).

use std::time::Instant;

use rtc::rtcp::sender_report::SenderReport;

use crate::OPUS_CLOCK_RATE;

/// Packet and octet counts of one outbound stream, and its latest RTP timestamp.
#[derive(Debug, Default, Clone, Copy)]
pub struct SendCounters {
    packets: u32,
    octets: u32,
    /// RTP timestamp of the latest packet and when it was sent.
    last: Option<(u32, Instant)>,
}

impl SendCounters {
    /// Count one sent packet (its RTP timestamp and payload size) at `now`.
    pub fn on_sent(&mut self, timestamp: u32, payload_len: usize, now: Instant) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self
            .octets
            .wrapping_add(u32::try_from(payload_len).unwrap_or(u32::MAX));
        self.last = Some((timestamp, now));
    }

    /// The sender report of stream `ssrc` at `now` (`ntp`: `now` in NTP format), without
    /// report blocks, if it has sent anything: the RTP time is the latest packet's,
    /// extrapolated to `now` on the Opus clock.
    pub fn report(&self, ssrc: u32, now: Instant, ntp: u64) -> Option<SenderReport> {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
        assert!(r.reports.is_empty());
    }
}
