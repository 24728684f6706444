//! Overlays: the help (generated from the keymap and the command list) and the fuzzy
//! channel switcher.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::text::{truncate, wrap};
use crate::commands::COMMANDS;
use crate::config::Theme;
use crate::keymap::Keymap;
use crate::state::{AppState, Switcher};

/// A rectangle of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Every help line: headings, each binding as `(keys, description)`, then the `/` commands.
pub fn help_rows(keymap: &Keymap) -> Vec<(Option<String>, String)> {
    let mut rows = Vec::new();
    for (scope, entries) in keymap.entries() {
        rows.push((None, scope.title().to_owned()));
        for (keys, desc) in entries {
            rows.push((Some(keys), desc.to_owned()));
        }
    }
    rows.push((None, "Commands (type in the composer)".to_owned()));
    for (_, usage, desc) in COMMANDS {
        rows.push((Some((*usage).to_owned()), (*desc).to_owned()));
    }
    rows
}

/// Draws the help, in as many columns as fit, scrolled by `scroll` lines.
pub fn draw_help(frame: &mut Frame, area: Rect, state: &AppState, scroll: u16, theme: &Theme) {
    let r = centered(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(2).max(5),
    );
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.accent))
        .title(" Help — Esc closes, j/k scroll ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let rows = help_rows(&state.keymap);
    let key_w = rows
        .iter()
        .filter_map(|(k, _)| k.as_ref().map(|k| k.width()))
        .max()
        .unwrap_or(8)
        .min(24);
    let h = (inner.height as usize).max(1);
    let fit_cols = (inner.width as usize / (key_w + 40)).max(1);
    let cols = rows.len().div_ceil(h).clamp(1, fit_cols);
    let col_w = (inner.width as usize / cols).max(1);
    let scroll = scroll as usize;
    let heading = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let all: Vec<Line> = rows
        .iter()
        .flat_map(|(keys, text)| match keys {
            None => vec![Line::from(Span::styled(truncate(text, col_w), heading))],
            Some(k) => {
                let key = truncate(k, key_w);
                let pad = key_w.saturating_sub(key.width());
                let spans = [
                    Span::styled(
                        format!(" {key}{} ", " ".repeat(pad)),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(text.clone()),
                ];
                wrap(&spans, col_w.saturating_sub(1), key_w + 2)
            }
        })
        .collect();
    let per_col = all.len().div_ceil(cols).max(1);
    let max_scroll = per_col.saturating_sub(h);
    let scroll = scroll.min(max_scroll);
    for c in 0..cols {
        let lines: Vec<Line> = all
            .iter()
            .skip(c * per_col)
            .take(per_col)
            .skip(scroll)
            .take(h)
            .cloned()
            .collect();
        let x = inner.x + (c * col_w) as u16;
        let area = Rect::new(
            x,
            inner.y,
            (col_w as u16).min(inner.right().saturating_sub(x)),
            inner.height,
        );
        frame.render_widget(Paragraph::new(lines), area);
    }
    if scroll < max_scroll && inner.height > 0 {
        let more = Span::styled(
            " ↓ more ",
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::REVERSED),
        );
        let y = inner.bottom() - 1;
        let x = inner.right().saturating_sub(8);
        frame.render_widget(Paragraph::new(more), Rect::new(x, y, 8.min(inner.width), 1));
    }
}

/// Draws the channel switcher.
pub fn draw_switcher(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    sw: &Switcher,
    theme: &Theme,
) {
    let r = centered(area, 64, 16.min(area.height.saturating_sub(2)).max(5));
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.accent))
        .title(" Go to channel — Enter opens, Esc closes ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let query = format!("> {}", sw.query.text());
    frame.render_widget(
        Paragraph::new(Span::raw(truncate(&query, w))),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    frame.set_cursor_position(Position::new(
        inner.x + query.width().min(w.saturating_sub(1)) as u16,
        inner.y,
    ));
    let matches = state.switcher_matches(sw.query.text());
    let h = inner.height.saturating_sub(1) as usize;
    let offset = crate::view::channels::scroll_offset(sw.selected, h);
    let lines: Vec<Line> = matches
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, m)| {
            let sigil = if m.voice { "♪" } else { "#" };
            let badge = match (m.mentions, m.unread) {
                (x, _) if x > 0 => format!("@{x} "),
                (_, u) if u > 0 => format!("{u} "),
                _ => String::new(),
            };
            let right = format!("{badge}{}", m.server_name);
            let left = truncate(
                &format!("{sigil} {}", m.label),
                w.saturating_sub(right.width() + 1),
            );
            let gap = w.saturating_sub(left.width() + right.width());
            let line = Line::from(vec![
                Span::raw(left),
                Span::raw(" ".repeat(gap)),
                Span::styled(right, Style::default().fg(theme.dim)),
            ]);
            if i == sw.selected {
                line.patch_style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    let list = if lines.is_empty() {
        vec![Line::from(Span::styled(
            "no channel matches",
            Style::default().fg(theme.dim),
        ))]
    } else {
        lines
    };
    frame.render_widget(
        Paragraph::new(list),
        Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1),
    );
}

/// A `/search` or `/pins` list: channel, author and text of each message; Enter jumps.
pub fn draw_results(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    r: &crate::state::Results,
    theme: &Theme,
) {
    let rect = centered(area, 90, 20.min(area.height.saturating_sub(2)).max(5));
    frame.render_widget(Clear, rect);
    let more = if r.total as usize > r.items.len() {
        format!(" ({} of {})", r.items.len(), r.total)
    } else {
        format!(" ({})", r.items.len())
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.accent))
        .title(format!(" {}{more} — Enter jumps, Esc closes ", r.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let server = state.server(r.server);
    let h = inner.height as usize;
    let offset = crate::view::channels::scroll_offset(r.selected, h);
    let lines: Vec<Line> = r
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, m)| {
            let channel = server
                .and_then(|s| s.channel(m.channel_id))
                .map_or_else(|| "?".to_owned(), |c| c.name.clone());
            let author = server.map_or_else(
                || m.author.display_name.clone(),
                |s| super::messages::author_name(s, m),
            );
            let text = server.map_or_else(
                || m.content.clone(),
                |s| super::messages::render_mentions(s, &m.content),
            );
            let head = format!("#{channel} {author}: ");
            let line = Line::from(vec![
                Span::styled(head.clone(), Style::default().fg(theme.dim)),
                Span::raw(truncate(
                    &text.replace('\n', " "),
                    w.saturating_sub(head.width()),
                )),
            ]);
            if i == r.selected {
                line.patch_style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
