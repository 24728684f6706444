//! The composer as drawn: its mode in the title, the text with a cursor, a placeholder.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::truncate;
use crate::composer::ComposeMode;
use crate::config::Theme;
use crate::state::{AppState, Focus};

/// Draws the composer and, when it has the focus, places the terminal cursor.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(s) = state.active_server() else {
        return;
    };
    let focused = state.focus == Focus::Composer;
    let channel = s
        .active_channel
        .and_then(|c| s.channel(c))
        .map(crate::state::channel_label)
        .unwrap_or_default();
    let title = match state.composer.mode {
        ComposeMode::New => format!("Message {channel}"),
        ComposeMode::Reply(id) => {
            let who = s
                .active_messages()
                .and_then(|m| m.messages.get(&id))
                .map(|m| super::messages::author_name(s, m))
                .unwrap_or_else(|| "a message".into());
            format!("Replying to {who} — Esc cancels")
        }
        ComposeMode::Edit(_) => "Editing your message — Enter saves, Esc cancels".to_owned(),
    };
    let inner = super::titled_pane(frame, area, &title, focused, theme);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let buf = &state.composer.buffer;
    if buf.is_empty() {
        let hint = if focused {
            "Enter send · Alt+Enter new line · Tab complete · /commands".to_owned()
        } else {
            format!(
                "press {} to write",
                state.keymap.keys_label(crate::keymap::Command::Compose)
            )
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                truncate(&hint, inner.width as usize),
                Style::default().fg(theme.dim),
            )),
            inner,
        );
        if focused {
            frame.set_cursor_position(Position::new(inner.x, inner.y));
        }
        return;
    }
    let (cur_line, _) = buf.cursor_line_col();
    let before_cursor_on_line = {
        let before = &buf.text()[..buf.cursor()];
        before.rsplit('\n').next().unwrap_or("").width()
    };
    let w = inner.width as usize;
    let h = inner.height as usize;
    let hscroll = (before_cursor_on_line + 1).saturating_sub(w);
    let first = (cur_line + 1).saturating_sub(h);
    let lines: Vec<Line> = buf
        .text()
        .split('\n')
        .skip(first)
        .take(h)
        .map(|l| Line::raw(skip_columns(l, hscroll)))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if focused {
        let x = inner.x + (before_cursor_on_line - hscroll) as u16;
        let y = inner.y + (cur_line - first) as u16;
        frame.set_cursor_position(Position::new(x, y));
    }
}

fn skip_columns(s: &str, cols: usize) -> String {
    let mut w = 0;
    s.chars()
        .skip_while(|c| {
            let skip = w < cols;
            w += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
            skip
        })
        .collect()
}
