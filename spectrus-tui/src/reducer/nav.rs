//! Moves shared by input and gateway handling: opening channels, switching servers, paging
//! history, read-state acks and voice.

use crossterm::event::KeyEventKind;
use spectrus_proto::Id;
use spectrus_proto::model::{ChannelType, Message};

use crate::commands::MAX_VOLUME;
use crate::effect::Effect;
use crate::state::{
    ACK_DEBOUNCE_MS, AppState, AuthStatus, ChannelMessages, Focus, PAGE_SIZE, PendingAck,
    ServerKey, VoiceStatus,
};

/// Opens a channel of a server (which becomes the shown server): the new-message marker is
/// placed, the newest page is fetched if the channel was never loaded, and the choice is saved.
pub fn open_channel(state: &mut AppState, server: ServerKey, channel: Id, fx: &mut Vec<Effect>) {
    if state.active != Some(server) {
        flush_ack(state, fx);
        state.active = Some(server);
    }
    let Some(s) = state.server_mut(server) else {
        return;
    };
    if s.channel(channel)
        .is_none_or(|c| c.kind == ChannelType::Category)
    {
        return;
    }
    let switching = s.active_channel != Some(channel);
    if switching {
        if let Some(ack) = s.pending_ack.take() {
            fx.push(Effect::Ack {
                server,
                channel: ack.channel,
                message: ack.message,
            });
            mark_read(s, ack.channel, ack.message);
        }
        s.active_channel = Some(channel);
        s.selected_message = None;
        s.marker_after = s
            .read_states
            .get(&channel)
            .filter(|r| r.unread_count > 0)
            .and_then(|r| r.last_read_id.or(Some(Id(0))));
        fx.push(Effect::RememberChannel { server, channel });
    }
    let msgs = s.messages.entry(channel).or_default();
    if !msgs.loaded && !msgs.loading {
        msgs.loading = true;
        fx.push(Effect::FetchHistory {
            server,
            channel,
            before: None,
            limit: PAGE_SIZE,
        });
    }
    let row = s
        .openable_channels()
        .iter()
        .position(|c| c.id == channel)
        .unwrap_or(0);
    state.channel_cursor = row;
    if switching {
        state.composer.cancel();
    }
}

/// Shows another server; opens its channel (or the login form if it is logged out).
pub fn switch_server(state: &mut AppState, server: ServerKey, fx: &mut Vec<Effect>) {
    if state.server(server).is_none() {
        return;
    }
    flush_ack(state, fx);
    state.active = Some(server);
    state.member_cursor = 0;
    let Some(s) = state.server(server) else {
        return;
    };
    if s.auth != AuthStatus::LoggedIn {
        let (url, user) = (s.url.clone(), s.username.clone().unwrap_or_default());
        state.login.server.set(&url);
        state.login.username.set(&user);
        return;
    }
    let target = s
        .active_channel
        .or(s.last_channel)
        .filter(|c| s.channel(*c).is_some());
    if let Some(c) = target.or_else(|| s.first_text_channel()) {
        open_channel(state, server, c, fx);
    }
}

/// Moves to the next (`step` > 0) or previous server in the rail.
pub fn cycle_server(state: &mut AppState, step: isize, fx: &mut Vec<Effect>) {
    let n = state.servers.len() as isize;
    if n == 0 {
        return;
    }
    let i = state
        .servers
        .iter()
        .position(|s| Some(s.key) == state.active)
        .unwrap_or(0) as isize;
    let key = state.servers[(i + step).rem_euclid(n) as usize].key;
    switch_server(state, key, fx);
}

/// Moves the message selection by `delta` (negative: older). Reaching the oldest loaded
/// message asks for the page before it, once, while the server has more.
pub fn move_selection(state: &mut AppState, delta: isize, fx: &mut Vec<Effect>) {
    let Some(key) = state.active else { return };
    let Some(s) = state.server_mut(key) else {
        return;
    };
    let Some(channel) = s.active_channel else {
        return;
    };
    let Some(msgs) = s.messages.get(&channel) else {
        return;
    };
    let ids: Vec<Id> = msgs.messages.keys().copied().collect();
    if ids.is_empty() {
        if delta < 0 {
            request_older(state, fx);
        }
        return;
    }
    let current = match s
        .selected_message
        .and_then(|id| ids.iter().position(|x| *x == id))
    {
        Some(i) => i as isize,
        None => ids.len() as isize,
    };
    let target = current + delta;
    s.selected_message = if target >= ids.len() as isize {
        None
    } else {
        Some(ids[target.max(0) as usize])
    };
    if target <= 0 {
        request_older(state, fx);
    }
}

/// Asks for the page before the oldest loaded message of the open channel, unless one is on
/// its way or the server said there is no more.
pub fn request_older(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(key) = state.active else { return };
    let Some(s) = state.server_mut(key) else {
        return;
    };
    let Some(channel) = s.active_channel else {
        return;
    };
    let msgs = s.messages.entry(channel).or_default();
    if msgs.loading || !msgs.has_more || !msgs.loaded {
        return;
    }
    msgs.loading = true;
    fx.push(Effect::FetchHistory {
        server: key,
        channel,
        before: msgs.oldest(),
        limit: PAGE_SIZE,
    });
}

/// Merges a page of history: ordered by id, without duplicates; a short page means the start
/// of the channel was reached.
/// Opens `channel` at `message` (a search result, a pin, a link): selects it, loading the
/// page that ends with it when it is not loaded.
pub fn jump_to(
    state: &mut AppState,
    server: ServerKey,
    channel: Id,
    message: Id,
    fx: &mut Vec<Effect>,
) {
    open_channel(state, server, channel, fx);
    let Some(s) = state.server_mut(server) else {
        return;
    };
    if s.active_channel != Some(channel) {
        return;
    }
    let loaded = s
        .messages
        .get(&channel)
        .is_some_and(|m| m.messages.contains_key(&message));
    if !loaded {
        s.messages.entry(channel).or_default().loading = true;
        fx.push(Effect::FetchHistory {
            server,
            channel,
            before: Some(Id(message.0 + 1)),
            limit: PAGE_SIZE,
        });
    }
    s.selected_message = Some(message);
    state.focus = Focus::Messages;
}

pub fn history_loaded(
    state: &mut AppState,
    server: ServerKey,
    channel: Id,
    before: Option<Id>,
    messages: Vec<Message>,
) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let msgs: &mut ChannelMessages = s.messages.entry(channel).or_default();
    let full = messages.len() >= PAGE_SIZE;
    for m in messages.into_iter().filter(|m| m.channel_id == channel) {
        msgs.messages.insert(m.id, m);
    }
    msgs.loading = false;
    if before.is_none() {
        msgs.loaded = true;
        if !full {
            msgs.has_more = false;
        }
    } else {
        msgs.has_more = full;
    }
}

/// Whether the newest message of the open channel is on screen: the main view is shown, no
/// overlay hides it and the view follows the newest message.
fn reading_newest(state: &AppState) -> bool {
    !state.on_login_screen()
        && state.overlay.is_none()
        && state.active_server().is_some_and(|s| {
            s.active_messages()
                .is_some_and(|m| s.selected_message.is_none() || s.selected_message == m.newest())
        })
}

/// Schedules an ack of the newest visible message (sent by [`flush_due_acks`] after the
/// debounce; newer messages meanwhile move the ack forward, not its time).
pub fn schedule_ack(state: &mut AppState) {
    if !reading_newest(state) {
        return;
    }
    let now = state.now_ms;
    let Some(s) = state.active_server_mut() else {
        return;
    };
    let Some(channel) = s.active_channel else {
        return;
    };
    let Some(newest) = s.messages.get(&channel).and_then(|m| m.newest()) else {
        return;
    };
    let read = s.read_states.get(&channel);
    let already = read.is_some_and(|r| r.last_read_id >= Some(newest) && r.unread_count == 0);
    if already {
        return;
    }
    match &mut s.pending_ack {
        Some(a) if a.channel == channel => a.message = a.message.max(newest),
        _ => {
            s.pending_ack = Some(PendingAck {
                channel,
                message: newest,
                due_ms: now + ACK_DEBOUNCE_MS,
            })
        }
    }
}

/// Sends the acks whose debounce is over.
pub fn flush_due_acks(state: &mut AppState, fx: &mut Vec<Effect>) {
    let now = state.now_ms;
    for s in &mut state.servers {
        if let Some(a) = s.pending_ack.filter(|a| a.due_ms <= now) {
            s.pending_ack = None;
            fx.push(Effect::Ack {
                server: s.key,
                channel: a.channel,
                message: a.message,
            });
            mark_read(s, a.channel, a.message);
        }
    }
}

/// Sends the active server's pending ack now (leaving the channel or server).
fn flush_ack(state: &mut AppState, fx: &mut Vec<Effect>) {
    if let Some(s) = state.active_server_mut()
        && let Some(a) = s.pending_ack.take()
    {
        fx.push(Effect::Ack {
            server: s.key,
            channel: a.channel,
            message: a.message,
        });
        mark_read(s, a.channel, a.message);
    }
}

fn mark_read(s: &mut crate::state::ServerState, channel: Id, message: Id) {
    let r = s
        .read_states
        .entry(channel)
        .or_insert(spectrus_proto::model::ReadState {
            channel_id: channel,
            last_read_id: None,
            unread_count: 0,
            mention_count: 0,
        });
    r.last_read_id = r.last_read_id.max(Some(message));
    r.unread_count = 0;
    r.mention_count = 0;
}

/// The server voice is active in, if any.
pub fn voice_server(state: &AppState) -> Option<ServerKey> {
    match state.voice.status {
        VoiceStatus::Off => None,
        VoiceStatus::Joining { server, .. } | VoiceStatus::Connected { server, .. } => Some(server),
    }
}

/// Joins a voice channel (leaving voice elsewhere first: one server at a time).
pub fn join_voice(state: &mut AppState, server: ServerKey, channel: Id, fx: &mut Vec<Effect>) {
    match state.voice.status {
        VoiceStatus::Joining {
            server: s,
            channel: c,
        }
        | VoiceStatus::Connected {
            server: s,
            channel: c,
        } if s == server && c == channel => {
            return;
        }
        VoiceStatus::Joining { server: s, .. } | VoiceStatus::Connected { server: s, .. } => {
            fx.push(Effect::LeaveVoice { server: s });
        }
        VoiceStatus::Off => {}
    }
    state.voice.status = VoiceStatus::Joining { server, channel };
    fx.push(Effect::JoinVoice {
        server,
        channel,
        self_mute: state.voice.muted,
        self_deaf: state.voice.deafened,
    });
}

/// Leaves voice, if in it.
pub fn leave_voice(state: &mut AppState, fx: &mut Vec<Effect>) -> bool {
    match voice_server(state) {
        Some(server) => {
            fx.push(Effect::LeaveVoice { server });
            state.voice.status = VoiceStatus::Off;
            state.voice.mic_level = 0.0;
            set_talking(state, false, fx);
            true
        }
        None => false,
    }
}

/// Toggles mute (unmuting also undeafens, as deafened implies muted).
pub fn toggle_mute(state: &mut AppState, fx: &mut Vec<Effect>) {
    let v = &mut state.voice;
    if v.muted || v.deafened {
        v.muted = false;
        v.deafened = false;
    } else {
        v.muted = true;
    }
    push_voice_state(state, fx);
}

/// Toggles deafen.
pub fn toggle_deafen(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.voice.deafened = !state.voice.deafened;
    push_voice_state(state, fx);
}

/// Sets how loud `user` plays (percent, clamped to [`MAX_VOLUME`]) and says so.
pub fn set_volume(
    state: &mut AppState,
    server: ServerKey,
    user: Id,
    percent: u16,
    fx: &mut Vec<Effect>,
) {
    let percent = percent.min(MAX_VOLUME);
    let Some(s) = state.server_mut(server) else {
        return;
    };
    if percent == 100 {
        s.volumes.remove(&user);
    } else {
        s.volumes.insert(user, percent);
    }
    let name = s.member_name(user).unwrap_or_else(|| user.to_string());
    fx.push(Effect::SetUserVolume { user, percent });
    state.notify(format!("{name} plays at {percent}%"), false);
}

/// Changes the volume of the member selected in the member list by `delta` percent.
pub fn nudge_selected_volume(state: &mut AppState, delta: i32, fx: &mut Vec<Effect>) {
    if state.focus != Focus::Members {
        state.notify(
            "select a member in the member list to change their volume (or /volume @name 0-200)",
            true,
        );
        return;
    }
    let Some(s) = state.active_server() else {
        return;
    };
    let Some(user) = crate::view::members::member_order(s)
        .get(state.member_cursor)
        .copied()
    else {
        return;
    };
    if s.me.as_ref().is_some_and(|me| me.id == user) {
        state.notify("that is you: your own voice is never played back", true);
        return;
    }
    let server = s.key;
    let now = i32::from(s.volume(user));
    let next = (now + delta).clamp(0, i32::from(MAX_VOLUME));
    set_volume(state, server, user, next as u16, fx);
}

/// The push-to-talk key went down (`Press`/`Repeat`) or up (`Release`). Where the terminal
/// reports releases, talking lasts while the key is held; elsewhere each press toggles.
pub fn push_to_talk(state: &mut AppState, kind: KeyEventKind, fx: &mut Vec<Effect>) {
    if !state.voice.push_to_talk {
        if kind == KeyEventKind::Press {
            state.notify(
                "push-to-talk is off: set mode = \"ptt\" under [voice] in tui.toml",
                false,
            );
        }
        return;
    }
    let talking = match (state.key_release, kind) {
        (true, KeyEventKind::Press | KeyEventKind::Repeat) => true,
        (true, KeyEventKind::Release) => false,
        (false, KeyEventKind::Press) => !state.voice.talking,
        (false, _) => return,
    };
    set_talking(state, talking, fx);
}

fn set_talking(state: &mut AppState, talking: bool, fx: &mut Vec<Effect>) {
    if state.voice.talking != talking {
        state.voice.talking = talking;
        fx.push(Effect::PushToTalk { active: talking });
    }
}

fn push_voice_state(state: &AppState, fx: &mut Vec<Effect>) {
    if let Some(server) = voice_server(state) {
        fx.push(Effect::SetVoiceState {
            server,
            self_mute: state.voice.muted || state.voice.deafened,
            self_deaf: state.voice.deafened,
        });
    }
}

/// Moves the focus, skipping panes the layout hides and the rail when there is one server.
pub fn cycle_focus(state: &mut AppState, forward: bool) {
    let mut f = state.focus.cycle(forward);
    if f == Focus::Rail && state.servers.len() <= 1 {
        f = f.cycle(forward);
    }
    state.focus = f;
}
