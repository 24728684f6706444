//! Text helpers for views: wrapping styled text to a width, cutting to a width, times.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use spectrus_proto::Id;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps styled spans to `width` columns; continuation lines start with `indent` spaces.
/// Breaks at the last space that fits, else mid-word; `'\n'` forces a break.
pub fn wrap(spans: &[Span<'_>], width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(indent + 4);
    let cells: Vec<(char, Style)> = spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let mut lines: Vec<Vec<(char, Style)>> = Vec::new();
    let mut cur: Vec<(char, Style)> = Vec::new();
    let mut cur_w = 0;
    let pad =
        |v: &mut Vec<(char, Style)>| v.extend(std::iter::repeat_n((' ', Style::default()), indent));
    for (c, st) in cells {
        if c == '\n' {
            lines.push(std::mem::take(&mut cur));
            pad(&mut cur);
            cur_w = indent;
            continue;
        }
        let cw = c.width().unwrap_or(0);
        if cur_w + cw > width {
            let floor = if lines.is_empty() { 0 } else { indent };
            let brk = cur
                .iter()
                .rposition(|(ch, _)| *ch == ' ')
                .filter(|i| *i > floor);
            let rest: Vec<(char, Style)> = match brk {
                Some(i) => {
                    let tail = cur.split_off(i + 1);
                    cur.pop();
                    tail
                }
                None => Vec::new(),
            };
            lines.push(std::mem::take(&mut cur));
            pad(&mut cur);
            cur.extend(rest);
            cur_w = cur.iter().map(|(ch, _)| ch.width().unwrap_or(0)).sum();
        }
        cur.push((c, st));
        cur_w += cw;
    }
    lines.push(cur);
    lines.into_iter().map(cells_to_line).collect()
}

fn cells_to_line(cells: Vec<(char, Style)>) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut buf = String::new();
    let mut style = None;
    for (c, st) in cells {
        if style.is_some_and(|s| s != st) {
            spans.push(Span::styled(
                std::mem::take(&mut buf),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        buf.push(c);
    }
    if !buf.is_empty() {
        spans.push(Span::styled(buf, style.unwrap_or_default()));
    }
    Line::from(spans)
}

/// Cuts `s` to at most `width` columns, ending with `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// A message time: `(day, "HH:MM")` in UTC, from `created_at` or else from the id.
pub fn message_time(created_at: &str, id: Id) -> (String, String) {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(created_at, &Rfc3339)
        .ok()
        .or_else(|| {
            time::OffsetDateTime::from_unix_timestamp_nanos(id.unix_millis() as i128 * 1_000_000)
                .ok()
        })
        .map(|t| t.to_offset(time::UtcOffset::UTC));
    match t {
        Some(t) => (
            format!(
                "{} {:04}-{:02}-{:02}",
                &t.weekday().to_string()[..3],
                t.year(),
                u8::from(t.month()),
                t.day()
            ),
            format!("{:02}:{:02}", t.hour(), t.minute()),
        ),
        None => (String::new(), String::from("--:--")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_at_spaces_with_indent() {
        let l = wrap(&[Span::raw("alpha beta gamma delta")], 12, 2);
        assert_eq!(plain(&l), vec!["alpha beta", "  gamma", "  delta"]);
        let l = wrap(&[Span::raw("a\nb")], 10, 1);
        assert_eq!(plain(&l), vec!["a", " b"]);
        let l = wrap(&[Span::raw("abcdefghijkl")], 5, 0);
        assert_eq!(plain(&l), vec!["abcde", "fghij", "kl"]);
    }

    #[test]
    fn times_come_from_rfc3339() {
        let (day, hm) = message_time("2026-11-25T09:05:00Z", Id(0));
        assert_eq!(day, "Wed 2026-11-25");
        assert_eq!(hm, "09:05");
        assert_eq!(truncate("general-chat", 8), "general…");
    }
}
