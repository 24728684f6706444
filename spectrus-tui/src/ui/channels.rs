//! The channel list: categories, text channels with unread counts and mention badges, voice
//! channels with their participants and a speaking marker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use spectrus_proto::model::ChannelType;
use unicode_width::UnicodeWidthStr;

use super::text::truncate;
use crate::config::Theme;
use crate::state::{AppState, Focus};
use crate::view::channels::{ChannelRow, cursor_row, rows, scroll_offset};

/// Marks a participant who is speaking.
pub const SPEAKING: &str = "◉";
/// Marks a participant who is silent.
pub const SILENT: &str = "○";

/// Draws the list.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(s) = state.active_server() else {
        return;
    };
    let focused = state.focus == Focus::Channels;
    let inner = super::titled_pane(frame, area, &s.header_name(), focused, theme);
    let rows = rows(s, &state.voice);
    let cursor = cursor_row(&rows, state.channel_cursor);
    let offset = scroll_offset(cursor, inner.height as usize);
    let width = inner.width as usize;
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner.height as usize)
        .map(|(i, row)| {
            let line = row_line(row, width, theme);
            if focused && i == cursor {
                line.patch_style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn row_line(row: &ChannelRow, width: usize, theme: &Theme) -> Line<'static> {
    match row {
        ChannelRow::Category { name } => Line::from(Span::styled(
            truncate(&format!("▾ {}", name.to_uppercase()), width),
            Style::default().fg(theme.dim).add_modifier(Modifier::BOLD),
        )),
        ChannelRow::Channel {
            kind,
            name,
            unread,
            mentions,
            open,
            joined,
            ..
        } => {
            let sigil = if *kind == ChannelType::Voice {
                "♪"
            } else if kind.is_private() {
                // Named "@alice" already.
                ""
            } else {
                "#"
            };
            let badge = match (*mentions, *unread) {
                (m, _) if m > 0 => format!(" @{m}"),
                (_, u) if u > 0 => format!(" {u}"),
                _ => String::new(),
            };
            let name_w = width.saturating_sub(badge.width() + 2);
            let label = format!("{sigil} {}", truncate(name, name_w));
            let mut style = Style::default();
            if *unread > 0 || *mentions > 0 {
                style = style.fg(theme.unread).add_modifier(Modifier::BOLD);
            }
            if *open || *joined {
                style = style.fg(theme.accent).add_modifier(Modifier::BOLD);
            }
            let gap = width.saturating_sub(label.width() + badge.width());
            let badge_style = if *mentions > 0 {
                Style::default()
                    .fg(theme.mention)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default().fg(theme.unread)
            };
            Line::from(vec![
                Span::styled(label, style),
                Span::raw(" ".repeat(gap)),
                Span::styled(badge, badge_style),
            ])
        }
        ChannelRow::Participant {
            name,
            speaking,
            muted,
            deafened,
            ..
        } => {
            let mut tags = String::new();
            if *deafened {
                tags.push_str(" [d]");
            } else if *muted {
                tags.push_str(" [m]");
            }
            let marker = if *speaking { SPEAKING } else { SILENT };
            let marker_style = if *speaking {
                Style::default()
                    .fg(theme.online)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default().fg(theme.dim)
            };
            Line::from(vec![
                Span::raw("  "),
                Span::styled(marker, marker_style),
                Span::raw(" "),
                Span::raw(truncate(name, width.saturating_sub(5 + tags.len()))),
                Span::styled(tags, Style::default().fg(theme.dim)),
            ])
        }
    }
}
