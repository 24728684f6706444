//! The channel list: categories, text channels with unread counts and mention badges, voice
//! channels with their participants and a speaking marker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use spectrus_proto::Id;
use spectrus_proto::model::ChannelType;
use unicode_width::UnicodeWidthStr;

use super::text::truncate;
use crate::config::Theme;
use crate::state::{AppState, Focus, ServerState, Voice, VoiceStatus};

/// Marks a participant who is speaking.
pub const SPEAKING: &str = "◉";
/// Marks a participant who is silent.
pub const SILENT: &str = "○";

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRow {
    /// A category heading.
    Category {
        /// Its name.
        name: String,
    },
    /// A text or voice channel.
    Channel {
        /// Its id.
        id: Id,
        /// Text or voice.
        kind: ChannelType,
        /// Its name.
        name: String,
        /// Unread messages.
        unread: u64,
        /// Mentions.
        mentions: u64,
        /// Whether it is the open channel.
        open: bool,
        /// Whether we are in (or joining) this voice channel.
        joined: bool,
    },
    /// Someone in a voice channel.
    Participant {
        /// Who.
        user: Id,
        /// Their name.
        name: String,
        /// Speaking right now.
        speaking: bool,
        /// Muted (by themselves or the server).
        muted: bool,
        /// Deafened.
        deafened: bool,
    },
}

/// The rows for a server.
pub fn rows(s: &ServerState, voice: &Voice) -> Vec<ChannelRow> {
    let joined = match voice.status {
        VoiceStatus::Joining { server, channel } | VoiceStatus::Connected { server, channel }
            if server == s.key =>
        {
            Some(channel)
        }
        _ => None,
    };
    let mut out = Vec::new();
    for c in s.ordered_channels() {
        if c.kind == ChannelType::Category {
            out.push(ChannelRow::Category {
                name: c.name.clone(),
            });
            continue;
        }
        out.push(ChannelRow::Channel {
            id: c.id,
            kind: c.kind,
            name: c.name.clone(),
            unread: s.unread(c.id),
            mentions: s.mentions(c.id),
            open: s.active_channel == Some(c.id),
            joined: joined == Some(c.id),
        });
        if c.kind == ChannelType::Voice {
            for user in s.voice_participants(c.id) {
                let v = s.voice_states.get(&user);
                out.push(ChannelRow::Participant {
                    user,
                    name: s.member_name(user).unwrap_or_else(|| user.to_string()),
                    speaking: s.speaking.contains(&user),
                    muted: v.is_some_and(|v| v.self_mute || v.mute),
                    deafened: v.is_some_and(|v| v.self_deaf || v.deaf),
                });
            }
        }
    }
    out
}

/// The row index of the `cursor`-th channel (categories and participants are not counted).
pub fn cursor_row(rows: &[ChannelRow], cursor: usize) -> usize {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, ChannelRow::Channel { .. }))
        .nth(cursor)
        .map_or(0, |(i, _)| i)
}

/// The first row shown so that `row` is visible in `height` rows.
pub fn scroll_offset(row: usize, height: usize) -> usize {
    if height == 0 || row < height {
        0
    } else {
        row + 1 - height
    }
}

/// Draws the list.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(s) = state.active_server() else {
        return;
    };
    let focused = state.focus == Focus::Channels;
    let block = super::pane(
        truncate(&s.display_name(), area.width.saturating_sub(4) as usize),
        focused,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
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
