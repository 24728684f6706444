//! Reads a page's OpenGraph tags (`og:title`, `og:description`, `og:image`, `og:site_name`,
//! with `<title>` and `<meta name="description">` as fallbacks) with `tl`, a small tolerant
//! HTML parser. Text only: entities decoded, whitespace collapsed, lengths capped.

use reqwest::Url;

/// What a page says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Page {
    pub title: Option<String>,
    pub description: Option<String>,
    pub site_name: Option<String>,
    /// Absolute http(s) URL of the image.
    pub image: Option<Url>,
    pub image_width: Option<u32>,
    pub image_height: Option<u32>,
}

impl Page {
    /// Whether there is anything to show.
    pub(crate) fn is_empty(&self) -> bool {
        self.title.is_none() && self.description.is_none() && self.image.is_none()
    }
}

const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const SITE_MAX: usize = 128;

/// Parses `html` fetched from `base` (relative image URLs resolve against it).
pub(crate) fn parse(html: &str, base: &Url) -> Page {
    let Ok(dom) = tl::parse(html, tl::ParserOptions::default()) else {
        return Page::default();
    };
    let parser = dom.parser();
    let mut page = Page::default();
    let mut fallback_description = None;
    let mut image = None;
    if let Some(metas) = dom.query_selector("meta") {
        for handle in metas {
            let Some(tag) = handle.get(parser).and_then(|n| n.as_tag()) else {
                continue;
            };
            let attrs = tag.attributes();
            let get = |k: &str| attrs.get(k).flatten().map(|v| v.as_utf8_str().into_owned());
            let key = get("property")
                .or_else(|| get("name"))
                .map(|k| k.to_ascii_lowercase());
            let (Some(key), Some(content)) = (key, get("content")) else {
                continue;
            };
            let slot = match key.as_str() {
                "og:title" => &mut page.title,
                "og:description" => &mut page.description,
                "og:site_name" => &mut page.site_name,
                "og:image" | "og:image:url" | "og:image:secure_url" => &mut image,
                "description" => &mut fallback_description,
                "og:image:width" => {
                    page.image_width = page
                        .image_width
                        .or(text(&content, 12).and_then(|t| t.parse().ok()));
                    continue;
                }
                "og:image:height" => {
                    page.image_height = page
                        .image_height
                        .or(text(&content, 12).and_then(|t| t.parse().ok()));
                    continue;
                }
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(content);
            }
        }
    }
    if page.title.is_none()
        && let Some(t) = dom.query_selector("title").and_then(|mut q| q.next())
        && let Some(node) = t.get(parser)
    {
        page.title = Some(node.inner_text(parser).into_owned());
    }
    page.title = page.title.and_then(|t| text(&t, TITLE_MAX));
    page.description = page
        .description
        .or(fallback_description)
        .and_then(|t| text(&t, DESCRIPTION_MAX));
    page.site_name = page.site_name.and_then(|t| text(&t, SITE_MAX));
    page.image = image
        .and_then(|i| text(&i, 2048))
        .and_then(|i| base.join(&i).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    page
}

/// Decoded, whitespace-collapsed, at most `max` characters; `None` when empty.
fn text(raw: &str, max: usize) -> Option<String> {
    let decoded = html_escape::decode_html_entities(raw);
    let mut out = String::new();
    for word in decoded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out: String = out.chars().filter(|c| !c.is_control()).collect();
    if out.is_empty() {
        return None;
    }
    if out.chars().count() > max {
        let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        return Some(cut);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/articles/1").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn reads_opengraph_tags() {
        let html = r#"<!doctype html><html><head>
            <title>Fallback</title>
            <meta property="og:title" content="The  Title &amp; more">
            <meta property="og:description" content="A description&#33;">
            <meta property="og:site_name" content="Example">
            <meta property="og:image" content="/img/cover.png">
            <meta property="og:image:width" content="640">
            <meta property="og:image:height" content="320">
            </head><body><p>hi</p></body></html>"#;
        let p = parse(html, &base());
        assert_eq!(p.title.as_deref(), Some("The Title & more"));
        assert_eq!(p.description.as_deref(), Some("A description!"));
        assert_eq!(p.site_name.as_deref(), Some("Example"));
        assert_eq!(
            p.image.as_ref().map(Url::as_str),
            Some("https://example.com/img/cover.png")
        );
        assert_eq!((p.image_width, p.image_height), (Some(640), Some(320)));
    }

    #[test]
    fn falls_back_to_title_and_meta_description() {
        let html = "<html><head><title>\n  Plain &lt;page&gt; </title>\
            <meta name=\"Description\" content=\"Said plainly\"></head></html>";
        let p = parse(html, &base());
        assert_eq!(p.title.as_deref(), Some("Plain <page>"));
        assert_eq!(p.description.as_deref(), Some("Said plainly"));
        assert!(p.image.is_none());
    }

    #[test]
    fn nothing_to_show_and_hostile_images() {
        let p = parse("<html><body>no head</body></html>", &base());
        assert!(p.is_empty());
        let p = parse(
            r#"<meta property="og:image" content="javascript:alert(1)"><meta property="og:title" content="x">"#,
            &base(),
        );
        assert!(p.image.is_none());
        assert_eq!(p.title.as_deref(), Some("x"));
        let long = format!(
            r#"<meta property="og:title" content="{}">"#,
            "a".repeat(1000)
        );
        let p = parse(&long, &base());
        assert_eq!(p.title.map(|t| t.chars().count()), Some(TITLE_MAX));
    }
}
