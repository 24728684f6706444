//! Where each pane goes for a terminal size. Shared by drawing and by mouse hit-testing, so a
//! click lands on what was drawn. Panes narrow, then collapse, as the terminal shrinks: at
//! 80 columns the member list shows only while it has the focus.

use ratatui::layout::Rect;

use crate::state::{AppState, Focus};

/// The rectangles of the main view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainLayout {
    /// Server rail (hidden when narrow and unfocused, or with one server).
    pub rail: Option<Rect>,
    /// Channel list.
    pub channels: Option<Rect>,
    /// Messages.
    pub messages: Rect,
    /// The typing line.
    pub typing: Rect,
    /// The composer.
    pub composer: Rect,
    /// Member list.
    pub members: Option<Rect>,
    /// The status line.
    pub status: Rect,
}

/// Most composer text lines shown at once.
pub const COMPOSER_MAX_LINES: u16 = 6;

/// Computes the layout for `area`.
pub fn main_layout(area: Rect, state: &AppState) -> MainLayout {
    let w = area.width;
    let status = Rect::new(
        area.x,
        area.bottom().saturating_sub(1),
        w,
        area.height.min(1),
    );
    let body_h = area.height.saturating_sub(1);
    let focus = state.focus;
    let many_servers = state.servers.len() > 1;
    let (rail_w, chan_w, mem_w) = if w >= 120 {
        (if many_servers { 6 } else { 0 }, 26, 26)
    } else if w >= 80 {
        (
            if many_servers || focus == Focus::Rail {
                5
            } else {
                0
            },
            20,
            if focus == Focus::Members { 22 } else { 0 },
        )
    } else {
        (
            if focus == Focus::Rail { 5 } else { 0 },
            if focus == Focus::Channels {
                20.min(w / 2)
            } else {
                0
            },
            if focus == Focus::Members {
                20.min(w / 2)
            } else {
                0
            },
        )
    };
    let mut x = area.x;
    let mut take = |width: u16| {
        let r = Rect::new(x, area.y, width, body_h);
        x += width;
        (width > 0).then_some(r)
    };
    let rail = take(rail_w);
    let channels = take(chan_w);
    let mid_w = w.saturating_sub(rail_w + chan_w + mem_w);
    let mid = Rect::new(x, area.y, mid_w, body_h);
    let members = (mem_w > 0).then(|| Rect::new(x + mid_w, area.y, mem_w, body_h));
    let lines = state.composer.buffer.text().split('\n').count() as u16;
    let composer_h = (lines.clamp(1, COMPOSER_MAX_LINES) + 2).min(mid.height.saturating_sub(2));
    let typing_h = 1.min(mid.height.saturating_sub(composer_h));
    let messages_h = mid.height.saturating_sub(composer_h + typing_h);
    MainLayout {
        rail,
        channels,
        messages: Rect::new(mid.x, mid.y, mid.width, messages_h),
        typing: Rect::new(mid.x, mid.y + messages_h, mid.width, typing_h),
        composer: Rect::new(mid.x, mid.y + messages_h + typing_h, mid.width, composer_h),
        members,
        status,
    }
}
