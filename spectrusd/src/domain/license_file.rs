//! Keygen's signed offline licence files, for air-gapped servers.
//!
//! A file is `-----BEGIN LICENSE FILE-----`, base64 of the JSON `{enc, sig, alg}`, and
//! `-----END LICENSE FILE-----`. `sig` is an Ed25519 signature (base64) over `license/` +
//! `enc`, made with the Keygen account's key. With `alg` `base64+ed25519`, `enc` is the
//! base64 of the licence JSON; with `aes-256-gcm+ed25519` it is `ciphertext.iv.tag` (each
//! base64), encrypted with AES-256-GCM under SHA-256 of the licence key. The licence JSON is
//! `{meta: {issued, expiry, ttl}, data: <the licence>, included}`.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;

use super::license::LicenseKey;
use super::time::parse_rfc3339;

const BEGIN: &str = "-----BEGIN LICENSE FILE-----";
const END: &str = "-----END LICENSE FILE-----";

/// How far in the future a file's `issued` may be (clocks differ a little).
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// Why a licence file is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum FileError {
    #[error("this is not a Keygen licence file: {0}")]
    Format(String),
    #[error(
        "no public key to check licence files with: set license.keygen_public_key \
         (SPECTRUS_KEYGEN_PUBLIC_KEY) to the Keygen account's Ed25519 public key (hex)"
    )]
    NoPublicKey,
    #[error("license.keygen_public_key is not a 64-digit hex Ed25519 key")]
    BadPublicKey,
    #[error(
        "the licence file's signature does not match: it was altered, or signed by another \
         Keygen account than license.keygen_public_key"
    )]
    BadSignature,
    #[error(
        "unsupported licence file algorithm {0:?} (expected base64+ed25519 or aes-256-gcm+ed25519)"
    )]
    Algorithm(String),
    #[error(
        "this licence file is encrypted: give its licence key (spectrusctl license import FILE --key KEY)"
    )]
    KeyNeeded,
    #[error("the licence file cannot be decrypted with this licence key")]
    Decrypt,
    #[error("the licence file was issued in the future ({0}); check this server's clock")]
    NotYetIssued(String),
    #[error("the licence file expired at {0}; ask the issuer for a fresh one")]
    FileExpired(String),
    #[error("the licence in this file expired at {0}")]
    LicenseExpired(String),
    #[error("the licence in this file is not active (status {0})")]
    Inactive(String),
}

/// A verified, decrypted licence file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LicenseFile {
    /// Keygen's id of the licence.
    pub license_id: Option<String>,
    /// The plan's name (the included policy's, else `metadata.plan`, else the licence's name).
    pub plan: Option<String>,
    /// When the licence expires.
    pub expiry_ms: Option<i64>,
    /// When the file was issued, and when it stops counting (`expiry`, else issued + ttl).
    pub issued_ms: i64,
    pub file_expiry_ms: Option<i64>,
    /// The licence's status (`ACTIVE`, `EXPIRING`, `SUSPENDED`, …).
    pub status: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    enc: String,
    sig: String,
    alg: String,
}

/// Checks a licence file's signature with `public_key_hex`, decrypts it when it is encrypted
/// (with `key`), and reads it. Nothing about time is checked here: see [`LicenseFile::check`].
pub(crate) fn open(
    text: &str,
    public_key_hex: Option<&str>,
    key: Option<&LicenseKey>,
) -> Result<LicenseFile, FileError> {
    let body = text.trim();
    let inner = body
        .strip_prefix(BEGIN)
        .and_then(|b| b.strip_suffix(END))
        .ok_or_else(|| {
            FileError::Format(format!("it must start with {BEGIN} and end with {END}"))
        })?;
    let joined: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    let json = STANDARD
        .decode(joined)
        .map_err(|_| FileError::Format("its body is not base64".into()))?;
    let env: Envelope = serde_json::from_slice(&json)
        .map_err(|_| FileError::Format("its body is not the JSON {enc, sig, alg}".into()))?;
    let public = public_key(public_key_hex)?;
    let sig = STANDARD
        .decode(&env.sig)
        .map_err(|_| FileError::BadSignature)?;
    let signed = format!("license/{}", env.enc);
    UnparsedPublicKey::new(&ED25519, &public)
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| FileError::BadSignature)?;
    let plain = match env.alg.as_str() {
        "base64+ed25519" => STANDARD
            .decode(&env.enc)
            .map_err(|_| FileError::Format("its enc is not base64".into()))?,
        "aes-256-gcm+ed25519" => decrypt(&env.enc, key.ok_or(FileError::KeyNeeded)?)?,
        other => return Err(FileError::Algorithm(other.to_owned())),
    };
    read_plain(&plain)
}

/// Reads the licence JSON found inside a file once its signature held (and, when it was
/// encrypted, once decrypted).
pub(crate) fn read_plain(plain: &[u8]) -> Result<LicenseFile, FileError> {
    let doc: Value = serde_json::from_slice(plain)
        .map_err(|_| FileError::Format("the licence inside is not JSON".into()))?;
    read(&doc)
}

/// The Ed25519 public key from its hex form.
fn public_key(digits: Option<&str>) -> Result<Vec<u8>, FileError> {
    let digits = digits.ok_or(FileError::NoPublicKey)?.trim();
    if digits.len() != 64 {
        return Err(FileError::BadPublicKey);
    }
    hex::decode(digits).map_err(|_| FileError::BadPublicKey)
}

/// `ciphertext.iv.tag` under AES-256-GCM with SHA-256(key).
fn decrypt(enc: &str, key: &LicenseKey) -> Result<Vec<u8>, FileError> {
    let parts: Vec<&str> = enc.split('.').collect();
    let [ct, iv, tag] = parts.as_slice() else {
        return Err(FileError::Format("its enc is not ciphertext.iv.tag".into()));
    };
    let b64 = |s: &str| {
        STANDARD
            .decode(s)
            .map_err(|_| FileError::Format("its enc parts are not base64".into()))
    };
    let (mut data, iv, tag) = (b64(ct)?, b64(iv)?, b64(tag)?);
    data.extend_from_slice(&tag);
    let aes_key = digest(&SHA256, key.expose().as_bytes());
    let unbound =
        UnboundKey::new(&AES_256_GCM, aes_key.as_ref()).map_err(|_| FileError::Decrypt)?;
    let nonce = Nonce::try_assume_unique_for_key(&iv)
        .map_err(|_| FileError::Format("its iv is not 12 bytes".into()))?;
    let plain = LessSafeKey::new(unbound)
        .open_in_place(nonce, Aad::empty(), &mut data)
        .map_err(|_| FileError::Decrypt)?;
    Ok(plain.to_vec())
}

/// Reads the licence JSON.
fn read(doc: &Value) -> Result<LicenseFile, FileError> {
    let meta = &doc["meta"];
    let time = |v: &Value| v.as_str().and_then(parse_rfc3339);
    let issued_ms = time(&meta["issued"])
        .ok_or_else(|| FileError::Format("meta.issued is missing or not a date".into()))?;
    let file_expiry_ms = time(&meta["expiry"]).or_else(|| {
        meta["ttl"]
            .as_i64()
            .map(|ttl| issued_ms.saturating_add(ttl.saturating_mul(1000)))
    });
    let data = &doc["data"];
    let attrs = &data["attributes"];
    let policy_name = doc["included"].as_array().and_then(|inc| {
        inc.iter()
            .find(|i| i["type"] == "policies")
            .and_then(|p| p["attributes"]["name"].as_str())
    });
    let plan = policy_name
        .or_else(|| attrs["metadata"]["plan"].as_str())
        .or_else(|| attrs["name"].as_str())
        .map(str::to_owned);
    Ok(LicenseFile {
        license_id: data["id"].as_str().map(str::to_owned),
        plan,
        expiry_ms: time(&attrs["expiry"]),
        issued_ms,
        file_expiry_ms,
        status: attrs["status"].as_str().map(str::to_owned),
    })
}

impl LicenseFile {
    /// Whether the file counts at `now`: issued, within its TTL, the licence not expired and
    /// not suspended or banned.
    pub(crate) fn check(&self, now: i64) -> Result<(), FileError> {
        use super::time::rfc3339;
        if self.issued_ms > now.saturating_add(CLOCK_SKEW_MS) {
            return Err(FileError::NotYetIssued(rfc3339(self.issued_ms)));
        }
        if let Some(e) = self.file_expiry_ms.filter(|e| now >= *e) {
            return Err(FileError::FileExpired(rfc3339(e)));
        }
        if let Some(e) = self.expiry_ms.filter(|e| now >= *e) {
            return Err(FileError::LicenseExpired(rfc3339(e)));
        }
        match self.status.as_deref() {
            Some(s @ ("SUSPENDED" | "BANNED" | "EXPIRED")) => Err(FileError::Inactive(s.into())),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

    use super::*;

    fn sign(pair: &Ed25519KeyPair, enc: &str, alg: &str) -> String {
        let sig = STANDARD.encode(pair.sign(format!("license/{enc}").as_bytes()).as_ref());
        let env = serde_json::json!({"enc": enc, "sig": sig, "alg": alg}).to_string();
        format!("{BEGIN}\n{}\n{END}\n", STANDARD.encode(env))
    }

    fn payload() -> String {
        serde_json::json!({
            "meta": {"issued": "2026-01-01T00:00:00Z", "expiry": "2026-02-01T00:00:00Z", "ttl": 2_678_400},
            "data": {"id": "lic-1", "type": "licenses", "attributes": {
                "name": "Night Owls", "expiry": "2027-01-01T00:00:00Z", "status": "ACTIVE",
                "metadata": {"plan": "Premium"}}},
            "included": []
        })
        .to_string()
    }

    #[test]
    fn a_public_key_of_64_bytes_that_is_not_ascii_is_refused_not_a_panic() {
        // 62 ASCII bytes and one two-byte character: 64 bytes, but slicing by byte pairs
        // would cut the character.
        let key = format!("{}é", "0".repeat(62));
        assert_eq!(key.len(), 64);
        assert!(matches!(
            public_key(Some(&key)),
            Err(FileError::BadPublicKey)
        ));
    }

    #[test]
    fn signed_files_open_and_tampered_ones_do_not() {
        let pair = Ed25519KeyPair::generate().unwrap();
        let pk = hex::encode(pair.public_key().as_ref());
        let enc = STANDARD.encode(payload());
        let file = sign(&pair, &enc, "base64+ed25519");
        let lf = open(&file, Some(&pk), None).unwrap();
        assert_eq!(lf.plan.as_deref(), Some("Premium"));
        assert_eq!(lf.license_id.as_deref(), Some("lic-1"));
        let jan15 = parse_rfc3339("2026-01-15T00:00:00Z").unwrap();
        lf.check(jan15).unwrap();
        let mar = parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        assert!(matches!(lf.check(mar), Err(FileError::FileExpired(_))));

        let other = Ed25519KeyPair::generate().unwrap();
        let forged = sign(&other, &enc, "base64+ed25519");
        assert_eq!(open(&forged, Some(&pk), None), Err(FileError::BadSignature));
        assert_eq!(open(&file, None, None), Err(FileError::NoPublicKey));
    }

    #[test]
    fn encrypted_files_need_their_key() {
        let pair = Ed25519KeyPair::generate().unwrap();
        let pk = hex::encode(pair.public_key().as_ref());
        let key = LicenseKey::parse("ABCD-EFGH-IJKL-MNOP").unwrap();
        let aes = digest(&SHA256, key.expose().as_bytes());
        let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, aes.as_ref()).unwrap());
        let mut iv = [0u8; 12];
        aws_lc_rs::rand::SecureRandom::fill(&SystemRandom::new(), &mut iv).unwrap();
        let mut data = payload().into_bytes();
        let tag = sealing
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut data)
            .unwrap();
        let enc = format!(
            "{}.{}.{}",
            STANDARD.encode(&data),
            STANDARD.encode(iv),
            STANDARD.encode(tag.as_ref())
        );
        let file = sign(&pair, &enc, "aes-256-gcm+ed25519");
        assert_eq!(open(&file, Some(&pk), None), Err(FileError::KeyNeeded));
        let wrong = LicenseKey::parse("WRONG-KEY-0000").unwrap();
        assert_eq!(
            open(&file, Some(&pk), Some(&wrong)),
            Err(FileError::Decrypt)
        );
        let lf = open(&file, Some(&pk), Some(&key)).unwrap();
        assert_eq!(lf.plan.as_deref(), Some("Premium"));
    }
}
