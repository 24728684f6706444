//! The SFU's cryptography for `rtc`: the default provider (aws-lc) for everything except
//! AES-128-GCM, which is RustCrypto's `aes-gcm`.
//!
//! AES-128-GCM seals and opens every SRTP packet the SFU forwards (RFC 7714, the profile
//! browsers and the engine negotiate). Those calls come a few at a time, 20 ms apart per
//! speaker, so each meets cold caches; measured in the SFU, aws-lc's AEAD path (`EVP_AEAD`
//! layers, then code made for bulk data) cost several microseconds a packet there, where the
//! shorter `aes-gcm` path (AES-NI and carry-less multiplication, detected at run time) costs
//! a fraction (docs/benchmarks.md, "Runs of session 11"). The key is expanded once per
//! context, as before.

use std::sync::Arc;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, KeyInit, Nonce, Tag};
use rtc::crypto::{
    ActiveKeyExchange, AeadAlgorithm, AeadCipher, BlockCipherAlgorithm, CbcAlgorithm, CbcCipher,
    CryptoAlgorithm, CryptoError, HashAlgorithm, HmacAlgorithm, KeyExchangeAlgorithm, Mac,
    PublicKey, RTCCrypto, RTCCryptoProvider, RTCRandom, SignatureScheme, SigningKey, StreamCipher,
    StreamCipherAlgorithm,
};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 16;

/// `rtc`'s default provider with AES-128-GCM replaced.
pub(crate) struct SfuCrypto {
    base: Arc<dyn RTCCryptoProvider>,
    crypto: Crypto,
}

impl SfuCrypto {
    /// Wraps `rtc`'s default provider; `None` if it has none (a build without a crypto
    /// feature).
    pub(crate) fn provider() -> Option<Arc<dyn RTCCryptoProvider>> {
        let base = rtc::crypto::default_provider().ok()?;
        Some(Arc::new(Self {
            crypto: Crypto { base: base.clone() },
            base,
        }))
    }
}

impl RTCCryptoProvider for SfuCrypto {
    fn name(&self) -> &'static str {
        "spectrus-sfu (aes-gcm over aws-lc-rs)"
    }

    fn crypto(&self) -> &dyn RTCCrypto {
        &self.crypto
    }

    fn random(&self) -> &dyn RTCRandom {
        self.base.random()
    }
}

/// Every operation is the base provider's but `new_aead(Aes128Gcm)`.
struct Crypto {
    base: Arc<dyn RTCCryptoProvider>,
}

impl RTCCrypto for Crypto {
    fn supports(&self, algorithm: CryptoAlgorithm) -> bool {
        algorithm == CryptoAlgorithm::Aead(AeadAlgorithm::Aes128Gcm)
            || self.base.crypto().supports(algorithm)
    }

    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.base.crypto().hash(algorithm, data)
    }

    fn block_encrypt(
        &self,
        algorithm: BlockCipherAlgorithm,
        key: &[u8],
        block: &mut [u8],
    ) -> Result<(), CryptoError> {
        self.base.crypto().block_encrypt(algorithm, key, block)
    }

    fn new_hmac(&self, algorithm: HmacAlgorithm, key: &[u8]) -> Result<Box<dyn Mac>, CryptoError> {
        self.base.crypto().new_hmac(algorithm, key)
    }

    fn new_stream_cipher(
        &self,
        algorithm: StreamCipherAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn StreamCipher>, CryptoError> {
        self.base.crypto().new_stream_cipher(algorithm, key)
    }

    fn new_aead(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn AeadCipher>, CryptoError> {
        if algorithm != AeadAlgorithm::Aes128Gcm {
            return self.base.crypto().new_aead(algorithm, key);
        }
        let cipher = Aes128Gcm::new_from_slice(key).map_err(|_| CryptoError::InvalidKeyLength {
            expected: KEY_LEN,
            actual: key.len(),
        })?;
        Ok(Box::new(Gcm128(cipher)))
    }

    fn new_cbc(
        &self,
        algorithm: CbcAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn CbcCipher>, CryptoError> {
        self.base.crypto().new_cbc(algorithm, key)
    }

    fn start_key_exchange(
        &self,
        algorithm: KeyExchangeAlgorithm,
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        self.base.crypto().start_key_exchange(algorithm)
    }

    fn generate_signing_key(
        &self,
        scheme: SignatureScheme,
    ) -> Result<Arc<dyn SigningKey>, CryptoError> {
        self.base.crypto().generate_signing_key(scheme)
    }

    fn import_signing_key(
        &self,
        scheme: SignatureScheme,
        pkcs8_der: &[u8],
    ) -> Result<Arc<dyn SigningKey>, CryptoError> {
        self.base.crypto().import_signing_key(scheme, pkcs8_der)
    }

    fn verify_signature(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.base
            .crypto()
            .verify_signature(scheme, public_key, message, signature)
    }
}

/// AES-128-GCM with a 12-byte nonce and a 16-byte tag kept apart from the text.
struct Gcm128(Aes128Gcm);

fn check_lengths(nonce: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
    if nonce.len() != NONCE_LEN {
        return Err(CryptoError::InvalidNonceLength {
            expected: NONCE_LEN,
            actual: nonce.len(),
        });
    }
    if tag.len() != TAG_LEN {
        return Err(CryptoError::InvalidTagLength {
            expected: TAG_LEN,
            actual: tag.len(),
        });
    }
    Ok(())
}

impl AeadCipher for Gcm128 {
    fn tag_len(&self) -> usize {
        TAG_LEN
    }

    fn seal_in_place(
        &mut self,
        nonce: &[u8],
        aad: &[u8],
        plaintext_and_ciphertext: &mut [u8],
        tag_out: &mut [u8],
    ) -> Result<(), CryptoError> {
        check_lengths(nonce, tag_out)?;
        let tag = self
            .0
            .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, plaintext_and_ciphertext)
            .map_err(|_| CryptoError::Provider("AES-GCM sealing failed".into()))?;
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    fn open_in_place(
        &mut self,
        nonce: &[u8],
        aad: &[u8],
        ciphertext_and_plaintext: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        check_lengths(nonce, tag)?;
        self.0
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                aad,
                ciphertext_and_plaintext,
                Tag::from_slice(tag),
            )
            .map_err(|_| CryptoError::AuthenticationFailed)
    }
}

#[cfg(test)]
mod tests {
    use rtc::rtp;
    use rtc::shared::marshal::Marshal;
    use rtc::srtp::context::Context;
    use rtc::srtp::protection_profile::ProtectionProfile;

    use super::*;

    const KEY: [u8; 16] = *b"0123456789abcdef";
    const NONCE: [u8; 12] = *b"nonce-twelve";

    fn ours() -> Arc<dyn RTCCryptoProvider> {
        SfuCrypto::provider().unwrap_or_else(|| panic!("a provider"))
    }

    fn base() -> Arc<dyn RTCCryptoProvider> {
        rtc::crypto::default_provider().unwrap_or_else(|e| panic!("{e}"))
    }

    fn seal(p: &dyn RTCCryptoProvider, text: &[u8]) -> (Vec<u8>, [u8; TAG_LEN]) {
        let mut c = p
            .crypto()
            .new_aead(AeadAlgorithm::Aes128Gcm, &KEY)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut buf = text.to_vec();
        let mut tag = [0u8; TAG_LEN];
        c.seal_in_place(&NONCE, b"header", &mut buf, &mut tag)
            .unwrap_or_else(|e| panic!("{e}"));
        (buf, tag)
    }

    #[test]
    fn seals_as_aws_lc_does_and_each_opens_the_other() {
        let text = b"twenty milliseconds of Opus, more or less".as_slice();
        let (ours_ct, ours_tag) = seal(ours().as_ref(), text);
        let (base_ct, base_tag) = seal(base().as_ref(), text);
        assert_eq!((&ours_ct, ours_tag), (&base_ct, base_tag), "the same bytes");
        assert_ne!(ours_ct.as_slice(), text);
        for (opener, (ct, tag)) in [
            (ours(), (&base_ct, base_tag)),
            (base(), (&ours_ct, ours_tag)),
        ] {
            let mut c = opener
                .crypto()
                .new_aead(AeadAlgorithm::Aes128Gcm, &KEY)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut buf = ct.clone();
            c.open_in_place(&NONCE, b"header", &mut buf, &tag)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(buf.as_slice(), text);
        }
    }

    #[test]
    fn a_tampered_packet_or_a_bad_length_is_refused_without_panicking() {
        let (mut ct, tag) = seal(ours().as_ref(), b"hello");
        let p = ours();
        let mut c = p
            .crypto()
            .new_aead(AeadAlgorithm::Aes128Gcm, &KEY)
            .unwrap_or_else(|e| panic!("{e}"));
        ct[0] ^= 1;
        assert!(matches!(
            c.open_in_place(&NONCE, b"header", &mut ct, &tag),
            Err(CryptoError::AuthenticationFailed)
        ));
        let mut buf = b"hello".to_vec();
        assert!(matches!(
            c.open_in_place(&NONCE[..8], b"header", &mut buf, &tag),
            Err(CryptoError::InvalidNonceLength { .. })
        ));
        assert!(matches!(
            c.seal_in_place(&NONCE, b"", &mut buf, &mut [0u8; 8]),
            Err(CryptoError::InvalidTagLength { .. })
        ));
        // Our cipher's refusal (aws-lc's would be `InvalidPrivateKey`): AES-128-GCM is ours.
        assert!(matches!(
            p.crypto().new_aead(AeadAlgorithm::Aes128Gcm, &KEY[..15]),
            Err(CryptoError::InvalidKeyLength {
                expected: 16,
                actual: 15
            })
        ));
    }

    #[test]
    fn srtp_with_it_matches_srtp_without_it() {
        // RFC 7714 AEAD_AES_128_GCM: 16-byte master key, 12-byte master salt.
        let salt = *b"salt-of-12by";
        let packet = rtp::Packet {
            header: rtp::Header {
                version: 2,
                payload_type: 111,
                sequence_number: 4321,
                timestamp: 960_000,
                ssrc: 0xDEAD_BEEF,
                ..Default::default()
            },
            payload: bytes::Bytes::from_static(b"an Opus frame"),
        };
        let plain = packet.marshal().unwrap_or_else(|e| panic!("{e}"));
        let context = |p: &Arc<dyn RTCCryptoProvider>| {
            Context::new(
                &KEY,
                &salt,
                ProtectionProfile::AeadAes128Gcm,
                None,
                None,
                p.crypto(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let sealed_ours = context(&ours())
            .encrypt_rtp_with_header(&plain, &packet.header)
            .unwrap_or_else(|e| panic!("{e}"));
        let sealed_base = context(&base())
            .encrypt_rtp_with_header(&plain, &packet.header)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sealed_ours, sealed_base);
        let opened = context(&base())
            .decrypt_rtp(&sealed_ours)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&opened[..], &plain[..]);
    }
}
