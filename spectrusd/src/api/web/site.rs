//! The client's files ready to serve: the build id, each file's type, ETag and compressed
//! forms. Built once at startup; release builds keep every file, debug builds re-read disk.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use super::encoding::{self, Effort, Encoding};
use super::files::{self, RawFile};

/// The placeholder in `index.html` and `sw.js` that is replaced by the build id.
pub(super) const PLACEHOLDER: &str = "__BUILD__";
/// The build id of files read from disk (debug builds).
pub(super) const DEV_BUILD: &str = "dev";
/// Files whose `__BUILD__` placeholders are replaced.
const TEMPLATED: &[&str] = &["index.html", "sw.js"];

/// The web client as served.
pub(crate) struct Site {
    build_id: String,
    source: Source,
    /// Whether the voice probe ([`PROBE_FILES`]) is served.
    probe: bool,
}

/// The voice interop probe's files: a test page, not part of the client.
const PROBE_FILES: &[&str] = &["voice-test.html", "voice-test.js"];

enum Source {
    /// Files fixed at startup (release builds; tests), served with long caching.
    Fixed(HashMap<String, Arc<File>>),
    /// Files read from disk on each request (debug builds), never cached by browsers.
    Live,
}

/// One file ready to serve.
pub(crate) struct File {
    pub body: Bytes,
    pub mime: &'static str,
    /// Strong validator: a hash of the served bytes.
    pub etag: String,
    effort: Effort,
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

impl File {
    fn new(path: &str, body: Vec<u8>, effort: Effort) -> File {
        let etag = format!("\"{}\"", short_hex(&Sha256::digest(&body), 16));
        File {
            body: Bytes::from(body),
            mime: mime_of(path),
            etag,
            effort,
            brotli: OnceLock::new(),
            gzip: OnceLock::new(),
        }
    }

    /// Whether the body may be sent compressed.
    pub(crate) fn compressible(&self) -> bool {
        encoding::compressible(self.mime)
    }

    /// The body encoded with `enc`, compressed on first use and kept; `None` when
    /// compression would not make it smaller.
    pub(crate) fn encoded(&self, enc: Encoding) -> Option<Bytes> {
        let cell = match enc {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
        };
        cell.get_or_init(|| {
            let packed = encoding::compress(&self.body, enc, self.effort);
            (packed.len() < self.body.len()).then(|| Bytes::from(packed))
        })
        .clone()
    }

    /// Whether the compressed form of `enc` is ready (no work to do before answering).
    pub(crate) fn is_encoded(&self, enc: Encoding) -> bool {
        match enc {
            Encoding::Brotli => self.brotli.get().is_some(),
            Encoding::Gzip => self.gzip.get().is_some(),
        }
    }
}

impl Site {
    /// The client built into this binary: in release builds every file is loaded now and
    /// the build id hashes them; debug builds read from disk per request under id `dev`.
    pub(crate) fn embedded() -> Site {
        if cfg!(debug_assertions) {
            Site {
                build_id: DEV_BUILD.to_owned(),
                source: Source::Live,
                probe: false,
            }
        } else {
            Site::fixed(files::all())
        }
    }

    /// A site over these files, kept in memory, with a build id hashed from their contents.
    pub(crate) fn fixed(mut raw: Vec<RawFile>) -> Site {
        raw.sort_by(|a, b| a.path.cmp(&b.path));
        let mut hasher = Sha256::new();
        for f in &raw {
            hasher.update(f.path.as_bytes());
            hasher.update([0]);
            hasher.update(f.sha256);
        }
        let build_id = short_hex(&hasher.finalize(), 12);
        let files = raw
            .into_iter()
            .map(|f| {
                let body = templated(&f.path, f.data, &build_id);
                let file = File::new(&f.path, body, Effort::Max);
                (f.path, Arc::new(file))
            })
            .collect();
        Site {
            build_id,
            source: Source::Fixed(files),
            probe: false,
        }
    }

    /// The same site, serving the voice probe or not (not by default).
    pub(crate) fn with_probe(mut self, probe: bool) -> Site {
        self.probe = probe;
        self
    }

    /// Compresses every fixed file in both encodings now (a no-op when serving from disk),
    /// so the first visitors after a start do not wait for brotli's highest quality.
    pub(crate) fn precompress(&self) {
        if let Source::Fixed(map) = &self.source {
            for file in map.values().filter(|f| f.compressible()) {
                file.encoded(Encoding::Brotli);
                file.encoded(Encoding::Gzip);
            }
        }
    }

    /// The build id in asset URLs (`/assets/<build-id>/...`).
    pub(crate) fn build_id(&self) -> &str {
        &self.build_id
    }

    /// Whether versioned asset URLs may be cached forever (false when serving from disk).
    pub(crate) fn immutable(&self) -> bool {
        matches!(self.source, Source::Fixed(_))
    }

    /// The file at `path` (relative to `web/`), if there is one and the path is acceptable.
    pub(crate) fn file(&self, path: &str) -> Option<Arc<File>> {
        if !files::is_safe(path) || (!self.probe && PROBE_FILES.contains(&path)) {
            return None;
        }
        match &self.source {
            Source::Fixed(map) => map.get(path).cloned(),
            Source::Live => {
                let raw = files::read(path)?;
                let body = templated(path, raw.data, &self.build_id);
                Some(Arc::new(File::new(path, body, Effort::Fast)))
            }
        }
    }
}

/// `data` with the build id in place of [`PLACEHOLDER`] for the files that carry it.
fn templated(path: &str, data: Vec<u8>, build_id: &str) -> Vec<u8> {
    if !TEMPLATED.contains(&path) {
        return data;
    }
    match String::from_utf8(data) {
        Ok(text) => text.replace(PLACEHOLDER, build_id).into_bytes(),
        Err(e) => e.into_bytes(),
    }
}

/// The first `chars` hex digits of `digest`.
fn short_hex(digest: &[u8], chars: usize) -> String {
    let mut s = hex::encode(digest);
    s.truncate(chars);
    s
}

/// The `Content-Type` of a file, by extension (text types in UTF-8).
fn mime_of(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "" => "text/plain; charset=utf-8",
        other => mime_guess::from_ext(other)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(path: &str, data: &str) -> RawFile {
        RawFile {
            path: path.into(),
            data: data.as_bytes().to_vec(),
            sha256: Sha256::digest(data.as_bytes()).into(),
        }
    }

    #[test]
    fn build_id_follows_the_contents_and_replaces_the_placeholder() {
        let a = Site::fixed(vec![
            raw(
                "index.html",
                "<script src=\"/assets/__BUILD__/app/main.js\">",
            ),
            raw("app/main.js", "1"),
        ]);
        let b = Site::fixed(vec![
            raw("app/main.js", "1"),
            raw(
                "index.html",
                "<script src=\"/assets/__BUILD__/app/main.js\">",
            ),
        ]);
        let c = Site::fixed(vec![
            raw(
                "index.html",
                "<script src=\"/assets/__BUILD__/app/main.js\">",
            ),
            raw("app/main.js", "2"),
        ]);
        assert_eq!(a.build_id(), b.build_id(), "order does not matter");
        assert_ne!(a.build_id(), c.build_id(), "contents do");
        assert_eq!(a.build_id().len(), 12);
        let index = a.file("index.html").unwrap();
        let text = std::str::from_utf8(&index.body).unwrap();
        assert_eq!(
            text,
            format!("<script src=\"/assets/{}/app/main.js\">", a.build_id())
        );
        assert!(a.immutable());
        assert!(a.file("../index.html").is_none());
    }

    #[test]
    fn compressed_forms_are_kept() {
        let site = Site::fixed(vec![raw("app/a.js", &"let a = 1;\n".repeat(100))]);
        let f = site.file("app/a.js").unwrap();
        assert!(f.compressible());
        assert!(!f.is_encoded(Encoding::Brotli));
        let br = f.encoded(Encoding::Brotli).unwrap();
        assert!(br.len() < f.body.len());
        assert!(f.is_encoded(Encoding::Brotli));
        assert!(!f.is_encoded(Encoding::Gzip));
        site.precompress();
        assert!(f.is_encoded(Encoding::Gzip));
    }
}
