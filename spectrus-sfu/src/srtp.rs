//! The forward path's own SRTP for AEAD_AES_128_GCM (RFC 7714), the profile browsers and the
//! engine negotiate: one packet opened per received datagram, one sealed per listener, straight
//! into the outbox's buffer.
//!
//! `rtc-srtp`'s contexts (which the peer connection keeps for RTCP, other profiles and each
//! stream's first packet) look every packet's SSRC up in two hash maps, allocate a buffer per
//! packet and are reached through the peer connection's pipeline state. In a small room a
//! wake-up forwards one packet to a few listeners, 20 ms after the last, with caches cold: what
//! it costs is how much code and memory it touches (docs/benchmarks.md, "Runs of session 13").
//! Here the session keys are expanded once per connection, a stream's rollover state lives
//! with the stream ([`StreamIndex`], kept by the caller), and nothing is allocated.
//!
//! Byte for byte the same as `rtc-srtp` (tests below seal with one and open with the other).

use aes_gcm::aead::AeadInPlace;
use aes_gcm::aes::Aes128;
use aes_gcm::aes::cipher::BlockEncrypt;
use aes_gcm::{Aes128Gcm, KeyInit, Nonce, Tag};
use bytes::BytesMut;

/// Length of the authentication tag appended to each packet.
pub(crate) const TAG_LEN: usize = 16;
const KEY_LEN: usize = 16;
/// RFC 7714 §11: the master salt of the AEAD profiles is 96 bits.
const SALT_LEN: usize = 12;
const LABEL_SRTP_ENCRYPTION: u8 = 0x00;
const LABEL_SRTP_SALT: u8 = 0x02;
/// Packets a received stream may arrive late by and still be accepted once (RFC 3711 §3.3.2:
/// at least 64).
const REPLAY_WINDOW: u64 = 64;

/// Why a packet was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Shorter than its header and tag, or its header is malformed.
    Malformed,
    /// The tag did not verify (wrong key, tampered, or a rollover guessed wrong).
    Auth,
    /// Seen before, or older than the replay window.
    Replayed,
}

/// A stream's packet index (RFC 3711 §3.3.1: rollover counter and sequence number), as
/// estimated from the sequence numbers seen so far (Appendix A), and which of the latest
/// [`REPLAY_WINDOW`] indices were seen.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StreamIndex {
    /// Highest index seen; meaningless before the first packet.
    highest: u64,
    /// Bit `i`: index `highest - i` was seen.
    seen: u64,
    started: bool,
}

impl StreamIndex {
    /// The index of a packet with sequence number `seq` (RFC 3711 Appendix A), `None` if it
    /// would come before the stream's first rollover period.
    fn estimate(&self, seq: u16) -> Option<u64> {
        if !self.started {
            return Some(u64::from(seq));
        }
        let roc = self.highest >> 16;
        let s_l = i64::from(self.highest as u16);
        let s = i64::from(seq);
        let v = if s_l < 32_768 {
            if s - s_l > 32_768 {
                roc.checked_sub(1)?
            } else {
                roc
            }
        } else if s_l - 32_768 > s {
            roc + 1
        } else {
            roc
        };
        Some((v << 16) | u64::from(seq))
    }

    /// Whether `index` was seen or is too old (receiving side).
    fn replayed(&self, index: u64) -> bool {
        if !self.started || index > self.highest {
            return false;
        }
        let age = self.highest - index;
        age >= REPLAY_WINDOW || self.seen & (1 << age) != 0
    }

    /// Note `index` as seen.
    pub(crate) fn accept(&mut self, index: u64) {
        if !self.started {
            *self = Self {
                highest: index,
                seen: 1,
                started: true,
            };
        } else if index > self.highest {
            let shift = index - self.highest;
            self.seen = if shift >= REPLAY_WINDOW {
                0
            } else {
                self.seen << shift
            } | 1;
            self.highest = index;
        } else if let Some(bit) = 1u64.checked_shl((self.highest - index).min(64) as u32) {
            // Within the window (a bit beyond it is not kept).
            self.seen |= bit;
        }
    }
}

/// One direction's SRTP session: the AES-GCM key schedule and the session salt.
pub(crate) struct Session {
    aead: Aes128Gcm,
    salt: [u8; SALT_LEN],
}

impl Session {
    /// The session derived from a master key and salt (RFC 3711 §4.3 with the AES-CM PRF,
    /// RFC 7714 §11); `None` unless they are 16 and 12 bytes.
    pub(crate) fn new(master_key: &[u8], master_salt: &[u8]) -> Option<Self> {
        let key: [u8; KEY_LEN] = master_key.try_into().ok()?;
        let salt: [u8; SALT_LEN] = master_salt.try_into().ok()?;
        let prf = Aes128::new(&key.into());
        let derive = |label: u8| {
            // x = (label || index DIV kdr = 0) XOR master salt, aligned on the left of a
            // 128-bit block whose last 16 bits count the output blocks (one here).
            let mut block = [0u8; 16];
            block[..SALT_LEN].copy_from_slice(&salt);
            block[7] ^= label;
            let mut b = block.into();
            prf.encrypt_block(&mut b);
            let out: [u8; 16] = b.into();
            out
        };
        let session_key = derive(LABEL_SRTP_ENCRYPTION);
        let session_salt = derive(LABEL_SRTP_SALT);
        let mut s = [0u8; SALT_LEN];
        s.copy_from_slice(&session_salt[..SALT_LEN]);
        Some(Self {
            aead: Aes128Gcm::new(&session_key.into()),
            salt: s,
        })
    }

    /// RFC 7714 §8.1: (0x0000 || SSRC || ROC || SEQ) XOR the session salt, for `index`.
    fn nonce(&self, ssrc: u32, index: u64) -> [u8; SALT_LEN] {
        let mut iv = [0u8; SALT_LEN];
        iv[2..6].copy_from_slice(&ssrc.to_be_bytes());
        iv[6..10].copy_from_slice(&((index >> 16) as u32).to_be_bytes());
        iv[10..12].copy_from_slice(&(index as u16).to_be_bytes());
        for (v, s) in iv.iter_mut().zip(self.salt) {
            *v ^= s;
        }
        iv
    }

    /// Append to `out` the protected form of the RTP packet whose marshalled header is
    /// `header` (12 bytes or more: its SSRC and sequence number are read from it) and whose
    /// payload is `payload`; `state` is the outbound stream's. Returns `false` (and appends
    /// nothing) if the header is too short or the stream ran out of indices.
    pub(crate) fn seal(
        &self,
        header: &[u8],
        payload: &[u8],
        state: &mut StreamIndex,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some((ssrc, seq)) = ssrc_seq(header) else {
            return false;
        };
        // A sequence number from before the stream's first rollover period (its source
        // restarted its numbering) is taken as in the first period, as `rtc-srtp` does.
        let index = state.estimate(seq).unwrap_or(u64::from(seq));
        if index >= 1 << 48 {
            return false;
        }
        let start = out.len();
        out.extend_from_slice(header);
        out.extend_from_slice(payload);
        let nonce = self.nonce(ssrc, index);
        let Some((aad, body)) = out.get_mut(start..).map(|p| p.split_at_mut(header.len())) else {
            return false;
        };
        match self
            .aead
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), aad, body)
        {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                state.accept(index);
                true
            }
            Err(_) => {
                out.truncate(start);
                false
            }
        }
    }

    /// Open the SRTP packet `datagram` whose header is `header_len` bytes long (as parsed by
    /// the caller) into `out` (cleared first): the header and the decrypted payload. `state`
    /// is the inbound stream's; a packet that verifies is noted in it.
    pub(crate) fn open(
        &self,
        datagram: &[u8],
        header_len: usize,
        state: &mut StreamIndex,
        out: &mut BytesMut,
    ) -> Result<(), OpenError> {
        let (ssrc, seq) = ssrc_seq(datagram).ok_or(OpenError::Malformed)?;
        let body_end = datagram
            .len()
            .checked_sub(TAG_LEN)
            .filter(|e| *e >= header_len)
            .ok_or(OpenError::Malformed)?;
        let index = state.estimate(seq).ok_or(OpenError::Replayed)?;
        if state.replayed(index) {
            return Err(OpenError::Replayed);
        }
        let tag = datagram.get(body_end..).ok_or(OpenError::Malformed)?;
        out.clear();
        out.extend_from_slice(datagram.get(..body_end).ok_or(OpenError::Malformed)?);
        let (aad, body) = out.as_mut().split_at_mut(header_len);
        self.aead
            .decrypt_in_place_detached(
                Nonce::from_slice(&self.nonce(ssrc, index)),
                aad,
                body,
                Tag::from_slice(tag),
            )
            .map_err(|_| OpenError::Auth)?;
        state.accept(index);
        Ok(())
    }
}

/// The SSRC and sequence number of a marshalled RTP header.
fn ssrc_seq(header: &[u8]) -> Option<(u32, u16)> {
    let seq = u16::from_be_bytes(header.get(2..4)?.try_into().ok()?);
    let ssrc = u32::from_be_bytes(header.get(8..12)?.try_into().ok()?);
    Some((ssrc, seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::rtp;
    use rtc::shared::marshal::{Marshal, Unmarshal};
    use rtc::srtp::context::Context;
    use rtc::srtp::protection_profile::ProtectionProfile;

    const MASTER_KEY: [u8; 16] = [
        0x0d, 0xcd, 0x21, 0x3e, 0x4c, 0xbc, 0xf2, 0x8f, 0x01, 0x7f, 0x6d, 0x6b, 0x08, 0x8d, 0x97,
        0x68,
    ];
    const MASTER_SALT: [u8; 12] = [
        0x62, 0x77, 0x60, 0x38, 0xc0, 0x6d, 0xc9, 0x41, 0x9f, 0x6d, 0xd9, 0x43,
    ];

    fn rtc_context() -> Context {
        let provider = crate::crypto::SfuCrypto::provider().unwrap_or_else(|| panic!("provider"));
        Context::new(
            &MASTER_KEY,
            &MASTER_SALT,
            ProtectionProfile::AeadAes128Gcm,
            None,
            None,
            provider.crypto(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn packet(seq: u16, ssrc: u32, payload_len: usize) -> (rtp::Header, Vec<u8>) {
        let header = rtp::Header {
            version: 2,
            marker: seq.is_multiple_of(7),
            payload_type: 111,
            sequence_number: seq,
            timestamp: u32::from(seq).wrapping_mul(960),
            ssrc,
            ..Default::default()
        };
        let payload: Vec<u8> = (0..payload_len).map(|i| (i as u8) ^ (seq as u8)).collect();
        (header, payload)
    }

    fn session() -> Session {
        Session::new(&MASTER_KEY, &MASTER_SALT).unwrap_or_else(|| panic!("session"))
    }

    #[test]
    fn sealed_bytes_equal_rtc_srtp_across_a_rollover() {
        let ours = session();
        let mut theirs = rtc_context();
        let mut state = StreamIndex::default();
        let mut out = Vec::new();
        // From just before the sequence number wraps to after it: the rollover counter is in
        // the nonce, so a wrong one changes every byte of the ciphertext.
        for seq in (65_530u16..=65_535).chain(0..6) {
            let (h, payload) = packet(seq, 0x1234_5678, 160);
            let hb = h.marshal().unwrap_or_else(|e| panic!("{e}"));
            let mut plain = hb.to_vec();
            plain.extend_from_slice(&payload);
            let expected = theirs
                .encrypt_rtp_with_header(&plain, &h)
                .unwrap_or_else(|e| panic!("{e}"));
            out.clear();
            assert!(ours.seal(&hb, &payload, &mut state, &mut out));
            assert_eq!(out, expected.to_vec(), "seq {seq}");
        }
    }

    #[test]
    fn opens_what_rtc_srtp_sealed_and_refuses_replays_and_tampering() {
        let ours = session();
        let mut theirs = rtc_context();
        let mut state = StreamIndex::default();
        let mut out = BytesMut::new();
        let mut sealed = Vec::new();
        for seq in (65_500u16..=65_535).chain(0..40) {
            let (h, payload) = packet(seq, 7, 100 + usize::from(seq % 50));
            let mut plain = h.marshal().unwrap_or_else(|e| panic!("{e}")).to_vec();
            plain.extend_from_slice(&payload);
            let s = theirs
                .encrypt_rtp_with_header(&plain, &h)
                .unwrap_or_else(|e| panic!("{e}"));
            ours.open(&s, 12, &mut state, &mut out)
                .unwrap_or_else(|e| panic!("seq {seq}: {e:?}"));
            assert_eq!(&out[..], &plain[..]);
            let mut b = &out[..];
            assert_eq!(
                rtp::Packet::unmarshal(&mut b)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .payload,
                payload
            );
            sealed.push(s.to_vec());
        }
        // The same packet again, and one older than the window: refused.
        let last = sealed.last().cloned().unwrap_or_default();
        assert_eq!(
            ours.open(&last, 12, &mut state, &mut out),
            Err(OpenError::Replayed)
        );
        assert_eq!(
            ours.open(&sealed[0], 12, &mut state, &mut out),
            Err(OpenError::Replayed)
        );
        // A flipped bit anywhere: refused, and the state is unchanged (the next one opens).
        let (h, payload) = packet(40, 7, 90);
        let mut plain = h.marshal().unwrap_or_else(|e| panic!("{e}")).to_vec();
        plain.extend_from_slice(&payload);
        let good = theirs
            .encrypt_rtp_with_header(&plain, &h)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_vec();
        for i in [1, 13, good.len() - 1] {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            assert!(
                ours.open(&bad, 12, &mut state, &mut out).is_err(),
                "byte {i}"
            );
        }
        assert!(ours.open(&good[..20], 12, &mut state, &mut out).is_err());
        assert_eq!(
            ours.open(&good[..5], 12, &mut state, &mut out),
            Err(OpenError::Malformed)
        );
        ours.open(&good, 12, &mut state, &mut out)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(&out[..], &plain[..]);
    }

    #[test]
    fn rtc_srtp_opens_what_we_sealed_late_and_out_of_order() {
        let ours = session();
        let mut theirs = rtc_context();
        let mut state = StreamIndex::default();
        let mut out = Vec::new();
        // Sealed in order, delivered with two swapped: both open (within the window).
        let mut sealed = Vec::new();
        for seq in 100u16..110 {
            let (h, payload) = packet(seq, 9, 60);
            let hb = h.marshal().unwrap_or_else(|e| panic!("{e}"));
            out.clear();
            assert!(ours.seal(&hb, &payload, &mut state, &mut out));
            sealed.push((out.clone(), payload));
        }
        sealed.swap(3, 4);
        for (s, payload) in sealed {
            let opened = theirs.decrypt_rtp(&s).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&opened[12..], &payload[..]);
        }
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(Session::new(&MASTER_KEY[..15], &MASTER_SALT).is_none());
        assert!(Session::new(&MASTER_KEY, &[0; 14]).is_none());
    }

    #[test]
    fn index_estimate_follows_rollovers_both_ways() {
        let mut s = StreamIndex::default();
        s.accept(65_535);
        assert_eq!(s.estimate(0), Some(1 << 16));
        s.accept(1 << 16);
        // A late packet from before the wrap keeps the old rollover counter.
        assert_eq!(s.estimate(65_534), Some(65_534));
        assert!(!s.replayed(65_534));
        assert!(s.replayed(65_535));
        // Far behind the highest (a source that restarted its numbering, sealed): noted
        // without a panic, and the window is unchanged.
        let mut far = StreamIndex::default();
        far.accept(1_000);
        far.accept(100);
        assert!(far.replayed(100) && !far.replayed(999));
        let fresh = StreamIndex::default();
        assert_eq!(fresh.estimate(5), Some(5));
        let mut early = StreamIndex::default();
        early.accept(10);
        // Before the first packet of the stream's first period: no index exists.
        assert_eq!(early.estimate(60_000), None);
    }
}
