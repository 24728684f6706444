//! Attachment rules that need no I/O: file-name sanitising, signed URLs, how a content type
//! is served (inline or as a download) and the `Content-Disposition` header.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;
use spectrus_proto::Id;

type HmacSha256 = Hmac<Sha256>;

/// Longest file name kept, in characters (the extension survives the cut).
const MAX_FILENAME_CHARS: usize = 128;

/// A signed URL stays valid at least this long (and at most an hour more: the expiry is
/// rounded up to the hour so a message's URLs stay the same, and cacheable, for an hour).
pub(crate) const SIGNED_URL_TTL_SECS: u64 = 24 * 3600;

/// The name a file is stored and served under: the last path component, without control
/// characters or characters file systems and headers choke on, at most 128 characters,
/// never empty or hidden (`file` then).
pub(crate) fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "file".into();
    }
    if trimmed.chars().count() <= MAX_FILENAME_CHARS {
        return trimmed.to_owned();
    }
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 16 => (s, Some(e)),
        _ => (trimmed, None),
    };
    let room = MAX_FILENAME_CHARS - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    match ext {
        Some(e) => format!("{stem}.{e}"),
        None => stem,
    }
}

/// Whether a browser should show this type in place (images, audio, video) rather than
/// download it. SVG is never inline: it can carry script.
pub(crate) fn is_inline(content_type: &str) -> bool {
    (content_type.starts_with("image/") && content_type != "image/svg+xml")
        || content_type.starts_with("audio/")
        || content_type.starts_with("video/")
}

/// Characters percent-encoded in the path segment and in `filename*`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The file name as a URL path segment.
pub(crate) fn path_segment(filename: &str) -> String {
    utf8_percent_encode(filename, SEGMENT).to_string()
}

/// `Content-Disposition` (RFC 6266): inline or attachment, an ASCII fallback name and the
/// exact name as `filename*`.
pub(crate) fn content_disposition(inline: bool, filename: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(filename, SEGMENT)
    )
}

/// Signs and checks attachment URLs (`?ex=&sig=`): HMAC-SHA256 over the attachment id and
/// the expiry, with a key derived from the server secret.
pub(crate) struct UrlSigner {
    key: Vec<u8>,
}

impl UrlSigner {
    /// A signer whose key is derived from `secret` (the JWT secret), so the two never share
    /// a key.
    pub(crate) fn new(secret: &[u8]) -> UrlSigner {
        UrlSigner {
            key: mac(secret, b"spectrus attachment urls v1"),
        }
    }

    fn sig(&self, id: Id, expires: u64) -> Vec<u8> {
        mac(&self.key, format!("{}:{expires}", id.0).as_bytes())
    }

    /// The query string (`ex=…&sig=…`) that lets anyone holding it fetch attachment `id`
    /// until about a day after `now_secs`.
    pub(crate) fn query(&self, id: Id, now_secs: u64) -> String {
        let ex = (now_secs + SIGNED_URL_TTL_SECS).div_ceil(3600) * 3600;
        format!("ex={ex}&sig={}", hex::encode(self.sig(id, ex)))
    }

    /// Whether `sig` signs `id` until `expires` and that time has not passed.
    pub(crate) fn verify(&self, id: Id, expires: u64, sig: &str, now_secs: u64) -> bool {
        if expires < now_secs {
            return false;
        }
        let Some(given) = decode_sig(sig) else {
            return false;
        };
        let Ok(mut m) = HmacSha256::new_from_slice(&self.key) else {
            return false;
        };
        m.update(format!("{}:{expires}", id.0).as_bytes());
        m.verify_slice(&given).is_ok()
    }
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length.
        Err(_) => Vec::new(),
    }
}

/// A signature given in hex: at most 64 bytes (512 bits), anything else is no signature.
pub(crate) fn decode_sig(s: &str) -> Option<Vec<u8>> {
    if s.len() > 128 {
        return None;
    }
    hex::decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_and_dangerous_characters() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\x\\a\"b.png"), "a_b.png");
        assert_eq!(sanitize_filename(".bashrc"), "bashrc");
        assert_eq!(sanitize_filename("a\r\nb.txt"), "a__b.txt");
        assert_eq!(sanitize_filename(""), "file");
        assert_eq!(sanitize_filename("..."), "file");
        assert_eq!(sanitize_filename("été.jpg"), "été.jpg");
        let long = format!("{}.png", "x".repeat(300));
        let s = sanitize_filename(&long);
        assert_eq!(s.chars().count(), 128);
        assert!(s.ends_with(".png"));
    }

    #[test]
    fn disposition_has_an_ascii_name_and_the_exact_one() {
        assert_eq!(
            content_disposition(false, "résumé \"x\".pdf"),
            "attachment; filename=\"r_sum_ _x_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22x%22.pdf"
        );
        assert!(content_disposition(true, "a.png").starts_with("inline;"));
    }

    #[test]
    fn only_media_is_inline() {
        assert!(is_inline("image/png"));
        assert!(is_inline("video/mp4"));
        assert!(!is_inline("image/svg+xml"));
        assert!(!is_inline("text/html"));
        assert!(!is_inline("application/octet-stream"));
    }

    #[test]
    fn signed_urls_verify_until_they_expire_and_not_when_tampered() {
        let s = UrlSigner::new(b"0123456789abcdef0123456789abcdef");
        let now = 1_800_000_000;
        let q = s.query(Id(42), now);
        let (ex, sig) = q
            .strip_prefix("ex=")
            .and_then(|r| r.split_once("&sig="))
            .unwrap_or_default();
        let ex: u64 = ex.parse().unwrap_or_default();
        assert!(ex >= now + SIGNED_URL_TTL_SECS && ex < now + SIGNED_URL_TTL_SECS + 3600);
        assert!(s.verify(Id(42), ex, sig, now));
        assert!(!s.verify(Id(43), ex, sig, now));
        assert!(!s.verify(Id(42), ex + 1, sig, now));
        assert!(!s.verify(Id(42), ex, sig, ex + 1));
        assert!(!s.verify(Id(42), ex, "zz", now));
        let other = UrlSigner::new(b"another secret, 32 bytes at least");
        assert!(!other.verify(Id(42), ex, sig, now));
    }
}
