//! RTCP statistics shared by the SFU (`spectrus-sfu`) and the client engine
//! (`spectrus-voice`), which both make their own reports instead of `rtc`'s interceptors:
//! the reception statistics of one received stream (RFC 3550 A.1 sequence numbers, A.3 loss,
//! A.8 jitter, and the LSR/DLSR of the sender reports heard), what a sender report counts, and
//! the NTP clock the reports carry. When and how reports are grouped into datagrams is each
//! side's own.

mod receive;
mod send;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::reception_report::ReceptionReport;
use rtc::shared::time::SystemInstant;

pub use receive::ReceiveStats;
pub use send::SendCounters;

/// Mean time between two RTCP reports of a peer connection, each way (WebRTC's audio RTCP
/// interval, as browsers send).
pub const REPORT_INTERVAL: Duration = Duration::from_secs(5);

/// The RTP clock of Opus.
pub const OPUS_CLOCK_RATE: f64 = 48_000.0;

/// A receiver report from `ssrc` carrying `reports`.
pub fn receiver_report(ssrc: u32, reports: Vec<ReceptionReport>) -> ReceiverReport {
    ReceiverReport {
        ssrc,
        reports,
        ..Default::default()
    }
}

/// The current wall-clock time in NTP format.
pub fn ntp_now() -> u64 {
    SystemInstant::unix2ntp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    )
}
