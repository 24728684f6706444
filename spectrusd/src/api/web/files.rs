//! The client's files as built into the binary (`web/`, less the development tooling that
//! lives beside them), and which request paths may name one.

use rust_embed::RustEmbed;

/// `web/` without its dev-only parts (npm tooling, tests, type shims). In debug builds
/// rust-embed reads these from disk on every `get`, honouring the same excludes.
#[derive(RustEmbed)]
#[folder = "../web/"]
#[exclude = "node_modules/*"]
#[exclude = "tests/*"]
#[exclude = ".*"]
#[exclude = "package.json"]
#[exclude = "package-lock.json"]
#[exclude = "tsconfig.json"]
#[exclude = "*.d.ts"]
#[exclude = "*.d.mts"]
pub(super) struct Embedded;

/// One file: its bytes and the SHA-256 of them.
pub(crate) struct RawFile {
    pub path: String,
    pub data: Vec<u8>,
    pub sha256: [u8; 32],
}

/// Every embedded file (release builds: the copy in the binary).
pub(super) fn all() -> Vec<RawFile> {
    Embedded::iter()
        .filter_map(|path| {
            let file = Embedded::get(&path)?;
            Some(RawFile {
                path: path.into_owned(),
                sha256: file.metadata.sha256_hash(),
                data: file.data.into_owned(),
            })
        })
        .collect()
}

/// One file read now (debug builds: from disk).
pub(super) fn read(path: &str) -> Option<RawFile> {
    let file = Embedded::get(path)?;
    Some(RawFile {
        path: path.to_owned(),
        sha256: file.metadata.sha256_hash(),
        data: file.data.into_owned(),
    })
}

/// Whether `path` (relative, `/`-separated) may name a file: no empty, `.` or `..` segment,
/// no hidden segment, no backslash.
pub(super) fn is_safe(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && !seg.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(is_safe("app/main.js"));
        assert!(is_safe("sw.js"));
        for bad in [
            "",
            "/etc/passwd",
            "../Cargo.toml",
            "app/../../x",
            "a//b",
            ".npmrc",
            "a\\b",
        ] {
            assert!(!is_safe(bad), "{bad:?}");
        }
    }

    #[test]
    fn dev_tooling_is_not_served() {
        for hidden in [
            "package.json",
            "tsconfig.json",
            "vendor/preact.d.mts",
            "node_modules/preact/package.json",
        ] {
            assert!(read(hidden).is_none(), "{hidden} must not be served");
        }
    }
}
