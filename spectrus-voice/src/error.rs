//! Errors of the voice engine.

/// What went wrong in the voice engine.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The WebRTC stack refused an operation (bad SDP, bad candidate, closed connection...).
    #[error("webrtc: {0}")]
    WebRtc(String),
    /// Opus encoder or decoder error.
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
    /// WAV file error.
    #[error("wav: {0}")]
    Wav(#[from] hound::Error),
    /// The engine was stopped.
    #[error("the voice engine is stopped")]
    Stopped,
}

impl From<rtc::shared::error::Error> for VoiceError {
    fn from(e: rtc::shared::error::Error) -> Self {
        VoiceError::WebRtc(e.to_string())
    }
}
