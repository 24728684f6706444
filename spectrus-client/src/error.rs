//! Errors of the SDK.

use spectrus_proto::ErrorBody;

/// What can go wrong talking to a server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{status} {}: {}", body.error.code, body.error.message)]
    Api { status: u16, body: ErrorBody },
    /// The request did not complete (connection refused, timeout, TLS...).
    #[error("cannot reach the server: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server's answer was not what the contract says.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
    /// The URL is not usable.
    #[error("invalid server URL: {0}")]
    Url(String),
    /// A call that needs a login was made without one.
    #[error("not logged in")]
    NotLoggedIn,
    /// The trusted certificates given are not usable, or no trusted roots could be found.
    #[error("TLS: {0}")]
    Tls(String),
    /// The gateway failed.
    #[error("gateway: {0}")]
    Gateway(String),
}

impl ClientError {
    /// The wire error code, for API errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { body, .. } => Some(&body.error.code),
            _ => None,
        }
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}
