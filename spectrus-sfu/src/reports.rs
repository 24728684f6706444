//! RTCP reports made by the SFU itself: one compound packet per participant every
//! [`REPORT_INTERVAL`] carrying a sender report for each of its outbound tracks and a
//! receiver report for what it sends the SFU.
//!
//! The sender reports replace `rtc`'s sender-report interceptor, which looked at every
//! forwarded copy (a hash lookup per copy) and sent one datagram per track every second. The
//! receiver reports replace its receiver-report interceptor: received packets take
//! `RTCPeerConnection::open_rtp` (this project's `rtc` patch) past the interceptors, so the
//! SFU keeps the reception statistics of RFC 3550 (A.1 sequence numbers, A.3 loss, A.8
//! jitter) per stream in [`ReceiveStats`] (`spectrus-rtcp`, shared with the client engine).
//!
//! Five seconds is what browsers use for audio (WebRTC's default audio RTCP interval).

use rtc::rtcp;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::sender_report::SenderReport;

pub(crate) use spectrus_rtcp::{
    REPORT_INTERVAL, ReceiveStats, SendCounters, ntp_now, receiver_report,
};

/// Sender reports in one compound packet at most (28 bytes each: well under an MTU).
const MAX_REPORTS_PER_PACKET: usize = 32;

/// Group sender reports and a receiver report into compound RTCP packets that fit a
/// datagram (the receiver report last, in the last packet).
pub(crate) fn compound(
    reports: Vec<SenderReport>,
    receiver: Option<ReceiverReport>,
) -> Vec<Vec<Box<dyn rtcp::Packet>>> {
    let mut packets = Vec::new();
    let mut current: Vec<Box<dyn rtcp::Packet>> = Vec::new();
    let all = reports
        .into_iter()
        .map(|r| Box::new(r) as Box<dyn rtcp::Packet>)
        .chain(receiver.map(|r| Box::new(r) as Box<dyn rtcp::Packet>));
    for r in all {
        if current.len() == MAX_REPORTS_PER_PACKET {
            packets.push(std::mem::take(&mut current));
        }
        current.push(r);
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
    fn reports_are_grouped_to_fit_a_datagram() {
        let reports = (0..70)
            .map(|i| SenderReport {
                ssrc: i,
                ..Default::default()
            })
            .collect();
        let sizes: Vec<usize> = compound(reports, None).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![32, 32, 6]);
        let rr = receiver_report(9, Vec::new());
        let packets = compound(Vec::new(), Some(rr.clone()));
        assert_eq!(packets.len(), 1);
        assert!(packets[0][0].equal(&rr));
        let reports = (0..32)
            .map(|i| SenderReport {
                ssrc: i,
                ..Default::default()
            })
            .collect();
        let sizes: Vec<usize> = compound(reports, Some(rr)).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![32, 1]);
    }
}
