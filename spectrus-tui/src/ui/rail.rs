//! The server rail: one row per saved server with an unread or mention badge.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::config::Theme;
use crate::state::{AppState, ConnStatus, Focus, ServerState};

/// The two-letter abbreviation of a server.
pub fn abbreviation(s: &ServerState) -> String {
    let name = s.display_name();
    let words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let out: String = if words.len() >= 2 {
        words
            .iter()
            .take(2)
            .filter_map(|w| w.chars().next())
            .collect()
    } else {
        name.chars()
            .filter(|c| c.is_alphanumeric())
            .take(2)
            .collect()
    };
    out.to_uppercase()
}

/// The badge: mention count (9 at most), `•` for unread, `~` when not connected.
pub fn badge(s: &ServerState) -> String {
    let (unread, mentions) = s.totals();
    if mentions > 0 {
        mentions.min(9).to_string()
    } else if unread > 0 {
        "•".into()
    } else if matches!(
        s.conn,
        ConnStatus::Reconnecting { .. } | ConnStatus::Connecting
    ) {
        "~".into()
    } else {
        " ".into()
    }
}

/// Draws the rail.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Rail;
    let lines: Vec<Line> = state
        .servers
        .iter()
        .map(|s| {
            let active = Some(s.key) == state.active;
            let mut style = Style::default();
            if active {
                style = style.fg(theme.accent).add_modifier(Modifier::BOLD);
                if focused {
                    style = style.add_modifier(Modifier::REVERSED);
                }
            }
            let (_, mentions) = s.totals();
            let badge_style = if mentions > 0 {
                Style::default().fg(theme.mention)
            } else {
                Style::default().fg(theme.unread)
            };
            Line::from(vec![
                Span::styled(
                    if active { "▌" } else { " " },
                    Style::default().fg(theme.accent),
                ),
                Span::styled(format!("{:<2}", abbreviation(s)), style),
                Span::styled(badge(s), badge_style.add_modifier(Modifier::BOLD)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
