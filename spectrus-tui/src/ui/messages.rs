//! The message view: day separators, the new-message marker, replies with the quoted line,
//! edited markers, highlighted mentions, reactions, and our messages still on their way; the
//! header names the channel, its topic and its slowmode.
//!
//! Only the messages that fit are laid out, starting from the selected one (or the newest),
//! so drawing stays cheap however much history is loaded.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use spectrus_proto::Id;
use spectrus_proto::model::Message;

use super::text::{message_time, truncate, wrap};
use crate::config::{Theme, parse_color};
use crate::state::{AppState, Focus, ServerState, channel_label};

/// The new-message marker's label.
pub const NEW_MARKER: &str = " new ";

/// Draws the open channel's messages.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Messages;
    let Some(s) = state.active_server() else {
        return;
    };
    let title = match s.active_channel.and_then(|c| s.channel(c)) {
        Some(c) => {
            let mut t = match &c.topic {
                Some(t) if !t.is_empty() => format!("{} — {}", channel_label(c), t),
                _ => channel_label(c),
            };
            if c.slowmode_seconds > 0 {
                t.push_str(&format!(
                    " · slowmode {}",
                    short_duration(c.slowmode_seconds)
                ));
            }
            t
        }
        None => "no channel".into(),
    };
    let inner = super::titled_pane(frame, area, &title, focused, theme);
    let lines = visible_lines(s, inner.width as usize, inner.height as usize, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "30s", "1m", "6h" (or "90s"): a slowmode for the channel header.
pub fn short_duration(seconds: u32) -> String {
    if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// The lines that fill a `width` x `height` view, bottom-aligned.
pub fn visible_lines(
    s: &ServerState,
    width: usize,
    height: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let Some(channel) = s.active_channel else {
        return Vec::new();
    };
    let name = s
        .channel(channel)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let msgs = s.messages.get(&channel);
    let list: Vec<&Message> = msgs
        .map(|m| m.messages.values().collect())
        .unwrap_or_default();
    let pending: Vec<_> = s.pending.iter().filter(|p| p.channel == channel).collect();
    let dim = Style::default().fg(theme.dim);
    if list.is_empty() && pending.is_empty() {
        let text = match msgs {
            Some(m) if m.loading || !m.loaded => "loading…".to_owned(),
            _ => format!("This is the start of #{name}. Say hello!"),
        };
        return pad_top(vec![Line::from(Span::styled(text, dim))], height);
    }
    let anchor = s
        .selected_message
        .and_then(|id| list.iter().position(|m| m.id == id))
        .unwrap_or(list.len().saturating_sub(1));
    let block = |i: usize| message_block(s, &list, i, width, theme);
    // Newer messages below the anchor may take up to half the view.
    let mut below: Vec<Line<'static>> = Vec::new();
    let mut next = anchor + 1;
    let mut below_done = s.selected_message.is_none();
    while !below_done && next < list.len() {
        let b = block(next);
        if below.len() + b.len() > height / 2 {
            break;
        }
        below.extend(b);
        next += 1;
    }
    below_done = below_done || next >= list.len();
    if below_done {
        for p in &pending {
            let author =
                s.me.as_ref()
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default();
            let mut spans = vec![
                Span::styled("  …   ", dim),
                Span::styled(format!("{author} "), dim.add_modifier(Modifier::BOLD)),
            ];
            spans.extend(
                content_spans(s, &p.content, theme)
                    .into_iter()
                    .map(|sp| sp.patch_style(dim)),
            );
            if let Some(e) = &p.failed {
                spans.push(Span::styled(
                    format!("  (not sent: {e})"),
                    Style::default().fg(theme.error),
                ));
            }
            below.extend(wrap(&spans, width, 6));
        }
    }
    let mut above: Vec<Vec<Line<'static>>> = Vec::new();
    let mut used = below.len();
    // No loaded message (only pending ones, e.g. the first of a channel): nothing above.
    let mut i = if list.is_empty() { -1 } else { anchor as isize };
    while i >= 0 && used < height {
        let mut b = block(i as usize);
        if i as usize == anchor && s.selected_message.is_some() {
            b = b
                .into_iter()
                .map(|l| l.patch_style(Style::default().add_modifier(Modifier::REVERSED)))
                .collect();
        }
        used += b.len();
        above.push(b);
        i -= 1;
    }
    let mut lines: Vec<Line<'static>> = Vec::new();
    if i < 0 && used < height {
        let text = match msgs {
            Some(m) if m.loading => "loading older messages…".to_owned(),
            Some(m) if m.has_more => "↑ more history".to_owned(),
            _ => format!("start of #{name}"),
        };
        lines.push(rule(&text, width, dim));
    }
    for b in above.into_iter().rev() {
        lines.extend(b);
    }
    lines.extend(below);
    let excess = lines.len().saturating_sub(height);
    pad_top(lines.split_off(excess), height)
}

fn pad_top(mut lines: Vec<Line<'static>>, height: usize) -> Vec<Line<'static>> {
    let missing = height.saturating_sub(lines.len());
    let mut out = vec![Line::default(); missing];
    out.append(&mut lines);
    out
}

/// The lines of message `i` of `list`, with the day separator and new marker before it.
fn message_block(
    s: &ServerState,
    list: &[&Message],
    i: usize,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let m = list[i];
    let prev = i.checked_sub(1).map(|p| list[p]);
    let dim = Style::default().fg(theme.dim);
    let mut out = Vec::new();
    let (day, hm) = message_time(&m.created_at, m.id);
    if prev.is_none_or(|p| message_time(&p.created_at, p.id).0 != day) {
        out.push(rule(&day, width, dim));
    }
    let me = s.me.as_ref().map(|u| u.id);
    if let Some(marker) = s.marker_after
        && m.id > marker
        && prev.is_none_or(|p| p.id <= marker)
        && Some(m.author.id) != me
    {
        out.push(rule(
            NEW_MARKER,
            width,
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(r) = m.reply_to {
        let quoted = match list.iter().find(|x| x.id == r) {
            Some(q) => format!(
                "{}: {}",
                author_name(s, q),
                render_mentions(s, &crate::emoji::to_names(&q.content, &s.emojis))
                    .lines()
                    .next()
                    .unwrap_or("")
            ),
            None => "(an older message)".into(),
        };
        out.push(Line::from(Span::styled(
            truncate(&format!("      ╭ {quoted}"), width),
            dim,
        )));
    }
    let name_style = match s.member_color(m.author.id).and_then(parse_color) {
        Some(c) => Style::default().fg(c).add_modifier(Modifier::BOLD),
        None => Style::default().add_modifier(Modifier::BOLD),
    };
    let mentions_me = pings_me(s, m);
    let time_style = if mentions_me {
        Style::default()
            .fg(theme.mention)
            .add_modifier(Modifier::BOLD)
    } else {
        dim
    };
    let mut spans = vec![
        Span::styled(format!("{hm} "), time_style),
        Span::styled(format!("{} ", author_name(s, m)), name_style),
    ];
    if m.author.bot {
        spans.push(Span::styled(BOT_TAG, Style::default().fg(theme.accent)));
    }
    if s.is_blocked(m.author.id) {
        // Someone we blocked: collapsed (the browser client can show it).
        spans.push(Span::styled(BLOCKED_MESSAGE, dim));
        out.extend(wrap(&spans, width, 6));
        return out;
    }
    spans.extend(content_spans(s, &m.content, theme));
    if m.edited_at.is_some() {
        spans.push(Span::styled(" (edited)", dim));
    }
    out.extend(wrap(&spans, width, 6));
    for a in &m.attachments {
        let path = a.url.split('?').next().unwrap_or(&a.url);
        let link = format!("{}{path}", s.url.trim_end_matches('/'));
        let r = vec![
            Span::raw("      "),
            Span::styled(
                format!("📎 {} ({}) ", a.filename, human_size(a.size)),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(link, Style::default().add_modifier(Modifier::UNDERLINED)),
        ];
        out.extend(wrap(&r, width, 6));
    }
    // Link previews, unless my settings hide them.
    let embeds = if s.show_link_previews {
        embed_lines(m)
    } else {
        Vec::new()
    };
    for line in embeds {
        out.extend(wrap(
            &[Span::raw("      "), Span::styled(line, dim)],
            width,
            6,
        ));
    }
    if !m.reactions.is_empty() {
        let mut r = vec![Span::raw("      ")];
        for x in &m.reactions {
            let st = if x.me {
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD)
            } else {
                dim
            };
            let face = crate::emoji::to_names(&x.emoji, &s.emojis);
            r.push(Span::styled(format!("[{face} {}] ", x.count), st));
        }
        out.extend(wrap(&r, width, 6));
    }
    out
}

/// A link preview as one line: `▏site — title` (what the page says, as text).
fn embed_lines(m: &Message) -> Vec<String> {
    if m.suppress_embeds {
        return Vec::new();
    }
    m.embeds
        .iter()
        .filter_map(|e| {
            let parts: Vec<&str> = [e.site_name.as_deref(), e.title.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| format!("▏{}", parts.join(" — ")))
        })
        .collect()
}

fn rule(label: &str, width: usize, style: Style) -> Line<'static> {
    let label = format!(" {} ", label.trim());
    let side = width.saturating_sub(label.chars().count()) / 2;
    let right = width.saturating_sub(side + label.chars().count());
    Line::from(Span::styled(
        format!("{}{label}{}", "─".repeat(side), "─".repeat(right)),
        style,
    ))
}

/// After a plugin's bot's name, in messages and the member list.
pub const BOT_TAG: &str = "[BOT] ";

/// The name shown for a message's author: their nick or display name.
pub fn author_name(s: &ServerState, m: &Message) -> String {
    s.member_name(m.author.id).unwrap_or_else(|| {
        if m.author.display_name.is_empty() {
            m.author.username.clone()
        } else {
            m.author.display_name.clone()
        }
    })
}

/// Message text with `<@id>` shown as `@name`.
pub fn render_mentions(s: &ServerState, content: &str) -> String {
    content_parts(s, content)
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// Whether `m` pings me: by name, `@everyone`/`@here`, or one of my roles.
pub fn pings_me(s: &ServerState, m: &Message) -> bool {
    let Some(me) = s.me.as_ref().map(|u| u.id) else {
        return false;
    };
    m.mentions.contains(&me)
        || m.mention_everyone
        || s.members
            .get(&me)
            .is_some_and(|mine| m.mention_roles.iter().any(|r| mine.roles.contains(r)))
}

/// What a blocked user's message shows instead of its text.
pub const BLOCKED_MESSAGE: &str = "Blocked message";

/// Message content as styled spans: the markdown subset, mentions as names.
pub fn content_spans(s: &ServerState, content: &str, theme: &Theme) -> Vec<Span<'static>> {
    use super::markdown::{Kind, parse};
    let me = s.me.as_ref().map(|u| u.id);
    let my_roles: Vec<Id> = me
        .and_then(|me| s.members.get(&me))
        .map(|m| m.roles.clone())
        .unwrap_or_default();
    let ping = Style::default()
        .fg(theme.mention)
        .add_modifier(Modifier::BOLD | Modifier::REVERSED);
    let chip = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    parse(&crate::emoji::to_names(content, &s.emojis))
        .into_iter()
        .map(|seg| {
            let k = seg.marks;
            let mut st = Style::default();
            if k.bold {
                st = st.add_modifier(Modifier::BOLD);
            }
            if k.italic {
                st = st.add_modifier(Modifier::ITALIC);
            }
            if k.strike {
                st = st.add_modifier(Modifier::CROSSED_OUT);
            }
            if k.code || k.code_block {
                st = st.bg(Color::Indexed(236));
            }
            if k.quote {
                st = st.fg(theme.dim);
            }
            let text = if k.spoiler {
                st = st.fg(theme.dim);
                seg.text
                    .chars()
                    .map(|c| if c == '\n' { c } else { '░' })
                    .collect()
            } else {
                seg.text
            };
            match seg.kind {
                Kind::Text => Span::styled(text, st),
                Kind::QuoteBar => Span::styled(text, Style::default().fg(theme.accent)),
                Kind::Link => {
                    Span::styled(text, st.fg(theme.accent).add_modifier(Modifier::UNDERLINED))
                }
                Kind::User(id) => {
                    let name = s.member_name(id).unwrap_or_else(|| "unknown".into());
                    Span::styled(
                        format!("@{name}"),
                        if Some(id) == me { ping } else { chip.patch(st) },
                    )
                }
                Kind::Role(id) => match s.roles.iter().find(|r| r.id == id) {
                    Some(r) if my_roles.contains(&id) => Span::styled(format!("@{}", r.name), ping),
                    Some(r) => {
                        let color = r.color.as_deref().and_then(parse_color);
                        let st = match color {
                            Some(c) => chip.fg(c),
                            None => chip,
                        };
                        Span::styled(format!("@{}", r.name), st)
                    }
                    None => Span::styled("@deleted-role", Style::default().fg(theme.dim)),
                },
                Kind::Channel(id) => match s.channel(id) {
                    Some(c) => Span::styled(format!("#{}", c.name), chip),
                    None => Span::styled("#unknown-channel", Style::default().fg(theme.dim)),
                },
                Kind::Everyone => Span::styled(text, ping),
            }
        })
        .collect()
}

/// Splits content into plain parts and mentions (`@name`, with the user).
fn content_parts(s: &ServerState, content: &str) -> Vec<(String, Option<Id>)> {
    let mut out = Vec::new();
    let mut rest = content;
    while let Some(i) = rest.find("<@") {
        let tail = &rest[i + 2..];
        let parsed = tail
            .find('>')
            .and_then(|end| tail[..end].parse::<Id>().ok().map(|id| (id, end)));
        match parsed {
            Some((id, end)) => {
                if i > 0 {
                    out.push((rest[..i].to_owned(), None));
                }
                let name = s.member_name(id).unwrap_or_else(|| "unknown".into());
                out.push((format!("@{name}"), Some(id)));
                rest = &tail[end + 1..];
            }
            None => {
                out.push((rest[..i + 2].to_owned(), None));
                rest = tail;
            }
        }
    }
    if !rest.is_empty() {
        out.push((rest.to_owned(), None));
    }
    out
}

/// A size as people read it: 930 B, 12 KB, 3.1 MB.
fn human_size(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} B")
    } else if f < K * K {
        format!("{:.0} KB", f / K)
    } else if f < K * K * K {
        format!("{:.1} MB", f / K / K)
    } else {
        format!("{:.1} GB", f / K / K / K)
    }
}
