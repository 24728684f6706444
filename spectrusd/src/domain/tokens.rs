//! Access tokens (JWT, HS256) and refresh tokens (opaque, stored as SHA-256).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use spectrus_proto::Id;

/// Issuer claim of every access token.
pub(crate) const ISSUER: &str = "spectrus";
/// Access token lifetime.
pub(crate) const ACCESS_TTL_SECS: u64 = 15 * 60;
/// Refresh token lifetime.
pub(crate) const REFRESH_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Claims {
    /// The user id.
    pub sub: String,
    pub iat: u64,
    pub exp: u64,
    pub iss: String,
    /// The session (refresh-token family) id: revoking the family ends the token.
    pub sid: String,
}

/// Why an access token was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

/// Signs and checks access tokens with one HS256 key.
#[derive(Clone)]
pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

/// A verified access token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AccessToken {
    pub user_id: Id,
    pub family_id: Id,
}

impl TokenKeys {
    /// Keys from a secret.
    pub(crate) fn new(secret: &[u8]) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs an access token for `user` in session `family`, issued at `now_secs`.
    pub(crate) fn issue(&self, user: Id, family: Id, now_secs: u64) -> Result<String, TokenError> {
        let claims = Claims {
            sub: user.to_string(),
            iat: now_secs,
            exp: now_secs + ACCESS_TTL_SECS,
            iss: ISSUER.into(),
            sid: family.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)
    }

    /// Verifies signature, issuer and expiry.
    pub(crate) fn verify(&self, token: &str) -> Result<AccessToken, TokenError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &v).map_err(|e| {
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let user_id = data.claims.sub.parse().map_err(|_| TokenError::Invalid)?;
        let family_id = data.claims.sid.parse().map_err(|_| TokenError::Invalid)?;
        Ok(AccessToken { user_id, family_id })
    }
}

/// `n` random bytes, URL-safe base64.
pub(crate) fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A new refresh token (256 bits).
pub(crate) fn new_refresh_token() -> String {
    random_token(32)
}

/// The SHA-256 of a refresh token, hex: the only form stored.
pub(crate) fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn issue_and_verify() {
        let k = TokenKeys::new(&[7u8; 32]);
        let t = k.issue(Id(42), Id(9), now()).unwrap();
        assert_eq!(
            k.verify(&t).unwrap(),
            AccessToken {
                user_id: Id(42),
                family_id: Id(9)
            }
        );
    }

    #[test]
    fn expired_wrong_key_and_garbage_are_refused() {
        let k = TokenKeys::new(&[7u8; 32]);
        let old = k.issue(Id(1), Id(1), now() - 3600).unwrap();
        assert_eq!(k.verify(&old), Err(TokenError::Expired));
        let other = TokenKeys::new(&[8u8; 32])
            .issue(Id(1), Id(1), now())
            .unwrap();
        assert_eq!(k.verify(&other), Err(TokenError::Invalid));
        assert_eq!(k.verify("a.b.c"), Err(TokenError::Invalid));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token();
        assert_ne!(a, new_refresh_token());
        let h = hash_refresh_token(&a);
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash_refresh_token(&a));
    }
}
