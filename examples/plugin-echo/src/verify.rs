//! Checking a delivery: an Ed25519 signature (`X-Signature-Ed25519`, hex) over the ASCII
//! `X-Signature-Timestamp` value followed by the raw body, made with the server's key, and a
//! timestamp (Unix seconds) no further than [`MAX_SKEW_SECS`] from now, so a captured request
//! cannot be replayed later.

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

/// How far a delivery's timestamp may be from the plugin's clock, either way.
pub const MAX_SKEW_SECS: u64 = 300;

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("the {0} header is not valid")]
    Malformed(&'static str),
    #[error("the signature does not match the body")]
    BadSignature,
    #[error("the timestamp is more than {MAX_SKEW_SECS} s away from now")]
    Stale,
}

/// The server's public key (shown by `spectrusctl plugins install`).
#[derive(Debug, Clone)]
pub struct Verifier {
    key: Vec<u8>,
}

impl Verifier {
    /// From the key's 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Verifier, VerifyError> {
        match decode_hex(hex.trim()) {
            Some(key) if key.len() == 32 => Ok(Verifier { key }),
            _ => Err(VerifyError::Malformed("public key")),
        }
    }

    /// Checks one delivery's headers and raw body at `now` (Unix seconds).
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: u64,
    ) -> Result<(), VerifyError> {
        let timestamp = timestamp.ok_or(VerifyError::MissingHeader("X-Signature-Timestamp"))?;
        let signature = signature.ok_or(VerifyError::MissingHeader("X-Signature-Ed25519"))?;
        let sig = decode_hex(signature).ok_or(VerifyError::Malformed("X-Signature-Ed25519"))?;
        let mut signed = Vec::with_capacity(timestamp.len() + body.len());
        signed.extend_from_slice(timestamp.as_bytes());
        signed.extend_from_slice(body);
        UnparsedPublicKey::new(&ED25519, &self.key)
            .verify(&signed, &sig)
            .map_err(|_| VerifyError::BadSignature)?;
        // Checked after the signature, so the timestamp read is the one the server signed.
        let at: u64 = timestamp
            .parse()
            .map_err(|_| VerifyError::Malformed("X-Signature-Timestamp"))?;
        if at.abs_diff(now) > MAX_SKEW_SECS {
            return Err(VerifyError::Stale);
        }
        Ok(())
    }
}

/// Bytes from hex digits (either case); `None` when it is not hex.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Lower-case hex digits.
pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

    fn pair() -> (Ed25519KeyPair, Verifier) {
        let pair = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).unwrap();
        let v = Verifier::from_hex(&encode_hex(pair.public_key().as_ref())).unwrap();
        (pair, v)
    }

    #[test]
    fn signed_fresh_body_passes_and_everything_else_fails() {
        let (pair, v) = pair();
        let body = br#"{"type":1}"#;
        let sig = encode_hex(pair.sign(b"1000{\"type\":1}").as_ref());
        assert_eq!(v.verify(Some("1000"), Some(&sig), body, 1100), Ok(()));
        assert_eq!(
            v.verify(Some("1000"), Some(&sig), br#"{"type":2}"#, 1100),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            v.verify(Some("1001"), Some(&sig), body, 1100),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            v.verify(Some("1000"), Some(&sig), body, 1000 + MAX_SKEW_SECS + 1),
            Err(VerifyError::Stale)
        );
        assert!(matches!(
            v.verify(None, Some(&sig), body, 1000),
            Err(VerifyError::MissingHeader(_))
        ));
        assert!(matches!(
            v.verify(Some("1000"), Some("zz"), body, 1000),
            Err(VerifyError::Malformed(_))
        ));
        assert!(Verifier::from_hex("abcd").is_err());
    }
}
