//! Content negotiation (`Accept-Encoding`) and the two compressions the client is sent with.

use std::io::Write;

/// A body encoding the daemon can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// How hard to compress: `Max` for files compressed once and kept (release builds), `Fast`
/// for files compressed on every request (debug builds read files from disk each time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Effort {
    Max,
    Fast,
}

/// The preferred encoding the client accepts: brotli, then gzip, else none. A coding with
/// `q=0` is refused; `*` stands for both.
pub(super) fn negotiate(accept_encoding: &str) -> Option<Encoding> {
    let mut br = None;
    let mut gzip = None;
    let mut any = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let accepted = q > 0.0;
        match name.as_str() {
            "br" => br = Some(accepted),
            "gzip" | "x-gzip" => gzip = Some(accepted),
            "*" => any = Some(accepted),
            _ => {}
        }
    }
    if br.or(any) == Some(true) {
        Some(Encoding::Brotli)
    } else if gzip.or(any) == Some(true) {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// Whether a file of this MIME type is worth compressing (text; images and fonts are
/// compressed already).
pub(super) fn compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.starts_with("application/javascript")
        || mime.starts_with("application/json")
        || mime.starts_with("application/manifest+json")
        || mime.starts_with("image/svg+xml")
}

/// `data` compressed with `enc`.
pub(super) fn compress(data: &[u8], enc: Encoding, effort: Effort) -> Vec<u8> {
    match enc {
        Encoding::Brotli => {
            let quality = match effort {
                Effort::Max => 11,
                Effort::Fast => 5,
            };
            let mut out = Vec::with_capacity(data.len() / 3);
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
                // Writing into a Vec cannot fail.
                let _ = w.write_all(data);
            }
            out
        }
        Encoding::Gzip => {
            let level = match effort {
                Effort::Max => flate2::Compression::best(),
                Effort::Fast => flate2::Compression::fast(),
            };
            let mut w = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), level);
            let _ = w.write_all(data);
            w.finish().unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn prefers_brotli_then_gzip_and_honours_q0() {
        assert_eq!(negotiate("gzip, deflate, br, zstd"), Some(Encoding::Brotli));
        assert_eq!(negotiate("gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("br;q=0, gzip;q=0.5"), Some(Encoding::Gzip));
        assert_eq!(negotiate("*"), Some(Encoding::Brotli));
        assert_eq!(negotiate("*;q=0"), None);
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn both_encodings_round_trip() {
        let text = "export const x = 1;\n".repeat(200);
        for effort in [Effort::Max, Effort::Fast] {
            let br = compress(text.as_bytes(), Encoding::Brotli, effort);
            let mut back = String::new();
            brotli::Decompressor::new(&br[..], 4096)
                .read_to_string(&mut back)
                .unwrap();
            assert_eq!(back, text);
            let gz = compress(text.as_bytes(), Encoding::Gzip, effort);
            let mut back = String::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_string(&mut back)
                .unwrap();
            assert_eq!(back, text);
            assert!(br.len() < text.len() / 10 && gz.len() < text.len() / 10);
        }
    }
}
