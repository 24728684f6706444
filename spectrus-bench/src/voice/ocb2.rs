//! Mumble 1.3's UDP encryption: OCB2 with AES-128 and a 4-byte header (the low byte of the
//! nonce and the first 3 bytes of the tag), as `CryptState` in Mumble's source does it.

use aes::Aes128;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

type Block = [u8; 16];

fn xor(a: &Block, b: &Block) -> Block {
    let mut o = [0u8; 16];
    for i in 0..16 {
        o[i] = a[i] ^ b[i];
    }
    o
}

/// Multiply by x in GF(2^128) (Mumble's `S2`).
fn s2(b: &mut Block) {
    let carry = b[0] >> 7;
    for i in 0..15 {
        b[i] = (b[i] << 1) | (b[i + 1] >> 7);
    }
    b[15] = (b[15] << 1) ^ (carry * 0x87);
}

/// Multiply by x + 1 (Mumble's `S3`).
fn s3(b: &mut Block) {
    let mut t = *b;
    s2(&mut t);
    *b = xor(b, &t);
}

/// One direction's keys and nonces of a Mumble connection.
pub(crate) struct CryptState {
    aes: Aes128,
    encrypt_iv: Block,
    decrypt_iv: Block,
}

impl CryptState {
    /// From a `CryptSetup`: the key, the client's nonce (ours to encrypt) and the server's.
    pub(crate) fn new(key: &[u8], client_nonce: &[u8], server_nonce: &[u8]) -> Option<Self> {
        Some(Self {
            aes: Aes128::new_from_slice(key).ok()?,
            encrypt_iv: client_nonce.try_into().ok()?,
            decrypt_iv: server_nonce.try_into().ok()?,
        })
    }

    fn enc(&self, b: &Block) -> Block {
        let mut g = GenericArray::clone_from_slice(b);
        self.aes.encrypt_block(&mut g);
        g.into()
    }

    fn dec(&self, b: &Block) -> Block {
        let mut g = GenericArray::clone_from_slice(b);
        self.aes.decrypt_block(&mut g);
        g.into()
    }

    /// Encrypt `plain` into a datagram.
    pub(crate) fn encrypt(&mut self, plain: &[u8]) -> Vec<u8> {
        for i in 0..16 {
            self.encrypt_iv[i] = self.encrypt_iv[i].wrapping_add(1);
            if self.encrypt_iv[i] != 0 {
                break;
            }
        }
        let mut out = vec![0u8; plain.len() + 4];
        let tag = self.ocb_encrypt(plain, &mut out[4..], &self.encrypt_iv.clone());
        out[0] = self.encrypt_iv[0];
        out[1..4].copy_from_slice(&tag[..3]);
        out
    }

    fn ocb_encrypt(&self, plain: &[u8], out: &mut [u8], nonce: &Block) -> Block {
        let mut delta = self.enc(nonce);
        let mut checksum = [0u8; 16];
        let mut off = 0;
        let mut len = plain.len();
        while len > 16 {
            s2(&mut delta);
            let mut p = [0u8; 16];
            p.copy_from_slice(&plain[off..off + 16]);
            let t = self.enc(&xor(&delta, &p));
            out[off..off + 16].copy_from_slice(&xor(&delta, &t));
            checksum = xor(&checksum, &p);
            off += 16;
            len -= 16;
        }
        s2(&mut delta);
        let mut t = [0u8; 16];
        t[15] = (len * 8) as u8;
        let pad = self.enc(&xor(&t, &delta));
        let mut t = pad;
        t[..len].copy_from_slice(&plain[off..]);
        checksum = xor(&checksum, &t);
        let t = xor(&t, &pad);
        out[off..].copy_from_slice(&t[..len]);
        s3(&mut delta);
        self.enc(&xor(&delta, &checksum))
    }

    fn ocb_decrypt(&self, enc: &[u8], out: &mut [u8], nonce: &Block) -> Block {
        let mut delta = self.enc(nonce);
        let mut checksum = [0u8; 16];
        let mut off = 0;
        let mut len = enc.len();
        while len > 16 {
            s2(&mut delta);
            let mut c = [0u8; 16];
            c.copy_from_slice(&enc[off..off + 16]);
            let t = self.dec(&xor(&delta, &c));
            let p = xor(&delta, &t);
            out[off..off + 16].copy_from_slice(&p);
            checksum = xor(&checksum, &p);
            off += 16;
            len -= 16;
        }
        s2(&mut delta);
        let mut t = [0u8; 16];
        t[15] = (len * 8) as u8;
        let pad = self.enc(&xor(&t, &delta));
        let mut t = [0u8; 16];
        t[..len].copy_from_slice(&enc[off..]);
        let t = xor(&t, &pad);
        checksum = xor(&checksum, &t);
        out[off..].copy_from_slice(&t[..len]);
        s3(&mut delta);
        self.enc(&xor(&delta, &checksum))
    }

    /// Decrypt a datagram from the server; `None` if it does not authenticate.
    pub(crate) fn decrypt(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        if data.len() < 4 {
            return None;
        }
        let saved = self.decrypt_iv;
        let ivbyte = data[0];
        let cur = self.decrypt_iv[0];
        let diff = ivbyte.wrapping_sub(cur) as i8;
        let mut late = false;
        if diff == 0 {
            return None;
        } else if diff > 0 {
            self.decrypt_iv[0] = ivbyte;
            if ivbyte < cur {
                for i in 1..16 {
                    self.decrypt_iv[i] = self.decrypt_iv[i].wrapping_add(1);
                    if self.decrypt_iv[i] != 0 {
                        break;
                    }
                }
            }
        } else {
            late = true;
            self.decrypt_iv[0] = ivbyte;
            if ivbyte > cur {
                for i in 1..16 {
                    let was = self.decrypt_iv[i];
                    self.decrypt_iv[i] = was.wrapping_sub(1);
                    if was != 0 {
                        break;
                    }
                }
            }
        }
        let mut plain = vec![0u8; data.len() - 4];
        let nonce = self.decrypt_iv;
        let tag = self.ocb_decrypt(&data[4..], &mut plain, &nonce);
        if tag[..3] != data[1..4] {
            self.decrypt_iv = saved;
            return None;
        }
        if late {
            self.decrypt_iv = saved;
        }
        Some(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OCB2-AES128 vectors Mumble's own tests use (key = nonce = 00..0f).
    #[test]
    fn ocb2_test_vectors() {
        let k: Block = std::array::from_fn(|i| i as u8);
        let cs = CryptState::new(&k, &k, &k).unwrap_or_else(|| unreachable!());
        let tag = cs.ocb_encrypt(&[], &mut [], &k);
        assert_eq!(
            tag,
            [
                0xBF, 0x31, 0x08, 0x13, 0x07, 0x73, 0xAD, 0x5E, 0xC7, 0x0E, 0xC6, 0x9E, 0x78, 0x75,
                0xA7, 0xB0
            ]
        );
        let plain: Vec<u8> = (0..40).collect();
        let mut out = vec![0u8; 40];
        let tag = cs.ocb_encrypt(&plain, &mut out, &k);
        assert_eq!(
            tag,
            [
                0x9D, 0xB0, 0xCD, 0xF8, 0x80, 0xF7, 0x3E, 0x3E, 0x10, 0xD4, 0xEB, 0x32, 0x17, 0x76,
                0x66, 0x88
            ]
        );
        assert_eq!(&out[..4], &[0xF7, 0x5D, 0x6B, 0xC8]);
    }

    #[test]
    fn roundtrip_between_two_ends() {
        let key = [7u8; 16];
        let (cn, sn) = ([1u8; 16], [2u8; 16]);
        let mut client = CryptState::new(&key, &cn, &sn).unwrap_or_else(|| unreachable!());
        // The server's view: it encrypts with the server nonce and decrypts with the client's.
        let mut server = CryptState::new(&key, &sn, &cn).unwrap_or_else(|| unreachable!());
        for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 100] {
            let msg: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(31) | 1).collect();
            let d = client.encrypt(&msg);
            assert_eq!(server.decrypt(&d).as_deref(), Some(&msg[..]));
            let d = server.encrypt(&msg);
            assert_eq!(client.decrypt(&d).as_deref(), Some(&msg[..]));
        }
        let mut d = client.encrypt(b"hello mumble");
        d[6] ^= 1;
        assert!(server.decrypt(&d).is_none());
    }
}
