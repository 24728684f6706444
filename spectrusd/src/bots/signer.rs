//! The server's Ed25519 key that signs webhook POSTs the way Discord signs interactions:
//! `X-Signature-Ed25519` is the hex signature over the `X-Signature-Timestamp` value (unix
//! seconds, ASCII) followed by the raw body. Made once, kept in `<data_dir>/plugin-signing-key`
//! (PKCS#8, mode 0600).

use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

/// The key's file in the data directory.
pub(crate) const KEY_FILE: &str = "plugin-signing-key";

/// Signs webhook deliveries.
pub(crate) struct Signer {
    key: Ed25519KeyPair,
}

impl Signer {
    /// Reads the key, making it on first use.
    pub(crate) fn load_or_create(data_dir: &Path) -> anyhow::Result<Signer> {
        let path = data_dir.join(KEY_FILE);
        let bytes = crate::secret_file::read_or_create(&path, || {
            let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("cannot generate the plugin signing key"))?;
            Ok(doc.as_ref().to_vec())
        })?
        .bytes;
        let key = Ed25519KeyPair::from_pkcs8(&bytes)
            .map_err(|_| anyhow::anyhow!("{} is not an Ed25519 PKCS#8 key", path.display()))?;
        Ok(Signer { key })
    }

    /// The public key, hex (what plugins verify with).
    pub(crate) fn public_key_hex(&self) -> String {
        hex::encode(self.key.public_key().as_ref())
    }

    /// The hex signature over `timestamp` followed by `body`.
    pub(crate) fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let mut msg = Vec::with_capacity(timestamp.len() + body.len());
        msg.extend_from_slice(timestamp.as_bytes());
        msg.extend_from_slice(body);
        hex::encode(self.key.sign(&msg).as_ref())
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

    use super::Signer;

    #[test]
    fn signatures_verify_over_timestamp_then_body_and_the_key_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = Signer::load_or_create(dir.path()).unwrap();
        let again = Signer::load_or_create(dir.path()).unwrap();
        assert_eq!(s.public_key_hex(), again.public_key_hex());
        let sig = s.sign("1700000000", b"{\"a\":1}");
        let key_bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&s.public_key_hex()[i * 2..i * 2 + 2], 16).unwrap())
            .collect();
        let sig_bytes: Vec<u8> = (0..64)
            .map(|i| u8::from_str_radix(&sig[i * 2..i * 2 + 2], 16).unwrap())
            .collect();
        let key = UnparsedPublicKey::new(&ED25519, key_bytes);
        assert!(key.verify(b"1700000000{\"a\":1}", &sig_bytes).is_ok());
        assert!(key.verify(b"1700000000{\"a\":2}", &sig_bytes).is_err());
    }
}
