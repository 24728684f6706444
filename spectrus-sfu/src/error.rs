//! Errors returned by the SFU's public API.

/// What went wrong in an [`crate::Sfu`] call.
#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    /// Binding or reading the UDP socket failed.
    #[error("udp socket: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration cannot work (e.g. no address to announce).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// No participant with this id is in any room.
    #[error("unknown participant {0}")]
    UnknownParticipant(u64),
    /// An answer arrived while no offer was outstanding for this participant.
    #[error("no offer is pending for participant {0}")]
    NoPendingOffer(u64),
    /// The SDP or ICE candidate could not be parsed or applied.
    #[error("bad signalling input: {0}")]
    BadInput(String),
    /// The WebRTC stack refused an operation.
    #[error("webrtc: {0}")]
    WebRtc(String),
    /// The SFU thread has stopped.
    #[error("the SFU has shut down")]
    Closed,
}

impl From<rtc::shared::error::Error> for SfuError {
    fn from(e: rtc::shared::error::Error) -> Self {
        SfuError::WebRtc(e.to_string())
    }
}
