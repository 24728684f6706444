//! The signals the engine hands to the signalling layer (the answer to an offer, local ICE
//! candidates, connection state changes): produced by the engine and its peer connection.

/// What the engine needs the signalling layer to deliver to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineSignal {
    /// The answer to the latest offer (`voice_answer`).
    Answer(String),
    /// A local ICE candidate (`voice_candidate`).
    Candidate {
        /// The `candidate:...` attribute.
        candidate: String,
        /// Its media section id.
        sdp_mid: Option<String>,
        /// Its media section index.
        sdp_mline_index: Option<u16>,
    },
    /// The peer connection state changed (`"connected"`, `"failed"`...).
    ConnectionState(String),
}
