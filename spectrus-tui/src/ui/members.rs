//! The member list: grouped by highest hoisted role (online members), then offline; a
//! presence dot and the role colour on each name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use spectrus_proto::Id;

use super::text::truncate;
use crate::config::{Theme, parse_color};
use crate::state::{AppState, Focus, ServerState};

/// The presence dot.
pub const DOT: &str = "●";

/// A group of members under a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Role name, "Online" or "Offline".
    pub title: String,
    /// Members, by name.
    pub members: Vec<Id>,
}

/// The groups in display order.
pub fn groups(s: &ServerState) -> Vec<Group> {
    let mut hoisted: Vec<(i64, Id, String, Vec<Id>)> = Vec::new();
    let mut online = Vec::new();
    let mut offline = Vec::new();
    for id in s.members.keys() {
        if !s.is_online(*id) {
            offline.push(*id);
            continue;
        }
        match s.hoisted_role(*id) {
            Some(r) => match hoisted.iter_mut().find(|g| g.1 == r.id) {
                Some(g) => g.3.push(*id),
                None => hoisted.push((r.position, r.id, r.name.clone(), vec![*id])),
            },
            None => online.push(*id),
        }
    }
    hoisted.sort_by_key(|g| std::cmp::Reverse((g.0, g.1)));
    let by_name = |v: &mut Vec<Id>| {
        v.sort_by_key(|u| (s.member_name(*u).unwrap_or_default().to_lowercase(), *u))
    };
    let mut out = Vec::new();
    for (_, _, name, mut members) in hoisted {
        by_name(&mut members);
        out.push(Group {
            title: name,
            members,
        });
    }
    for (title, mut members) in [("Online", online), ("Offline", offline)] {
        if !members.is_empty() {
            by_name(&mut members);
            out.push(Group {
                title: title.into(),
                members,
            });
        }
    }
    out
}

/// Members in the order shown (the member cursor indexes this).
pub fn member_order(s: &ServerState) -> Vec<Id> {
    groups(s).into_iter().flat_map(|g| g.members).collect()
}

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
            let name_width = width.saturating_sub(2 + volume.len());
            lines.push(Line::from(vec![
                Span::styled(
                    DOT,
                    Style::default().fg(if online { theme.online } else { theme.dim }),
                ),
                Span::raw(" "),
                Span::styled(truncate(&name, name_width), style),
                Span::styled(volume, Style::default().fg(theme.dim)),
            ]));
            index += 1;
        }
    }
    let offset = super::channels::scroll_offset(cursor_line, inner.height as usize);
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);
}
