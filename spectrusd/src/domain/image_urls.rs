//! Where a stored image (avatar, server icon, custom emoji) is served: its name is its
//! SHA-256 in lower-case hex, `/api/v1/images/<sha256>.png` — unguessable, and cacheable
//! for ever. Made here, and recognised here.

/// The URL path of a stored image.
pub(crate) fn url_of(sha256: &str) -> String {
    format!("/api/v1/images/{sha256}.png")
}

/// Whether `u` names an image this server stores (`/api/v1/images/<64 hex>.png`).
pub(crate) fn is_own_image_url(u: &str) -> bool {
    u.strip_prefix("/api/v1/images/")
        .and_then(sha_of_name)
        .is_some()
}

/// The hash in a stored image's file name (`<64 lower-case hex>.png`), if it is one.
pub(crate) fn sha_of_name(name: &str) -> Option<&str> {
    name.strip_suffix(".png").filter(|s| is_sha(s))
}

fn is_sha(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_image_urls_are_recognised_and_nothing_else() {
        let sha = "0123456789abcdef".repeat(4);
        assert!(is_own_image_url(&url_of(&sha)));
        assert_eq!(sha_of_name(&format!("{sha}.png")), Some(sha.as_str()));
        for bad in [
            format!("/api/v1/images/{}.png", sha.to_uppercase()),
            format!("/api/v1/images/{}.png", &sha[1..]),
            format!("/api/v1/images/{sha}.jpg"),
            format!("/api/v1/images/../{sha}.png"),
            format!("https://example.com/api/v1/images/{sha}.png"),
        ] {
            assert!(!is_own_image_url(&bad), "{bad}");
        }
        assert_eq!(sha_of_name("x.png"), None);
    }
}
