//! Where a stored image (avatar, server icon, custom emoji) is served: its name is its
//! SHA-256 in lower-case hex, `/api/v1/images/<sha256>.png` (an animated custom emoji:
//! `.gif`, and its first frame `<sha256 of the GIF>.still.png`) — unguessable, and cacheable
//! for ever. Made here, and recognised here.

/// What a stored image is: a PNG (avatars, icons, still emoji), an animated GIF (animated
/// emoji), or the still first frame of such a GIF, as PNG, named by the GIF's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Png,
    Gif,
    Still,
}

impl ImageKind {
    /// The file name's extension.
    pub(crate) fn ext(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Still => "still.png",
        }
    }

    /// The `Content-Type` it is served with.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            Self::Png | Self::Still => "image/png",
            Self::Gif => "image/gif",
        }
    }
}

/// The URL path of a stored PNG image.
pub(crate) fn url_of(sha256: &str) -> String {
    url_of_kind(sha256, ImageKind::Png)
}

/// The URL path of a stored image of `kind`.
pub(crate) fn url_of_kind(sha256: &str, kind: ImageKind) -> String {
    format!("/api/v1/images/{sha256}.{}", kind.ext())
}

/// Whether `u` names an image this server stores (`/api/v1/images/<64 hex>.png`).
pub(crate) fn is_own_image_url(u: &str) -> bool {
    u.strip_prefix("/api/v1/images/")
        .and_then(sha_of_name)
        .is_some()
}

/// The hash in a stored PNG image's file name (`<64 lower-case hex>.png`), if it is one.
pub(crate) fn sha_of_name(name: &str) -> Option<&str> {
    name.strip_suffix(".png").filter(|s| is_sha(s))
}

/// The hash and kind in a stored image's file name (`<64 lower-case hex>.png`, `.gif` or
/// `.still.png`).
pub(crate) fn parse_name(name: &str) -> Option<(&str, ImageKind)> {
    [ImageKind::Png, ImageKind::Gif, ImageKind::Still]
        .into_iter()
        .find_map(|k| {
            name.strip_suffix(k.ext())
                .and_then(|s| s.strip_suffix('.'))
                .filter(|s| is_sha(s))
                .map(|s| (s, k))
        })
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

    #[test]
    fn names_carry_their_kind() {
        let sha = "0123456789abcdef".repeat(4);
        assert_eq!(
            parse_name(&format!("{sha}.png")),
            Some((sha.as_str(), ImageKind::Png))
        );
        assert_eq!(
            parse_name(&format!("{sha}.gif")),
            Some((sha.as_str(), ImageKind::Gif))
        );
        assert_eq!(
            parse_name(&format!("{sha}.still.png")),
            Some((sha.as_str(), ImageKind::Still))
        );
        assert_eq!(
            url_of_kind(&sha, ImageKind::Gif),
            format!("/api/v1/images/{sha}.gif")
        );
        assert_eq!(
            url_of_kind(&sha, ImageKind::Still),
            format!("/api/v1/images/{sha}.still.png")
        );
        for bad in [
            format!("{sha}.still.gif"),
            format!("{sha}still.png"),
            format!("{sha}.still"),
            format!("{sha}.jpg"),
            format!("{sha}gif"),
            format!("{}.gif", sha.to_uppercase()),
            format!("{}.gif", &sha[1..]),
            "x.gif".to_owned(),
        ] {
            assert_eq!(parse_name(&bad), None, "{bad}");
        }
        // Avatars and icons are PNG only.
        assert!(!is_own_image_url(&url_of_kind(&sha, ImageKind::Gif)));
        assert!(!is_own_image_url(&url_of_kind(&sha, ImageKind::Still)));
        assert_eq!(sha_of_name(&format!("{sha}.still.png")), None);
    }
}
