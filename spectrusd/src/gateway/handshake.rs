//! The WebSocket opening handshake: checks an upgrade request and computes its answer.

use axum::http::HeaderMap;
use axum::http::header::{CONNECTION, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use tungstenite::handshake::derive_accept_key;

use crate::error::ApiError;

/// Checks an upgrade request's headers; returns the `Sec-WebSocket-Accept` value.
pub(super) fn accept_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str().is_ok_and(|s| {
                s.split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    if !has_token(CONNECTION, "upgrade") || !has_token(UPGRADE, "websocket") {
        return Err(ApiError::InvalidBody(
            "the gateway speaks WebSocket: send Connection: Upgrade and Upgrade: websocket".into(),
        ));
    }
    if headers.get(SEC_WEBSOCKET_VERSION).map(|v| v.as_bytes()) != Some(b"13") {
        return Err(ApiError::InvalidBody(
            "unsupported WebSocket version: send Sec-WebSocket-Version: 13".into(),
        ));
    }
    match headers.get(SEC_WEBSOCKET_KEY) {
        Some(key) if !key.is_empty() => Ok(derive_accept_key(key.as_bytes())),
        _ => Err(ApiError::InvalidBody("Sec-WebSocket-Key is missing".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handshake_needs_upgrade_headers_version_and_key() {
        let mut h = HeaderMap::new();
        assert!(accept_key(&h).is_err());
        h.insert(CONNECTION, "keep-alive, Upgrade".parse().unwrap());
        h.insert(UPGRADE, "WebSocket".parse().unwrap());
        assert!(accept_key(&h).is_err());
        h.insert(SEC_WEBSOCKET_VERSION, "13".parse().unwrap());
        assert!(accept_key(&h).is_err());
        // RFC 6455's own example.
        h.insert(
            SEC_WEBSOCKET_KEY,
            "dGhlIHNhbXBsZSBub25jZQ==".parse().unwrap(),
        );
        assert_eq!(accept_key(&h).unwrap(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
