//! The markdown subset the browser client renders, parsed for the terminal: bold, italic,
//! strike, inline code, code blocks, quotes, spoilers, links, and the mentions `<@id>`,
//! `<@&id>`, `<#id>`, `@everyone`/`@here`. Pure: the message view turns segments into
//! ratatui styles.

use spectrus_proto::Id;

/// Text styles a segment carries (they nest: `**bold _and italic_**`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub code: bool,
    /// Inside a ``` fenced block.
    pub code_block: bool,
    pub spoiler: bool,
    /// On a `> ` quote line.
    pub quote: bool,
}

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// An `http(s)://` link (the text is the URL).
    Link,
    User(Id),
    Role(Id),
    Channel(Id),
    /// `@everyone` or `@here`.
    Everyone,
    /// The `▎ ` shown before a quote line.
    QuoteBar,
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub marks: Marks,
    pub kind: Kind,
}

/// Parses message content; lines are joined by `'\n'` segments.
pub fn parse(content: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (n, line) in content.split('\n').enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            // The fence line itself shows nothing (its language tag is dropped).
            continue;
        }
        if n > 0 && !out.is_empty() {
            push(&mut out, "\n", Marks::default(), Kind::Text);
        }
        if in_fence {
            let marks = Marks {
                code_block: true,
                ..Marks::default()
            };
            push(&mut out, line, marks, Kind::Text);
            continue;
        }
        let (marks, body) = match line.strip_prefix("> ") {
            Some(rest) => {
                push(&mut out, "▎ ", Marks::default(), Kind::QuoteBar);
                (
                    Marks {
                        quote: true,
                        ..Marks::default()
                    },
                    rest,
                )
            }
            None => (Marks::default(), line),
        };
        inline(body, marks, &mut out, 0);
    }
    out
}

fn push(out: &mut Vec<Segment>, text: &str, marks: Marks, kind: Kind) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = out.last_mut()
        && last.marks == marks
        && last.kind == Kind::Text
        && kind == Kind::Text
    {
        last.text.push_str(text);
        return;
    }
    out.push(Segment {
        text: text.to_owned(),
        marks,
        kind,
    });
}

/// Where a delimited span `open … close` starting at `i` ends: (inner end, after close).
fn closing(s: &str, i: usize, open: &str, close: &str) -> Option<(usize, usize)> {
    let start = i + open.len();
    let rel = s.get(start..)?.find(close)?;
    if rel == 0 {
        return None;
    }
    Some((start + rel, start + rel + close.len()))
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// `<@id>`, `<@&id>`, `<#id>` at the start of `s`: the kind and the length.
fn tag(s: &str) -> Option<(Kind, usize)> {
    let (make, skip): (fn(Id) -> Kind, usize) = if s.starts_with("<@&") {
        (Kind::Role, 3)
    } else if s.starts_with("<@") {
        (Kind::User, 2)
    } else if s.starts_with("<#") {
        (Kind::Channel, 2)
    } else {
        return None;
    };
    let end = s.find('>')?;
    let digits = s.get(skip..end)?;
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((make(digits.parse::<Id>().ok()?), end + 1))
}

fn inline(s: &str, marks: Marks, out: &mut Vec<Segment>, depth: usize) {
    let mut plain_from = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let before = s[..i].chars().next_back();
        // What starts here, if anything: its segments and where it ends.
        let mut found: Option<(Vec<Segment>, usize)> = None;
        let nested = |open: &str, set: fn(&mut Marks)| {
            let (end, after) = closing(s, i, open, open)?;
            let mut m = marks;
            set(&mut m);
            let mut inner = Vec::new();
            inline(&s[i + open.len()..end], m, &mut inner, depth + 1);
            Some((inner, after))
        };
        let one = |text: &str, m: Marks, kind: Kind, after: usize| {
            Some((
                vec![Segment {
                    text: text.to_owned(),
                    marks: m,
                    kind,
                }],
                after,
            ))
        };
        if depth < 6 {
            if rest.starts_with('`') {
                if let Some((end, after)) = closing(s, i, "`", "`") {
                    found = one(
                        &s[i + 1..end],
                        Marks {
                            code: true,
                            ..marks
                        },
                        Kind::Text,
                        after,
                    );
                }
            } else if rest.starts_with("**") {
                found = nested("**", |m| m.bold = true);
            } else if rest.starts_with("~~") {
                found = nested("~~", |m| m.strike = true);
            } else if rest.starts_with("||") {
                found = nested("||", |m| m.spoiler = true);
            } else if rest.starts_with('*') && !rest[1..].starts_with([' ', '*']) {
                found = nested("*", |m| m.italic = true);
            } else if rest.starts_with('_')
                && !is_word(before)
                && !rest[1..].starts_with(' ')
                && closing(s, i, "_", "_")
                    .is_some_and(|(_, after)| !is_word(s[after..].chars().next()))
            {
                found = nested("_", |m| m.italic = true);
            }
        }
        if found.is_none() {
            if rest.starts_with('<') {
                if let Some((kind, len)) = tag(rest) {
                    found = one(&rest[..len], marks, kind, i + len);
                }
            } else if rest.starts_with('@') && !is_word(before) && before != Some('@') {
                for w in ["@everyone", "@here"] {
                    if rest.starts_with(w) && !is_word(rest[w.len()..].chars().next()) {
                        found = one(w, marks, Kind::Everyone, i + w.len());
                        break;
                    }
                }
            } else if rest.starts_with("http://") || rest.starts_with("https://") {
                let mut end = rest
                    .find(|c: char| c.is_whitespace() || c == '<' || c == '>')
                    .unwrap_or(rest.len());
                while end > 0
                    && rest[..end].ends_with(['.', ',', ':', ';', '"', '\'', ')', ']', '!', '?'])
                {
                    end -= 1;
                }
                if end >= "https://".len() {
                    found = one(&rest[..end], marks, Kind::Link, i + end);
                }
            }
        }
        match found {
            Some((segs, next)) => {
                push(out, &s[plain_from..i], marks, Kind::Text);
                for seg in segs {
                    push(out, &seg.text, seg.marks, seg.kind);
                }
                i = next;
                plain_from = next;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    push(out, &s[plain_from..], marks, Kind::Text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(segs: &[Segment]) -> Vec<(&str, Marks, Kind)> {
        segs.iter()
            .map(|s| (s.text.as_str(), s.marks, s.kind))
            .collect()
    }

    const PLAIN: Marks = Marks {
        bold: false,
        italic: false,
        strike: false,
        code: false,
        code_block: false,
        spoiler: false,
        quote: false,
    };

    #[test]
    fn inline_styles_nest_and_code_stays_literal() {
        let s = parse("a **bold _both_** ~~gone~~ `**raw**` ||secret|| *it*");
        let bold = Marks {
            bold: true,
            ..PLAIN
        };
        assert_eq!(
            texts(&s),
            vec![
                ("a ", PLAIN, Kind::Text),
                ("bold ", bold, Kind::Text),
                (
                    "both",
                    Marks {
                        italic: true,
                        ..bold
                    },
                    Kind::Text
                ),
                (" ", PLAIN, Kind::Text),
                (
                    "gone",
                    Marks {
                        strike: true,
                        ..PLAIN
                    },
                    Kind::Text
                ),
                (" ", PLAIN, Kind::Text),
                (
                    "**raw**",
                    Marks {
                        code: true,
                        ..PLAIN
                    },
                    Kind::Text
                ),
                (" ", PLAIN, Kind::Text),
                (
                    "secret",
                    Marks {
                        spoiler: true,
                        ..PLAIN
                    },
                    Kind::Text
                ),
                (" ", PLAIN, Kind::Text),
                (
                    "it",
                    Marks {
                        italic: true,
                        ..PLAIN
                    },
                    Kind::Text
                ),
            ]
        );
    }

    #[test]
    fn unclosed_markers_and_snake_case_are_plain() {
        let s = parse("2 * 3 = 6, snake_case_name and **open");
        assert_eq!(
            texts(&s),
            vec![("2 * 3 = 6, snake_case_name and **open", PLAIN, Kind::Text)]
        );
    }

    #[test]
    fn mentions_links_quotes_and_code_blocks() {
        let s = parse(
            "> hi <@5> <@&6> <#7> @everyone x@here\n```rust\nlet **a** = 1;\n```\nsee https://example.com/x).",
        );
        let q = Marks {
            quote: true,
            ..PLAIN
        };
        assert_eq!(
            texts(&s),
            vec![
                ("▎ ", PLAIN, Kind::QuoteBar),
                ("hi ", q, Kind::Text),
                ("<@5>", q, Kind::User(Id(5))),
                (" ", q, Kind::Text),
                ("<@&6>", q, Kind::Role(Id(6))),
                (" ", q, Kind::Text),
                ("<#7>", q, Kind::Channel(Id(7))),
                (" ", q, Kind::Text),
                ("@everyone", q, Kind::Everyone),
                (" x@here", q, Kind::Text),
                ("\n", PLAIN, Kind::Text),
                (
                    "let **a** = 1;",
                    Marks {
                        code_block: true,
                        ..PLAIN
                    },
                    Kind::Text
                ),
                ("\nsee ", PLAIN, Kind::Text),
                ("https://example.com/x", PLAIN, Kind::Link),
                (").", PLAIN, Kind::Text),
            ]
        );
    }
}
