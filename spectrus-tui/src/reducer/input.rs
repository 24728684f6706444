//! Terminal input: keys through the keymap, mouse clicks and wheel through the layout, paste.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use spectrus_proto::Id;
use spectrus_proto::model::ChannelType;

use super::nav;
use crate::commands::SlashCommand;
use crate::composer::{ComposeMode, Submission};
use crate::effect::Effect;
use crate::keymap::{Command, Scope};
use crate::state::{
    AppState, AuthStatus, Focus, LoginField, Overlay, PendingMessage, Switcher,
    TYPING_SEND_INTERVAL_MS,
};
use crate::view::channels::{self, ChannelRow};
use crate::view::{layout, members};

/// A key press.
pub(super) fn key(state: &mut AppState, ev: KeyEvent, fx: &mut Vec<Effect>) {
    // Push-to-talk is the one binding that also listens to repeats and releases.
    if !state.on_login_screen()
        && state.overlay.is_none()
        && state.keymap.lookup(Scope::Global, &ev) == Some(Command::PushToTalk)
    {
        return nav::push_to_talk(state, ev.kind, fx);
    }
    if ev.kind == KeyEventKind::Release {
        return;
    }
    if state.on_login_screen() {
        return login_key(state, &ev, fx);
    }
    // A delete waits for its confirmation: the delete key again; any other key keeps the message.
    if state.pending_delete.is_some()
        && (state.focus == Focus::Composer
            || state.keymap.lookup(Scope::Panes, &ev) != Some(Command::Delete))
    {
        state.pending_delete = None;
        state.notice = None;
    }
    match &state.overlay {
        Some(Overlay::Help { scroll }) => {
            let scroll = *scroll;
            state.overlay = match state.keymap.lookup(Scope::Panes, &ev) {
                Some(Command::Down) => Some(Overlay::Help {
                    scroll: scroll.saturating_add(1),
                }),
                Some(Command::PageDown) => Some(Overlay::Help {
                    scroll: scroll.saturating_add(10),
                }),
                Some(Command::Up) => Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                }),
                Some(Command::PageUp) => Some(Overlay::Help {
                    scroll: scroll.saturating_sub(10),
                }),
                _ => None,
            };
            return;
        }
        Some(Overlay::Switcher(_)) => return switcher_key(state, &ev, fx),
        Some(Overlay::Results(_)) => return results_key(state, &ev, fx),
        None => {}
    }
    if let Some(cmd) = state.keymap.lookup(Scope::Global, &ev) {
        return global(state, cmd, fx);
    }
    if state.focus == Focus::Composer {
        match state.keymap.lookup(Scope::Composer, &ev) {
            Some(cmd) => composer_command(state, cmd, fx),
            None => {
                if let Some(c) = typed_char(&ev) {
                    state.composer.insert_char(c);
                    announce_typing(state, fx);
                }
            }
        }
        return;
    }
    if let Some(cmd) = state.keymap.lookup(Scope::Panes, &ev) {
        pane_command(state, cmd, fx);
    }
}

/// A character to insert, for keys without Ctrl or Alt.
fn typed_char(ev: &KeyEvent) -> Option<char> {
    match ev.code {
        KeyCode::Char(c)
            if !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn global(state: &mut AppState, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::Quit => quit(state, fx),
        Command::NextPane => {
            let plugins = state
                .active_server()
                .map(|s| s.plugin_commands.clone())
                .unwrap_or_default();
            if state.focus == Focus::Composer
                && state.composer.complete(&state.mentionables(), &plugins)
            {
                // A plugin command or option says what it is.
                let hint = state
                    .composer
                    .completion
                    .as_ref()
                    .and_then(|c| c.candidates[c.index].hint.clone());
                if let Some(h) = hint {
                    state.notify(h, false);
                }
                return;
            }
            let emojis = state
                .active_server()
                .map(|s| s.emojis.clone())
                .unwrap_or_default();
            if state.focus == Focus::Composer
                && crate::emoji::complete(&mut state.composer, &emojis)
            {
                return;
            }
            nav::cycle_focus(state, true);
        }
        Command::PrevPane => nav::cycle_focus(state, false),
        Command::Switcher => state.overlay = Some(Overlay::Switcher(Switcher::default())),
        Command::NextServer => nav::cycle_server(state, 1, fx),
        Command::PrevServer => nav::cycle_server(state, -1, fx),
        _ => {}
    }
}

fn quit(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.should_quit = true;
    fx.push(Effect::Quit);
}

fn pane_command(state: &mut AppState, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::QuitPane => quit(state, fx),
        Command::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Command::Up => move_in_pane(state, -1, fx),
        Command::Down => move_in_pane(state, 1, fx),
        Command::PageUp => move_in_pane(state, -10, fx),
        Command::PageDown => move_in_pane(state, 10, fx),
        Command::Top => move_in_pane(state, -100_000, fx),
        Command::Bottom => move_in_pane(state, 100_000, fx),
        Command::Activate => activate(state, fx),
        Command::Compose => state.focus = Focus::Composer,
        Command::Reply => {
            if let Some(id) = selected_message(state) {
                state.composer.start_reply(id);
                state.focus = Focus::Composer;
            }
        }
        Command::Edit => {
            if let Some(id) = selected_message(state) {
                start_edit(state, id);
            }
        }
        Command::OpenAttachment => open_attachment(state, fx),
        Command::Delete => {
            if let Some((server, channel, id)) = own_selected(state) {
                if state.pending_delete.take() == Some(id) {
                    fx.push(Effect::DeleteMessage {
                        server,
                        channel,
                        message: id,
                    });
                } else {
                    let again = state
                        .keymap
                        .keys(Command::Delete)
                        .first()
                        .map(|k| k.to_string())
                        .unwrap_or_default();
                    state.pending_delete = Some(id);
                    state.notify(
                        format!("delete this message? press {again} again to delete it, any other key keeps it"),
                        false,
                    );
                }
            } else {
                state.notify("select one of your messages to delete it", true);
            }
        }
        Command::ToggleMute => nav::toggle_mute(state, fx),
        Command::ToggleDeafen => nav::toggle_deafen(state, fx),
        Command::VolumeUp => nav::nudge_selected_volume(state, 10, fx),
        Command::VolumeDown => nav::nudge_selected_volume(state, -10, fx),
        Command::LeaveVoice => {
            nav::leave_voice(state, fx);
        }
        Command::Logout => {
            if let Some(s) = state.active_server_mut() {
                let server = s.key;
                s.auth = AuthStatus::LoggedOut;
                s.conn = crate::state::ConnStatus::Offline;
                let (url, user) = (s.url.clone(), s.username.clone().unwrap_or_default());
                if nav::voice_server(state) == Some(server) {
                    nav::leave_voice(state, fx);
                }
                state.login.server.set(&url);
                state.login.username.set(&user);
                state.login.field = LoginField::Password;
                fx.push(Effect::Logout { server });
            }
        }
        _ => {}
    }
}

fn move_in_pane(state: &mut AppState, delta: isize, fx: &mut Vec<Effect>) {
    match state.focus {
        Focus::Rail => nav::cycle_server(state, delta.signum(), fx),
        Focus::Channels => {
            let n = state
                .active_server()
                .map_or(0, |s| s.openable_channels().len());
            state.channel_cursor = clamp_add(state.channel_cursor, delta, n);
        }
        Focus::Messages | Focus::Composer => nav::move_selection(state, delta, fx),
        Focus::Members => move_member_cursor(state, delta, fx),
    }
}

/// Moves the member cursor; on a large server, moving past either end of the watched page
/// watches the next or previous page instead.
fn move_member_cursor(state: &mut AppState, delta: isize, fx: &mut Vec<Effect>) {
    let cursor = state.member_cursor;
    let Some(key) = state.active else { return };
    let Some(s) = state.server_mut(key) else {
        return;
    };
    let n = s.members.len();
    let page = super::gateway::MEMBER_PAGE;
    if s.large && delta > 0 && cursor + 1 >= n && u64::from(s.member_offset + page) < s.member_count
    {
        s.member_offset += page;
        super::gateway::watch_members(s, key, fx);
        state.member_cursor = 0;
    } else if s.large && delta < 0 && cursor == 0 && s.member_offset > 0 {
        s.member_offset = s.member_offset.saturating_sub(page);
        super::gateway::watch_members(s, key, fx);
        state.member_cursor = 0;
    } else {
        state.member_cursor = clamp_add(cursor, delta, n);
    }
}

fn clamp_add(at: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (at as isize + delta).clamp(0, len as isize - 1) as usize
}

fn activate(state: &mut AppState, fx: &mut Vec<Effect>) {
    match state.focus {
        Focus::Channels => {
            let Some(s) = state.active_server() else {
                return;
            };
            let Some(c) = s
                .openable_channels()
                .get(state.channel_cursor)
                .map(|c| (c.id, c.kind))
            else {
                return;
            };
            activate_channel(state, s.key, c.0, c.1, fx);
        }
        Focus::Members => {
            let Some(s) = state.active_server() else {
                return;
            };
            let rows = members::member_order(s);
            if let Some(user) = rows.get(state.member_cursor)
                && let Some(m) = s.members.get(user)
            {
                let name = format!("@{}", m.user.username);
                state.composer.mentions.push((name.clone(), *user));
                state.composer.paste(&format!("{name} "));
                state.focus = Focus::Composer;
            }
        }
        Focus::Messages => {
            if let Some(id) = selected_message(state) {
                state.composer.start_reply(id);
                state.focus = Focus::Composer;
            }
        }
        Focus::Rail | Focus::Composer => state.focus = Focus::Composer,
    }
}

fn activate_channel(
    state: &mut AppState,
    server: crate::state::ServerKey,
    channel: Id,
    kind: ChannelType,
    fx: &mut Vec<Effect>,
) {
    match kind {
        ChannelType::Voice => nav::join_voice(state, server, channel, fx),
        ChannelType::Text | ChannelType::Dm | ChannelType::GroupDm => {
            nav::open_channel(state, server, channel, fx);
            state.focus = Focus::Composer;
        }
        ChannelType::Category => {}
    }
}

fn selected_message(state: &AppState) -> Option<Id> {
    state.active_server().and_then(|s| s.selected_message)
}

/// Opens the selected message's first attachment (its signed URL) with the system opener.
fn open_attachment(state: &mut AppState, fx: &mut Vec<Effect>) {
    let found = state.active_server().and_then(|s| {
        let id = s.selected_message?;
        let channel = s.active_channel?;
        let m = s.messages.get(&channel)?.messages.get(&id)?;
        let a = m.attachments.first()?;
        Some((
            format!("{}{}", s.url.trim_end_matches('/'), a.url),
            a.filename.clone(),
        ))
    });
    match found {
        Some((url, name)) => {
            state.notify(format!("opening {name}"), false);
            fx.push(Effect::OpenUrl { url });
        }
        None => state.notify("select a message with an attachment (k/j), then o", true),
    }
}

fn own_selected(state: &AppState) -> Option<(crate::state::ServerKey, Id, Id)> {
    let s = state.active_server()?;
    let id = s.selected_message?;
    let channel = s.active_channel?;
    let m = s.messages.get(&channel)?.messages.get(&id)?;
    (Some(m.author.id) == s.me.as_ref().map(|u| u.id)).then_some((s.key, channel, id))
}

fn start_edit(state: &mut AppState, id: Id) {
    let Some(s) = state.active_server() else {
        return;
    };
    let Some((_, channel, _)) = own_selected(state)
        .filter(|(_, _, m)| *m == id)
        .or_else(|| {
            let c = s.active_channel?;
            let m = s.messages.get(&c)?.messages.get(&id)?;
            (Some(m.author.id) == s.me.as_ref().map(|u| u.id)).then_some((s.key, c, id))
        })
    else {
        state.notify("you can only edit your own messages", true);
        return;
    };
    let Some(content) = s
        .messages
        .get(&channel)
        .and_then(|c| c.messages.get(&id))
        .map(|m| crate::emoji::to_names(&m.content, &s.emojis))
    else {
        return;
    };
    let names = |u: Id| s.members.get(&u).map(|m| m.user.username.clone());
    let mut composer = state.composer.clone();
    composer.start_edit(id, &content, &names);
    state.composer = composer;
    state.focus = Focus::Composer;
}

fn composer_command(state: &mut AppState, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::Send => send(state, fx),
        // Esc cancels an edit or a reply; with nothing to cancel it leaves the composer (for
        // the panes' keys: `?` help, `q` quit, ...).
        Command::Cancel => {
            if state.composer.mode == ComposeMode::New {
                state.focus = Focus::Messages;
            } else {
                state.composer.cancel();
            }
        }
        Command::LineUp => {
            if state.composer.buffer.is_empty() && state.composer.mode == ComposeMode::New {
                edit_last_own(state);
            } else {
                state.composer.edit(cmd);
            }
        }
        other => {
            state.composer.edit(other);
        }
    }
}

fn edit_last_own(state: &mut AppState) {
    let Some(s) = state.active_server() else {
        return;
    };
    let me = s.me.as_ref().map(|u| u.id);
    let last = s.active_messages().and_then(|m| {
        m.messages
            .values()
            .rev()
            .find(|m| Some(m.author.id) == me)
            .map(|m| m.id)
    });
    match last {
        Some(id) => start_edit(state, id),
        None => state.notify("no message of yours to edit here", false),
    }
}

fn announce_typing(state: &mut AppState, fx: &mut Vec<Effect>) {
    let text = state.composer.buffer.text();
    if text.is_empty()
        || text.starts_with('/')
        || matches!(state.composer.mode, ComposeMode::Edit(_))
    {
        return;
    }
    let Some(s) = state.active_server() else {
        return;
    };
    let Some(channel) = s.active_channel else {
        return;
    };
    let due = match state.typing_sent_ms {
        Some((c, at)) => c != channel || state.now_ms >= at + TYPING_SEND_INTERVAL_MS,
        None => true,
    };
    if due {
        fx.push(Effect::SendTyping {
            server: s.key,
            channel,
        });
        state.typing_sent_ms = Some((channel, state.now_ms));
    }
}

fn send(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(s) = state.active_server() else {
        return;
    };
    let (server, channel) = (s.key, s.active_channel);
    let emojis = s.emojis.clone();
    if run_plugin_command(state, fx) {
        return;
    }
    match state.composer.submit() {
        Submission::Nothing => {}
        Submission::Message { content, reply_to } => {
            let Some(channel) = channel else {
                state.notify("open a channel first", true);
                return;
            };
            let content = crate::emoji::expand(&content, &emojis);
            send_message(state, server, channel, content, reply_to, fx);
        }
        Submission::Edit { message, content } => {
            let content = crate::emoji::expand(&content, &emojis);
            if let Some(channel) = channel {
                fx.push(Effect::EditMessage {
                    server,
                    channel,
                    message,
                    content,
                });
            }
        }
        Submission::Command(Err(e)) => state.notify(e.to_string(), true),
        Submission::Command(Ok(cmd)) => run_command(state, cmd, fx),
    }
}

/// A plugin's slash command in the composer (built-in commands keep their names): runs it and
/// empties the composer, or says what is wrong and keeps the text. False when it is not one.
fn run_plugin_command(state: &mut AppState, fx: &mut Vec<Effect>) -> bool {
    if matches!(state.composer.mode, crate::composer::ComposeMode::Edit(_)) {
        return false;
    }
    let Some(s) = state.active_server() else {
        return false;
    };
    let text = state.composer.buffer.text().trim().to_owned();
    let Some((name, rest)) = crate::plugins::split(&text) else {
        return false;
    };
    let Some(cmd) = crate::plugins::find(&s.plugin_commands, name).cloned() else {
        return false;
    };
    let (server, channel) = (s.key, s.active_channel);
    let Some(channel) = channel else {
        state.notify("open a channel first", true);
        return true;
    };
    match crate::plugins::options(&cmd, rest) {
        Err(e) => state.notify(e, true),
        Ok(options) => {
            state.composer.buffer.take();
            state.composer.completion = None;
            state.composer.mentions.clear();
            state.typing_sent_ms = None;
            fx.push(Effect::InvokeCommand {
                server,
                channel,
                command: cmd.name,
                options,
                plugin: cmd.plugin_name,
                bot: cmd.bot_id,
            });
        }
    }
    true
}

fn send_message(
    state: &mut AppState,
    server: crate::state::ServerKey,
    channel: Id,
    content: String,
    reply_to: Option<Id>,
    fx: &mut Vec<Effect>,
) {
    let nonce = state.next_nonce();
    state.typing_sent_ms = None;
    if let Some(s) = state.server_mut(server) {
        s.pending.push(PendingMessage {
            nonce: nonce.clone(),
            channel,
            content: content.clone(),
            reply_to,
            failed: None,
        });
        s.selected_message = None;
    }
    fx.push(Effect::SendMessage {
        server,
        channel,
        content,
        reply_to,
        nonce,
    });
}

fn run_command(state: &mut AppState, cmd: SlashCommand, fx: &mut Vec<Effect>) {
    let Some(s) = state.active_server() else {
        return;
    };
    let server = s.key;
    match cmd {
        SlashCommand::Join(name) => {
            let voice: Vec<(Id, String)> = s
                .openable_channels()
                .into_iter()
                .filter(|c| c.kind == ChannelType::Voice)
                .map(|c| (c.id, c.name.clone()))
                .collect();
            let target = match name {
                Some(n) => voice
                    .iter()
                    .filter_map(|(id, name)| crate::fuzzy::score(&n, name).map(|sc| (sc, *id)))
                    .max()
                    .map(|(_, id)| id),
                None => {
                    let cursor = s
                        .openable_channels()
                        .get(state.channel_cursor)
                        .map(|c| c.id);
                    [cursor, s.active_channel]
                        .into_iter()
                        .flatten()
                        .find(|c| voice.iter().any(|(v, _)| v == c))
                        .or_else(|| (voice.len() == 1).then(|| voice[0].0))
                }
            };
            match target {
                Some(c) => nav::join_voice(state, server, c, fx),
                None => state.notify("no such voice channel (try /join NAME)", true),
            }
        }
        SlashCommand::Leave => {
            if !nav::leave_voice(state, fx) {
                state.notify("you are not in voice", false);
            }
        }
        SlashCommand::Mute => nav::toggle_mute(state, fx),
        SlashCommand::Deafen => nav::toggle_deafen(state, fx),
        SlashCommand::Nick(nick) => fx.push(Effect::SetNick { server, nick }),
        SlashCommand::Invite => fx.push(Effect::CreateInvite { server }),
        SlashCommand::Search(query) => fx.push(Effect::Search { server, query }),
        SlashCommand::Dm(name) => match s.find_member(&name) {
            Some(user) if Some(user) == s.me.as_ref().map(|u| u.id) => {
                state.notify("you cannot message yourself", true);
            }
            Some(user) => fx.push(Effect::OpenDm { server, user }),
            None => state.notify(format!("no member called {name}"), true),
        },
        SlashCommand::Upload(path) => match s.active_channel {
            Some(channel) => {
                state.notify(format!("uploading {path}…"), false);
                fx.push(Effect::UploadFile {
                    server,
                    channel,
                    path,
                });
            }
            None => state.notify("open a channel first", true),
        },
        SlashCommand::Pins => match s.active_channel {
            Some(channel) => fx.push(Effect::FetchPins { server, channel }),
            None => state.notify("open a channel first", true),
        },
        SlashCommand::Jump(link) => match crate::commands::message_link(&link) {
            Some((channel, message)) if s.channel(channel).is_some() => {
                nav::jump_to(state, server, channel, message, fx);
            }
            Some(_) => state.notify("that channel is not on this server (or hidden)", true),
            None => state.notify(
                "a message link looks like …/channels/<channel>/<message>",
                true,
            ),
        },
        SlashCommand::Volume { name, percent } => match s.find_member(&name) {
            Some(user) => nav::set_volume(state, server, user, percent, fx),
            None => state.notify(format!("no member called {name}"), true),
        },
        SlashCommand::Reply(text) => {
            let Some(target) = s.selected_message else {
                state.composer.mode = ComposeMode::New;
                state.notify(
                    "select a message to reply to (Tab to the messages, j/k)",
                    true,
                );
                return;
            };
            match (text, s.active_channel) {
                (Some(text), Some(channel)) => {
                    let content = state.composer.resolve_mentions(&text);
                    send_message(state, server, channel, content, Some(target), fx);
                }
                _ => state.composer.start_reply(target),
            }
        }
        SlashCommand::React(emoji) => {
            let emoji = crate::emoji::reaction_key(&emoji, &s.emojis);
            let Some(channel) = s.active_channel else {
                return;
            };
            let Some(msgs) = s.messages.get(&channel) else {
                return;
            };
            let Some(message) = s.selected_message.or_else(|| msgs.newest()) else {
                state.notify("nothing to react to", true);
                return;
            };
            let mine = msgs
                .messages
                .get(&message)
                .is_some_and(|m| m.reactions.iter().any(|r| r.emoji == emoji && r.me));
            fx.push(Effect::React {
                server,
                channel,
                message,
                emoji,
                add: !mine,
            });
        }
    }
}

fn switcher_key(state: &mut AppState, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    let Some(Overlay::Switcher(sw)) = &state.overlay else {
        return;
    };
    let query = sw.query.text().to_owned();
    let selected = sw.selected;
    let matches = state.switcher_matches(&query);
    match state.keymap.lookup(Scope::Switcher, ev) {
        Some(Command::SwitcherClose) => state.overlay = None,
        Some(Command::SwitcherUp) => {
            set_switcher(state, |sw| sw.selected = sw.selected.saturating_sub(1))
        }
        Some(Command::SwitcherDown) => {
            let max = matches.len().saturating_sub(1);
            set_switcher(state, |sw| sw.selected = (sw.selected + 1).min(max));
        }
        Some(Command::SwitcherOpen) => {
            state.overlay = None;
            if let Some(m) = matches.get(selected) {
                if m.voice {
                    nav::join_voice(state, m.server, m.channel, fx);
                } else {
                    nav::open_channel(state, m.server, m.channel, fx);
                    state.focus = Focus::Composer;
                }
            }
        }
        _ => match (ev.code, typed_char(ev)) {
            (_, Some(c)) => set_switcher(state, |sw| {
                sw.query.insert_char(c);
                sw.selected = 0;
            }),
            (KeyCode::Backspace, _) => set_switcher(state, |sw| {
                sw.query.backspace();
                sw.selected = 0;
            }),
            _ => {}
        },
    }
}

/// Keys in a `/search` or `/pins` list: Up/Down (or k/j) move, Enter jumps, Esc closes.
fn results_key(state: &mut AppState, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    let Some(Overlay::Results(r)) = &mut state.overlay else {
        return;
    };
    match ev.code {
        KeyCode::Esc => state.overlay = None,
        KeyCode::Up | KeyCode::Char('k') => r.selected = r.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            r.selected = (r.selected + 1).min(r.items.len().saturating_sub(1));
        }
        KeyCode::Enter => {
            let target = r
                .items
                .get(r.selected)
                .map(|m| (r.server, m.channel_id, m.id));
            state.overlay = None;
            if let Some((server, channel, message)) = target {
                nav::jump_to(state, server, channel, message, fx);
            }
        }
        _ => {}
    }
}

fn set_switcher(state: &mut AppState, f: impl FnOnce(&mut Switcher)) {
    if let Some(Overlay::Switcher(sw)) = &mut state.overlay {
        f(sw);
    }
}

fn login_key(state: &mut AppState, ev: &KeyEvent, fx: &mut Vec<Effect>) {
    if let Some(cmd @ (Command::NextServer | Command::PrevServer)) =
        state.keymap.lookup(Scope::Global, ev)
    {
        return global(state, cmd, fx);
    }
    let form = &mut state.login;
    match state.keymap.lookup(Scope::Login, ev) {
        Some(Command::LoginQuit) => quit(state, fx),
        Some(Command::LoginNextField) | Some(Command::LoginPrevField) => {
            let fields = form.fields();
            let i = fields.iter().position(|f| *f == form.field).unwrap_or(0);
            let n = fields.len();
            let forward = state.keymap.lookup(Scope::Login, ev) == Some(Command::LoginNextField);
            form.field = fields[if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }];
        }
        Some(Command::LoginToggleMode) => {
            form.register = !form.register;
            if !form.fields().contains(&form.field) {
                form.field = LoginField::Password;
            }
        }
        Some(Command::LoginSubmit) => submit_login(state, fx),
        _ => match state.keymap.lookup(Scope::Composer, ev) {
            Some(cmd) => {
                let buf = form.buffer_mut(form.field);
                match cmd {
                    Command::CharLeft => buf.left(),
                    Command::CharRight => buf.right(),
                    Command::WordLeft => buf.word_left(),
                    Command::WordRight => buf.word_right(),
                    Command::LineStart => buf.home(),
                    Command::LineEnd => buf.end(),
                    Command::Backspace => buf.backspace(),
                    Command::DeleteChar => buf.delete(),
                    Command::DeleteWord => buf.delete_word_before(),
                    _ => {}
                }
            }
            None => {
                if let Some(c) = typed_char(ev) {
                    form.buffer_mut(form.field).insert_char(c);
                }
            }
        },
    }
}

fn submit_login(state: &mut AppState, fx: &mut Vec<Effect>) {
    let form = &state.login;
    let mut url = form.server.text().trim().to_owned();
    let username = form.username.text().trim().to_owned();
    if url.is_empty() || username.is_empty() || form.password.is_empty() {
        state.login.error = Some("server, username and password are all needed".into());
        return;
    }
    if !url.contains("://") {
        url = format!("https://{url}");
    }
    let key = state.add_server(&url);
    state.active = Some(key);
    let password = crate::effect::Password::from(state.login.password.take());
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let (register, setup, invite) = (
        state.login.register,
        opt(state.login.setup_code.text()).filter(|_| !state.login.has_owner),
        opt(state.login.invite.text()),
    );
    state.login.error = None;
    if let Some(s) = state.server_mut(key) {
        s.auth = AuthStatus::Pending;
        s.username = Some(username.clone());
        url = s.url.clone();
    }
    fx.push(if register {
        Effect::Register {
            server: key,
            url,
            username,
            password,
            setup_code: setup,
            invite,
        }
    } else {
        Effect::Login {
            server: key,
            url,
            username,
            password,
        }
    });
}

/// Pasted text goes to whatever has a text field.
pub(super) fn paste(state: &mut AppState, text: &str, fx: &mut Vec<Effect>) {
    if state.on_login_screen() {
        let field = state.login.field;
        state
            .login
            .buffer_mut(field)
            .insert_str(text.trim_end_matches(['\r', '\n']));
        return;
    }
    if let Some(Overlay::Switcher(sw)) = &mut state.overlay {
        sw.query.insert_str(text.lines().next().unwrap_or(""));
        return;
    }
    state.focus = Focus::Composer;
    state.composer.paste(text);
    announce_typing(state, fx);
}

/// A mouse event: wheel scrolls what is under the pointer; a click focuses and picks.
pub(super) fn mouse(state: &mut AppState, ev: MouseEvent, fx: &mut Vec<Effect>) {
    if state.on_login_screen() || state.overlay.is_some() {
        return;
    }
    let (w, h) = state.size;
    let l = layout::main_layout(Rect::new(0, 0, w, h), state);
    let at = Position::new(ev.column, ev.row);
    let hit = |r: Option<Rect>| r.is_some_and(|r| r.contains(at));
    match ev.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let delta = if ev.kind == MouseEventKind::ScrollUp {
                -3
            } else {
                3
            };
            if hit(Some(l.messages)) {
                nav::move_selection(state, delta, fx);
            } else if hit(l.channels) {
                let n = state
                    .active_server()
                    .map_or(0, |s| s.openable_channels().len());
                state.channel_cursor = clamp_add(state.channel_cursor, delta, n);
            } else if hit(l.members) {
                move_member_cursor(state, delta, fx);
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(r) = l.rail.filter(|r| r.contains(at)) {
                state.focus = Focus::Rail;
                let row = (at.y - r.y) as usize;
                if let Some(key) = state.servers.get(row).map(|s| s.key) {
                    nav::switch_server(state, key, fx);
                }
            } else if let Some(r) = l.channels.filter(|r| r.contains(at)) {
                state.focus = Focus::Channels;
                click_channel(state, r, at.y, fx);
            } else if l.messages.contains(at) {
                state.focus = Focus::Messages;
            } else if l.composer.contains(at) {
                state.focus = Focus::Composer;
            } else if hit(l.members) {
                state.focus = Focus::Members;
            }
        }
        _ => {}
    }
}

fn click_channel(state: &mut AppState, area: Rect, y: u16, fx: &mut Vec<Effect>) {
    let Some(s) = state.active_server() else {
        return;
    };
    let rows = channels::rows(s, &state.voice);
    let inner_top = area.y + 1;
    if y < inner_top {
        return;
    }
    let height = area.height.saturating_sub(2) as usize;
    let cursor_row = channels::cursor_row(&rows, state.channel_cursor);
    let offset = channels::scroll_offset(cursor_row, height);
    let Some(row) = rows.get(offset + (y - inner_top) as usize) else {
        return;
    };
    if let ChannelRow::Channel { id, kind, .. } = row {
        let (id, kind, key) = (*id, *kind, s.key);
        if let Some(i) = s.openable_channels().iter().position(|c| c.id == id) {
            state.channel_cursor = i;
        }
        activate_channel(state, key, id, kind, fx);
    }
}
