//! Entry points for the fuzz targets (`fuzz/`, and their seed replay in
//! `spectrusd/tests/fuzz_replay.rs`): each hands bytes that someone outside controls (a
//! member's message, a search box, a plugin's manifest, a licence file) to one of the
//! parsers here. None may panic; the assertions state what every result must satisfy.

use super::{license, license_file, mentions, plugin_manifest, search};

/// Message content: the mentions it makes (each user and role at most once).
pub fn mentions(content: &str) {
    let users = mentions::parse_mentions(content);
    let roles = mentions::parse_role_mentions(content);
    let _ = mentions::broad_mention(content);
    for ids in [&users, &roles] {
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "an id listed twice");
    }
}

/// A search box's query, and the highlights of its terms in a message (the rest of the
/// input): ranges are sorted, disjoint and inside the message (in UTF-16 units).
pub fn search_query(data: &str) {
    let (query, content) = data.split_once('\n').unwrap_or((data, ""));
    let Ok(parsed) = search::parse(query) else {
        return;
    };
    if let Some(expr) = search::fts_expression(&parsed.terms) {
        assert!(!expr.is_empty());
    }
    let len: u32 = content.chars().map(|c| c.len_utf16() as u32).sum();
    let mut end = 0;
    for [a, b] in search::highlights(content, &parsed.terms) {
        assert!(a >= end && a < b && b <= len, "range {a}..{b} of {len}");
        end = b;
    }
}

/// A plugin manifest as fetched from its repository.
pub fn plugin_manifest(bytes: &[u8]) {
    if let Ok(manifest) = plugin_manifest::parse(bytes) {
        assert!(!manifest.id.is_empty(), "a manifest without an id");
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = plugin_manifest::Source::parse(text);
    }
}

/// A fixed Ed25519 public key (no one holds its private half) for the envelope checks.
const PUBLIC_KEY_HEX: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/// A licence file as an operator installs it: the envelope (armour, base64, JSON, the
/// signature), and the licence document inside it, which only a signed file reaches.
pub fn license_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = license::LicenseKey::parse("KEY-FUZZ-0000-0000").ok();
    let _ = license_file::open(text, Some(PUBLIC_KEY_HEX), key.as_ref());
    let _ = license_file::open(text, Some(text), None);
    if let Ok(file) = license_file::read_plain(data) {
        let _ = file.check(0);
        let _ = file.check(i64::MAX);
        let _ = file.check(i64::MIN);
    }
}
