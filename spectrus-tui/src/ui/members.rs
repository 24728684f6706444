//! The member list: grouped by highest hoisted role (online members), then offline; a
//! presence dot and the role colour on each name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::truncate;
use crate::config::{Theme, parse_color};
use crate::state::{AppState, Focus};
use crate::view::members::groups;

/// The presence dot.
pub const DOT: &str = "●";

/// Draws the list.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(s) = state.active_server() else {
        return;
    };
    let focused = state.focus == Focus::Members;
    let block = super::pane(
        format!("Members — {}", s.member_count.max(s.members.len() as u64)),
        focused,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let mut index = 0;
    for g in groups(s) {
        lines.push(Line::from(Span::styled(
            truncate(
                &format!("{} — {}", g.title.to_uppercase(), g.members.len()),
                width,
            ),
            Style::default().fg(theme.dim).add_modifier(Modifier::BOLD),
        )));
        for user in g.members {
            let online = s.is_online(user);
            let name = s.member_name(user).unwrap_or_default();
            let mut style = match s.member_color(user).and_then(parse_color) {
                Some(c) => Style::default().fg(c),
                None => Style::default(),
            };
            if !online {
                style = style.fg(theme.dim);
            }
            if focused && index == state.member_cursor {
                style = style.add_modifier(Modifier::REVERSED);
                cursor_line = lines.len();
            }
            // A changed playback volume shows after the name, e.g. "alice 150%".
            let volume = match s.volume(user) {
                100 => String::new(),
                v => format!(" {v}%"),
            };
            let bot = s.members.get(&user).is_some_and(|m| m.user.bot);
            let tag = if bot { " [BOT]" } else { "" };
            let name_width = width.saturating_sub(2 + volume.len() + tag.len());
            lines.push(Line::from(vec![
                Span::styled(
                    DOT,
                    Style::default().fg(if online { theme.online } else { theme.dim }),
                ),
                Span::raw(" "),
                Span::styled(truncate(&name, name_width), style),
                Span::styled(tag, Style::default().fg(theme.accent)),
                Span::styled(volume, Style::default().fg(theme.dim)),
            ]));
            index += 1;
        }
    }
    let offset = crate::view::channels::scroll_offset(cursor_line, inner.height as usize);
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);
}
