//! Views: each draws one part of the screen from [`AppState`] alone (no I/O, no mutation).
//!
//! [`draw`] picks the login screen or the main view, then the overlay on top.

pub mod channels;
pub mod composer;
pub mod login;
pub mod markdown;
pub mod members;
pub mod messages;
pub mod overlay;
pub mod rail;
pub mod status;
pub mod text;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::config::Theme;
use crate::state::{AppState, Overlay};
use crate::view::layout;

/// Draws one frame.
pub fn draw(frame: &mut Frame, state: &AppState) {
    let theme = theme(state);
    let area = frame.area();
    if state.on_login_screen() {
        login::draw(frame, area, state, &theme);
        return;
    }
    let l = layout::main_layout(area, state);
    if let Some(r) = l.rail {
        rail::draw(frame, r, state, &theme);
    }
    if let Some(r) = l.channels {
        channels::draw(frame, r, state, &theme);
    }
    messages::draw(frame, l.messages, state, &theme);
    status::draw_typing(frame, l.typing, state, &theme);
    composer::draw(frame, l.composer, state, &theme);
    if let Some(r) = l.members {
        members::draw(frame, r, state, &theme);
    }
    status::draw(frame, l.status, state, &theme);
    match &state.overlay {
        Some(Overlay::Help { scroll }) => overlay::draw_help(frame, area, state, *scroll, &theme),
        Some(Overlay::Switcher(sw)) => overlay::draw_switcher(frame, area, state, sw, &theme),
        Some(Overlay::Results(r)) => overlay::draw_results(frame, area, state, r, &theme),
        None => {}
    }
}

/// The colours for the shown server (its branding accent wins when it has one).
pub fn theme(state: &AppState) -> Theme {
    let accent = state
        .active_server()
        .and_then(|s| s.info.as_ref())
        .and_then(|i| i.branding.accent_color.as_deref());
    state.config.theme(accent)
}

/// A bordered pane whose border and title light up when it has the focus.
pub fn pane<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    let style = if focused {
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(theme.dim)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(style)
        .title(title)
}

/// Draws a [`pane`] over `area`, its title cut to fit the border, and returns the area inside.
pub fn titled_pane(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    focused: bool,
    theme: &Theme,
) -> Rect {
    let block = pane(
        text::truncate(title, area.width.saturating_sub(4) as usize),
        focused,
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
