//! The status line (connection, voice, microphone level, notices) and the typing line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::truncate;
use crate::config::Theme;
use crate::state::{AppState, ConnStatus, VoiceStatus};

/// How a connection status reads.
pub fn conn_label(c: &ConnStatus) -> String {
    match c {
        ConnStatus::Offline => "offline".into(),
        ConnStatus::Connecting => "connecting…".into(),
        ConnStatus::Connected => "connected".into(),
        ConnStatus::Reconnecting { attempt: 0 } => "disconnected, reconnecting…".into(),
        ConnStatus::Reconnecting { attempt } => format!("reconnecting (attempt {attempt})…"),
        ConnStatus::Resumed { .. } => "resumed".into(),
    }
}

/// The microphone meter: `width` cells, filled by level.
pub fn meter(level: f32, width: usize) -> String {
    let filled = ((level.clamp(0.0, 1.0) * width as f32).round() as usize).min(width);
    format!("{}{}", "▮".repeat(filled), "▯".repeat(width - filled))
}

/// The typing line text: "alice is typing…", "alice and bob are typing…", ...
pub fn typing_text(names: &[String]) -> Option<String> {
    Some(match names {
        [] => return None,
        [a] => format!("{a} is typing…"),
        [a, b] => format!("{a} and {b} are typing…"),
        [a, b, c] => format!("{a}, {b} and {c} are typing…"),
        _ => "several people are typing…".into(),
    })
}

/// Draws the typing line of the open channel.
pub fn draw_typing(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(s) = state.active_server() else {
        return;
    };
    let Some(c) = s.active_channel else { return };
    if let Some(t) = typing_text(&s.typing_names(c)) {
        let line = Span::styled(
            truncate(&format!(" {t}"), area.width as usize),
            Style::default()
                .fg(theme.dim)
                .add_modifier(Modifier::ITALIC),
        );
        frame.render_widget(Paragraph::new(line), area);
    }
}

/// "Echo is thinking…" while a deferred plugin command of the open channel waits.
pub fn thinking_text(state: &AppState) -> Option<String> {
    let s = state.active_server()?;
    let channel = s.active_channel?;
    let mut plugins: Vec<&str> = s
        .thinking
        .iter()
        .filter(|t| t.channel == channel && t.until_ms > state.now_ms)
        .map(|t| t.plugin.as_str())
        .collect();
    plugins.dedup();
    match plugins.as_slice() {
        [] => None,
        [one] => Some(format!("{one} is thinking…")),
        more => Some(format!("{} are thinking…", more.join(", "))),
    }
}

/// Draws the status line.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let dim = Style::default().fg(theme.dim);
    let mut spans = Vec::new();
    if let Some(s) = state.active_server() {
        let colour = match s.conn {
            ConnStatus::Connected | ConnStatus::Resumed { .. } => theme.online,
            ConnStatus::Offline => theme.dim,
            _ => theme.mention,
        };
        spans.push(Span::styled("● ", Style::default().fg(colour)));
        spans.push(Span::raw(format!(
            "{} {}",
            s.display_name(),
            conn_label(&s.conn)
        )));
    }
    spans.push(Span::styled(" │ ", dim));
    let v = &state.voice;
    let channel_name = |server, channel| {
        state
            .server(server)
            .and_then(|s| s.channel(channel))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    match v.status {
        VoiceStatus::Off => spans.push(Span::styled("voice off", dim)),
        VoiceStatus::Joining { server, channel } => spans.push(Span::raw(format!(
            "joining ♪{}…",
            channel_name(server, channel)
        ))),
        VoiceStatus::Connected { server, channel } => spans.push(Span::styled(
            format!("♪{}", channel_name(server, channel)),
            Style::default().fg(theme.online),
        )),
    }
    if v.muted || v.deafened {
        spans.push(Span::styled(" muted", Style::default().fg(theme.error)));
    }
    if v.deafened {
        spans.push(Span::styled(" deafened", Style::default().fg(theme.error)));
    }
    if v.push_to_talk && v.status != VoiceStatus::Off {
        spans.push(if v.talking {
            Span::styled(" PTT talking", Style::default().fg(theme.online))
        } else {
            Span::styled(" PTT", dim)
        });
    }
    if matches!(v.status, VoiceStatus::Connected { .. }) {
        spans.push(Span::raw(" mic "));
        spans.push(Span::styled(
            meter(if v.muted { 0.0 } else { v.mic_level }, 8),
            Style::default().fg(theme.online),
        ));
    }
    if let Some(t) = thinking_text(state) {
        spans.push(Span::styled(" │ ", dim));
        spans.push(Span::styled(
            t,
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::ITALIC),
        ));
    }
    if let Some(n) = &state.notice {
        spans.push(Span::styled(" │ ", dim));
        spans.push(Span::styled(
            n.text.clone(),
            Style::default().fg(if n.error { theme.error } else { theme.accent }),
        ));
    }
    let help = format!(
        " {} help ",
        state
            .keymap
            .keys(crate::keymap::Command::Help)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    );
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let gap = (area.width as usize).saturating_sub(used + help.len());
    if gap > 0 {
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(help, dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
