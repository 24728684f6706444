//! Which link of a message is previewed: the first bare `http(s)://` URL (one written in
//! `<…>` is not previewed, as in Discord).

use reqwest::Url;

/// The first previewable link in `content`.
pub(crate) fn first_link(content: &str) -> Option<Url> {
    let mut rest = content;
    let mut offset = 0;
    while let Some(i) = find_scheme(rest) {
        let start = offset + i;
        let tail = &content[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
            .unwrap_or(tail.len());
        let mut raw = &tail[..end];
        // Trailing punctuation belongs to the sentence, not the link.
        while let Some(last) = raw.chars().last() {
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ')' | ']') {
                raw = &raw[..raw.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        let suppressed = content[..start].ends_with('<') && tail[end..].starts_with('>');
        if !suppressed
            && let Ok(url) = Url::parse(raw)
            && matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
        {
            return Some(url);
        }
        offset = start + end.max(1);
        rest = &content[offset..];
    }
    None
}

fn find_scheme(s: &str) -> Option<usize> {
    let a = s.find("http://");
    let b = s.find("https://");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(s: &str) -> Option<String> {
        first_link(s).map(|u| u.to_string())
    }

    #[test]
    fn finds_the_first_bare_link() {
        assert_eq!(
            first("see https://example.com/a?b=1. and http://x.org"),
            Some("https://example.com/a?b=1".into())
        );
        assert_eq!(first("(http://x.org/p)"), Some("http://x.org/p".into()));
        assert_eq!(first("no links here"), None);
        assert_eq!(first("ftp://x.org file://etc/passwd"), None);
    }

    #[test]
    fn angle_brackets_suppress() {
        assert_eq!(first("<https://a.example/> only"), None);
        assert_eq!(
            first("<https://a.example/> then https://b.example/"),
            Some("https://b.example/".into())
        );
    }
}
