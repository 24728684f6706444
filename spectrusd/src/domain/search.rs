//! Message search: the query language (`from:NAME in:#channel has:link before:DATE …` and
//! words), the FTS5 match expression built from it, and the match ranges shown to users.
//!
//! Pure: names are resolved to ids by the service. The FTS5 expression quotes every term and
//! keeps only letters and digits inside the quotes, so no user text can make a syntax error.

use time::{Date, Month};

use super::time::parse_rfc3339;

/// One term: a word (a whole word, any case: `hello` finds "Hello!"; with a trailing `*` a
/// prefix: `hel*` finds "hello" and "help") or a quoted phrase (whole words in a row). A word
/// with inner punctuation (`don't`) is a phrase of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// Lower-case tokens, each letters and digits only.
    pub tokens: Vec<String>,
    /// Whether the last token matches as a prefix.
    pub prefix: bool,
}

/// What `has:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Has {
    /// An `http://` or `https://` link in the text.
    Link,
    /// A file attached to the message.
    Attachment,
    /// An image attached to the message.
    Image,
}

impl Has {
    /// Parses `link`, `attachment`, `file`, `image`.
    pub(crate) fn parse(s: &str) -> Result<Has, SearchError> {
        match s.to_ascii_lowercase().as_str() {
            "link" | "links" => Ok(Has::Link),
            "attachment" | "attachments" | "file" | "files" => Ok(Has::Attachment),
            "image" | "images" => Ok(Has::Image),
            _ => Err(SearchError(format!(
                "has:{s} is not a filter; use has:link, has:attachment or has:image"
            ))),
        }
    }
}

/// A parsed search query (`q`). Names are as typed; the service resolves them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pub terms: Vec<Term>,
    /// `from:NAME` (username or display name).
    pub from: Option<String>,
    /// `in:#channel` (name without `#`).
    pub channel: Option<String>,
    /// `mentions:NAME`.
    pub mentions: Option<String>,
    pub has: Vec<Has>,
    /// `before:DATE`: created before this Unix millisecond.
    pub before_ms: Option<i64>,
    /// `after:DATE`: created at or after this Unix millisecond.
    pub after_ms: Option<i64>,
    /// `pinned:true|false`.
    pub pinned: Option<bool>,
}

/// A query that cannot be understood; the text tells the user why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct SearchError(pub String);

/// Parses the `q` string. Unknown `word:` prefixes are plain words (`re:` in "re: lunch").
pub(crate) fn parse(q: &str) -> Result<Query, SearchError> {
    let mut out = Query::default();
    for (raw, quoted) in split(q) {
        if quoted {
            push_term(&mut out.terms, &raw, false);
            continue;
        }
        let Some((key, value)) = raw.split_once(':') else {
            push_term(&mut out.terms, &raw, raw.ends_with('*'));
            continue;
        };
        let key = key.to_ascii_lowercase();
        let need = |v: &str| -> Result<String, SearchError> {
            if v.is_empty() {
                Err(SearchError(format!("{key}: needs a value")))
            } else {
                Ok(v.to_owned())
            }
        };
        match key.as_str() {
            "from" => out.from = Some(need(value.trim_start_matches('@'))?),
            "mentions" => out.mentions = Some(need(value.trim_start_matches('@'))?),
            "in" => out.channel = Some(need(value.trim_start_matches('#'))?),
            "has" => {
                let h = Has::parse(&need(value)?)?;
                if !out.has.contains(&h) {
                    out.has.push(h);
                }
            }
            "before" => out.before_ms = Some(bound(&need(value)?, false)?),
            "after" => out.after_ms = Some(bound(&need(value)?, true)?),
            "during" => {
                let v = need(value)?;
                out.after_ms = Some(bound(&v, false)?);
                out.before_ms = Some(bound(&v, true)?);
            }
            "pinned" => {
                out.pinned = Some(match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" => true,
                    "false" | "no" => false,
                    _ => {
                        return Err(SearchError(format!(
                            "pinned:{value} is not a filter; use pinned:true or pinned:false"
                        )));
                    }
                });
            }
            _ => push_term(&mut out.terms, &raw, raw.ends_with('*')),
        }
    }
    Ok(out)
}

/// Splits on whitespace; `"…"` is one quoted piece (`from:"Ann Lee"` too).
fn split(q: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted_piece = false;
    let mut in_quotes = false;
    for ch in q.chars() {
        match ch {
            '"' => {
                in_quotes = !in_quotes;
                if cur.is_empty() || !cur.contains(':') {
                    quoted_piece = true;
                }
            }
            c if c.is_whitespace() && !in_quotes => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), quoted_piece));
                }
                quoted_piece = false;
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push((cur, quoted_piece));
    }
    out
}

/// The letter-and-digit runs of `s`, lower-cased (what the FTS tokenizer indexes).
pub(crate) fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn push_term(terms: &mut Vec<Term>, raw: &str, prefix: bool) {
    let tokens = tokens(raw);
    if !tokens.is_empty() {
        terms.push(Term { tokens, prefix });
    }
}

/// A date bound in Unix milliseconds: an RFC 3339 time as is; a day `YYYY-MM-DD` (UTC) as its
/// start, or with `end_of_day` as the start of the next day (`after:2026-01-01` means from
/// January 2nd, as in Discord).
pub(crate) fn bound(s: &str, end_of_day: bool) -> Result<i64, SearchError> {
    if let Some(ms) = parse_rfc3339(s) {
        return Ok(ms);
    }
    let bad = || {
        SearchError(format!(
            "{s} is not a date; write YYYY-MM-DD or an RFC 3339 time"
        ))
    };
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    let d: u8 = d.parse().map_err(|_| bad())?;
    let month = Month::try_from(m).map_err(|_| bad())?;
    let date = Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    let start = date.midnight().assume_utc().unix_timestamp() * 1000;
    Ok(if end_of_day {
        start + 86_400_000
    } else {
        start
    })
}

/// The FTS5 match expression for `terms` (`None` when there are none): each term a quoted
/// phrase in the `content` column, all required.
pub(crate) fn fts_expression(terms: &[Term]) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let parts: Vec<String> = terms
        .iter()
        .map(|t| {
            // Tokens hold only letters and digits, so no quote can end the string early.
            format!(
                "content : \"{}\"{}",
                t.tokens.join(" ").replace('"', "\"\""),
                if t.prefix { "*" } else { "" }
            )
        })
        .collect();
    Some(parts.join(" AND "))
}

/// Where `terms` match in `content`, as `[start, end)` offsets in UTF-16 code units (what
/// JavaScript's `String.slice` takes), sorted and merged. A match covers whole words.
pub(crate) fn highlights(content: &str, terms: &[Term]) -> Vec<[u32; 2]> {
    // The words of the content with their UTF-16 spans.
    let mut words: Vec<(String, u32, u32)> = Vec::new();
    let mut pos: u32 = 0;
    let mut cur: Option<(String, u32)> = None;
    for ch in content.chars() {
        if ch.is_alphanumeric() {
            match &mut cur {
                Some((w, _)) => w.extend(ch.to_lowercase()),
                None => cur = Some((ch.to_lowercase().collect(), pos)),
            }
        } else if let Some((w, start)) = cur.take() {
            words.push((w, start, pos));
        }
        pos += ch.len_utf16() as u32;
    }
    if let Some((w, start)) = cur.take() {
        words.push((w, start, pos));
    }
    let mut ranges: Vec<[u32; 2]> = Vec::new();
    for t in terms {
        let n = t.tokens.len();
        if n == 0 || n > words.len() {
            continue;
        }
        for i in 0..=words.len() - n {
            let ok = t.tokens.iter().enumerate().all(|(k, tok)| {
                let w = &words[i + k].0;
                if t.prefix && k == n - 1 {
                    w.starts_with(tok.as_str())
                } else {
                    w == tok
                }
            });
            if ok {
                ranges.push([words[i].1, words[i + n - 1].2]);
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<[u32; 2]> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r[0] <= last[1] => last[1] = last[1].max(r[1]),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str) -> Term {
        Term {
            tokens: vec![s.to_owned()],
            prefix: false,
        }
    }

    #[test]
    fn words_and_filters() {
        let q = parse(
            "Hello from:ann in:#general has:link mentions:@bob pinned:true before:2026-02-01 after:2026-01-01",
        )
        .unwrap();
        assert_eq!(q.terms, vec![word("hello")]);
        assert_eq!(q.from.as_deref(), Some("ann"));
        assert_eq!(q.channel.as_deref(), Some("general"));
        assert_eq!(q.mentions.as_deref(), Some("bob"));
        assert_eq!(q.has, vec![Has::Link]);
        assert_eq!(q.pinned, Some(true));
        assert_eq!(q.before_ms, Some(1_769_904_000_000));
        assert_eq!(q.after_ms, Some(1_767_225_600_000 + 86_400_000));
    }

    #[test]
    fn quoted_phrases_and_names() {
        let q = parse(r#""big cat" from:"Ann Lee" re: lunch*"#).unwrap();
        assert_eq!(
            q.terms,
            vec![
                Term {
                    tokens: vec!["big".into(), "cat".into()],
                    prefix: false
                },
                word("re"),
                Term {
                    tokens: vec!["lunch".into()],
                    prefix: true
                },
            ]
        );
        assert_eq!(q.from.as_deref(), Some("Ann Lee"));
    }

    #[test]
    fn bad_filters_say_why() {
        assert!(parse("has:cheese").unwrap_err().0.contains("has:link"));
        assert!(
            parse("before:yesterday")
                .unwrap_err()
                .0
                .contains("YYYY-MM-DD")
        );
        assert!(parse("after:2026-13-01").is_err());
        assert!(parse("pinned:maybe").is_err());
        assert!(parse("from:").unwrap_err().0.contains("needs a value"));
    }

    #[test]
    fn fts_expressions_cannot_break() {
        for q in [
            r#"a" OR b"#,
            "NEAR(x y)",
            "*",
            "\"\"\"",
            "col:val",
            "-x ^y",
            "don't",
            "(((",
        ] {
            let parsed = parse(q).unwrap();
            if let Some(e) = fts_expression(&parsed.terms) {
                assert_eq!(e.matches('"').count() % 2, 0, "{e}");
                assert!(
                    e.split('"')
                        .skip(1)
                        .step_by(2)
                        .all(|inner| inner.chars().all(|c| c.is_alphanumeric() || c == ' ')),
                    "{e}"
                );
            }
        }
        assert_eq!(
            fts_expression(&parse("don't* \"Big cat\" x").unwrap().terms).as_deref(),
            Some(r#"content : "don t"* AND content : "big cat" AND content : "x""#)
        );
        assert_eq!(fts_expression(&[]), None);
    }

    #[test]
    fn highlights_cover_matched_words_in_utf16() {
        let terms = parse("hel* \"big cat\" CAT").unwrap().terms;
        let content = "😀 Hello big cat, help! bigcat cats";
        let r = highlights(content, &terms);
        let utf16: Vec<u16> = content.encode_utf16().collect();
        let texts: Vec<String> = r
            .iter()
            .map(|[a, b]| String::from_utf16(&utf16[*a as usize..*b as usize]).unwrap())
            .collect();
        assert_eq!(texts, vec!["Hello", "big cat", "help"]);
    }

    #[test]
    fn days_and_times() {
        assert_eq!(bound("2026-01-01", false), Ok(1_767_225_600_000));
        assert_eq!(
            bound("2026-01-01T00:00:00.123Z", true),
            Ok(1_767_225_600_123)
        );
        assert!(bound("2026-02-30", false).is_err());
    }
}
