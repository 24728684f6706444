//! The reducer: `update(state, action) -> effects`. Pure: no I/O, no clock (time comes in
//! with [`Action::Tick`]), so every behaviour is testable by feeding actions and looking at
//! the state and the effects.
//!
//! Split by job: [`input`] turns keys, mouse and paste into changes, [`gateway`] applies
//! server events, [`nav`] holds the moves both share (open a channel, switch server, scroll
//! history, read state, voice).

mod gateway;
mod input;
pub mod nav;

use crate::action::{Action, ConnectionChange, VoiceEvent};
use crate::effect::Effect;
use crate::state::{AppState, AuthStatus, ConnStatus, LoginField, RESUMED_SHOWN_MS, VoiceStatus};

/// Applies one action to the state and returns what to do outside.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Key(key) => input::key(state, key, &mut fx),
        Action::Mouse(m) => input::mouse(state, m, &mut fx),
        Action::Paste(text) => input::paste(state, &text, &mut fx),
        Action::Resize { width, height } => state.size = (width, height),
        Action::Tick { now_ms } => tick(state, now_ms, &mut fx),
        Action::Gateway { server, event } => gateway::apply(state, server, event, &mut fx),
        Action::Connection { server, change } => connection(state, server, change),
        Action::LoginOk { server, user } => {
            if let Some(s) = state.server_mut(server) {
                s.auth = AuthStatus::LoggedIn;
                s.conn = ConnStatus::Connecting;
                s.username = Some(user.username.clone());
                s.me = Some(user);
            }
            state.login.error = None;
            state.login.password.take();
        }
        Action::LoginFailed { server, error } => {
            if let Some(s) = state.server_mut(server) {
                s.auth = AuthStatus::LoggedOut;
                s.conn = ConnStatus::Offline;
            }
            if state.active == Some(server) {
                state.login.error = Some(error);
            }
        }
        Action::ServerProbed { server, info } => {
            let fresh = info.setup_required;
            let has_owner = info.owner_id.is_some();
            if let Some(s) = state.server_mut(server) {
                s.info = Some(info);
            }
            if state.active == Some(server) {
                state.login.has_owner = has_owner;
                if has_owner && state.login.field == LoginField::SetupCode {
                    state.login.field = LoginField::Invite;
                }
            }
            if fresh && state.active == Some(server) && state.on_login_screen() {
                state.login.register = true;
                state.login.error =
                    Some("This server has no owner yet: register with its setup code.".into());
                state.login.field = LoginField::Username;
            }
        }
        Action::HistoryLoaded {
            server,
            channel,
            before,
            messages,
        } => {
            nav::history_loaded(state, server, channel, before, messages);
        }
        Action::DmOpened { server, channel } => {
            if let Some(s) = state.server_mut(server) {
                s.upsert_dm(&channel);
            }
            if state.active == Some(server) {
                nav::open_channel(state, server, channel.id, &mut fx);
                state.focus = crate::state::Focus::Composer;
            }
        }
        Action::Found {
            server,
            title,
            total,
            messages,
        } => {
            if messages.is_empty() {
                state.notify(format!("{title}: nothing found"), false);
            } else {
                state.overlay = Some(crate::state::Overlay::Results(crate::state::Results {
                    server,
                    title,
                    total,
                    items: messages,
                    selected: 0,
                }));
            }
        }
        Action::HistoryFailed {
            server,
            channel,
            error,
        } => {
            if let Some(s) = state.server_mut(server)
                && let Some(m) = s.messages.get_mut(&channel)
            {
                m.loading = false;
            }
            state.notify(format!("could not load history: {error}"), true);
        }
        Action::SendFailed {
            server,
            nonce,
            error,
        } => {
            if let Some(p) = state
                .server_mut(server)
                .and_then(|s| s.pending.iter_mut().find(|p| p.nonce == nonce))
            {
                p.failed = Some(error.clone());
            }
            state.notify(format!("message not sent: {error}"), true);
        }
        Action::InviteCreated { invite, .. } => {
            state.notify(
                format!("invite: {}  (web: {})", invite.url, invite.web_url),
                false,
            );
            if let Some(n) = &mut state.notice {
                n.until_ms = state.now_ms + 60_000;
            }
        }
        Action::Notice { text, error } => state.notify(text, error),
        Action::RequestFailed { what, error, .. } => {
            state.notify(format!("{what} failed: {error}"), true);
        }
        Action::CommandsLoaded { server, commands } => {
            if let Some(s) = state.server_mut(server) {
                s.plugin_commands = commands;
            }
        }
        Action::CommandRan {
            server,
            channel,
            command,
            plugin,
            bot,
            result,
        } => command_ran(state, server, channel, command, plugin, bot, result),
        Action::Voice(ev) => voice_event(state, ev),
    }
    nav::schedule_ack(state);
    fx
}

/// A plugin command's answer: a deferral waits for its bot ("… is thinking"); an answer
/// arrives as the bot's `MESSAGE_CREATE`; a refusal is said in the status line.
fn command_ran(
    state: &mut AppState,
    server: crate::state::ServerKey,
    channel: spectrus_proto::Id,
    command: String,
    plugin: String,
    bot: spectrus_proto::Id,
    result: Result<spectrus_proto::interactions::InteractionResult, (Option<String>, String)>,
) {
    use spectrus_proto::interactions::InteractionStatus;
    match result {
        Ok(r) if r.status == InteractionStatus::Deferred => {
            let until_ms = state.now_ms + crate::plugins::THINKING_MS;
            if let Some(s) = state.server_mut(server) {
                s.thinking.push(crate::plugins::Thinking {
                    id: r.id,
                    channel,
                    plugin,
                    bot,
                    until_ms,
                });
            }
        }
        Ok(_) => {}
        Err((code, message)) => state.notify(
            crate::plugins::refusal(&plugin, &command, code.as_deref(), &message),
            true,
        ),
    }
}

fn tick(state: &mut AppState, now_ms: u64, fx: &mut Vec<crate::effect::Effect>) {
    state.now_ms = now_ms;
    for s in &mut state.servers {
        s.thinking.retain(|t| t.until_ms > now_ms);
        for list in s.typing.values_mut() {
            list.retain(|t| t.until_ms > now_ms);
        }
        s.typing.retain(|_, l| !l.is_empty());
        if let ConnStatus::Resumed { at_ms } = s.conn
            && now_ms >= at_ms + RESUMED_SHOWN_MS
        {
            s.conn = ConnStatus::Connected;
        }
    }
    if state.notice.as_ref().is_some_and(|n| n.until_ms <= now_ms) {
        state.notice = None;
    }
    nav::flush_due_acks(state, fx);
}

fn connection(state: &mut AppState, server: crate::state::ServerKey, change: ConnectionChange) {
    let now = state.now_ms;
    let Some(s) = state.server_mut(server) else {
        return;
    };
    match change {
        ConnectionChange::Connecting => s.conn = ConnStatus::Connecting,
        ConnectionChange::Disconnected { .. } => {
            s.conn = ConnStatus::Reconnecting { attempt: 0 };
            s.typing.clear();
            s.speaking.clear();
        }
        ConnectionChange::Reconnecting { attempt } => s.conn = ConnStatus::Reconnecting { attempt },
        ConnectionChange::Resumed => s.conn = ConnStatus::Resumed { at_ms: now },
        ConnectionChange::LoggedOut { reason } => {
            s.auth = AuthStatus::LoggedOut;
            s.conn = ConnStatus::Offline;
            let url = s.url.clone();
            if state.active == Some(server) {
                state.login.error = Some(reason);
                state.login.server.set(&url);
            }
            if nav::voice_server(state) == Some(server) {
                state.voice.status = VoiceStatus::Off;
            }
        }
    }
}

fn voice_event(state: &mut AppState, ev: VoiceEvent) {
    match ev {
        VoiceEvent::Level(l) => state.voice.mic_level = l.clamp(0.0, 1.0),
        VoiceEvent::Joined { server, channel } => {
            state.voice.status = VoiceStatus::Connected { server, channel };
        }
        VoiceEvent::Left => {
            state.voice.status = VoiceStatus::Off;
            state.voice.mic_level = 0.0;
        }
        VoiceEvent::Error(e) => {
            if matches!(state.voice.status, VoiceStatus::Joining { .. }) {
                state.voice.status = VoiceStatus::Off;
            }
            state.notify(format!("voice: {e}"), true);
        }
    }
}
