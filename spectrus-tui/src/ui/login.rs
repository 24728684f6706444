//! The login / register screen.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::overlay::centered;
use super::text::truncate;
use crate::config::Theme;
use crate::keymap::Command;
use crate::state::{AppState, AuthStatus, LoginField};

/// The label of a field.
pub fn label(f: LoginField) -> &'static str {
    match f {
        LoginField::Server => "Server",
        LoginField::Username => "Username",
        LoginField::Password => "Password",
        LoginField::SetupCode => "Setup code",
        LoginField::Invite => "Invite",
    }
}

/// Draws the form.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let form = &state.login;
    let fields = form.fields();
    let h = (fields.len() as u16) * 2 + 8;
    let r = centered(area, 64.min(area.width), h);
    let title = if form.register {
        " Spectrus — Register "
    } else {
        " Spectrus — Log in "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.accent))
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let server = state.active_server();
    let about = match server.and_then(|s| s.info.as_ref()) {
        Some(i) if i.setup_required => {
            format!("{}: no owner yet — register with the setup code", i.name)
        }
        Some(i) => i.name.clone(),
        None => "Log in to a Spectrus server, or register a new account.".into(),
    };
    lines.push(Line::from(Span::styled(
        truncate(&about, w),
        Style::default().fg(theme.dim),
    )));
    lines.push(Line::default());
    let label_w = 12;
    let mut cursor = None;
    for f in &fields {
        let buf = form.buffer(*f);
        let shown = if *f == LoginField::Password {
            "•".repeat(buf.text().chars().count())
        } else {
            buf.text().to_owned()
        };
        let focused = *f == form.field;
        let lstyle = if focused {
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let value_w = w.saturating_sub(label_w + 1);
        let visible = truncate(&shown, value_w);
        if focused {
            let before = if *f == LoginField::Password {
                buf.text()[..buf.cursor()].chars().count()
            } else {
                buf.text()[..buf.cursor()].width()
            };
            cursor = Some((label_w + before.min(value_w), lines.len()));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{:<width$}", label(*f), width = label_w), lstyle),
            Span::styled(visible, Style::default().add_modifier(Modifier::UNDERLINED)),
        ]));
        lines.push(Line::default());
    }
    let status = match (server.map(|s| &s.auth), &form.error) {
        (Some(AuthStatus::Pending), _) => Some(Span::styled(
            "logging in…",
            Style::default().fg(theme.accent),
        )),
        (_, Some(e)) => Some(Span::styled(e.clone(), Style::default().fg(theme.error))),
        _ => None,
    };
    lines.push(status.map(Line::from).unwrap_or_default());
    let km = &state.keymap;
    let first = |c: Command| {
        km.keys(c)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let hint = format!(
        "{} {} · {} next · {} {} · {} quit",
        first(Command::LoginSubmit),
        if form.register { "register" } else { "log in" },
        first(Command::LoginNextField),
        first(Command::LoginToggleMode),
        if form.register { "log in" } else { "register" },
        first(Command::LoginQuit),
    );
    lines.push(Line::from(Span::styled(
        truncate(&hint, w),
        Style::default().fg(theme.dim),
    )));
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
    if let Some((x, y)) = cursor {
        frame.set_cursor_position(Position::new(inner.x + x as u16, inner.y + y as u16));
    }
}
