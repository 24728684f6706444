//! Applies gateway events to a server's state, as a user would see them: `ready`, then one
//! function per [`Dispatch`] kind.

use spectrus_proto::Id;
use spectrus_proto::gateway::{
    Dispatch, IdOnly, MessageDelete, PresenceUpdate, ReactionEvent, Ready, Speaking, TypingStart,
};
use spectrus_proto::model::{
    Channel, ChannelType, Member, Message, Reaction, ReadState, Role, VoiceState,
};

use super::nav;
use crate::action::GatewayEvent;
use crate::composer::ComposeMode;
use crate::effect::Effect;
use crate::state::{
    AppState, AuthStatus, ConnStatus, ServerKey, ServerState, TYPING_TTL_MS, Typing, VoiceStatus,
};

/// Applies one event from one server.
pub(super) fn apply(
    state: &mut AppState,
    server: ServerKey,
    event: GatewayEvent,
    fx: &mut Vec<Effect>,
) {
    match event {
        GatewayEvent::Ready(r) => ready(state, server, *r, fx),
        GatewayEvent::Dispatch(d) => dispatch(state, server, d, fx),
        GatewayEvent::Members(c) => {
            if let Some(s) = state.server_mut(server) {
                s.members = c.members.into_iter().map(|m| (m.user.id, m)).collect();
                s.member_count = c.member_count;
            }
        }
    }
}

/// Members in one watched page of a large server's member list.
pub(crate) const MEMBER_PAGE: u32 = 100;

/// Asks a large server for the member page at `offset` (and me) with live presence.
pub(crate) fn watch_members(s: &ServerState, server: ServerKey, fx: &mut Vec<Effect>) {
    fx.push(Effect::WatchMembers {
        server,
        offset: s.member_offset,
        limit: MEMBER_PAGE,
        user_ids: me(s).into_iter().collect(),
    });
}

fn dispatch(state: &mut AppState, server: ServerKey, d: Dispatch, fx: &mut Vec<Effect>) {
    match d {
        Dispatch::MessageCreate(m) => message_create(state, server, m),
        Dispatch::MessageUpdate(m) => message_update(state, server, m),
        Dispatch::MessageDelete(d) => message_delete(state, server, &d),
        Dispatch::ReactionAdd(r) => react(state, server, &r, true),
        Dispatch::ReactionRemove(r) => react(state, server, &r, false),
        Dispatch::TypingStart(t) => typing_start(state, server, &t),
        Dispatch::PresenceUpdate(p) => presence_update(state, server, p),
        Dispatch::ChannelCreate(c) | Dispatch::ChannelUpdate(c) => channel_upsert(state, server, c),
        Dispatch::ChannelDelete(c) => channel_delete(state, server, c.id, fx),
        Dispatch::RoleCreate(r) | Dispatch::RoleUpdate(r) => role_upsert(state, server, r),
        Dispatch::RoleDelete(d) => role_delete(state, server, &d),
        Dispatch::MemberAdd(m) | Dispatch::MemberUpdate(m) => member_upsert(state, server, m),
        Dispatch::MemberRemove(d) => member_remove(state, server, &d),
        Dispatch::ServerUpdate(info) => {
            if let Some(s) = state.server_mut(server) {
                s.info = Some(info);
            }
        }
        Dispatch::VoiceStateUpdate(v) => voice_state_update(state, server, v),
        Dispatch::Speaking(sp) => speaking(state, server, &sp),
        Dispatch::PrivateChannelCreate(p) => {
            if let Some(s) = state.server_mut(server) {
                s.upsert_dm(&p);
            }
        }
        // Another of my sessions (un)blocked someone or changed a setting.
        Dispatch::UserSettingsUpdate(u) => {
            if let Some(s) = state.server_mut(server) {
                s.blocked = u.blocked_user_ids.into_iter().collect();
                s.show_link_previews = u.user_settings.show_link_previews;
            }
        }
        Dispatch::EmojisUpdate(u) => {
            if let Some(s) = state.server_mut(server) {
                s.emojis = u.emojis;
            }
        }
        // An event this client does not show (or does not know: a newer server).
        _ => {}
    }
}

/// Who we are on this server.
fn me(s: &ServerState) -> Option<Id> {
    s.me.as_ref().map(|u| u.id)
}

/// `ready`: the full snapshot replaces what we knew; the open channel is opened again.
fn ready(state: &mut AppState, server: ServerKey, ready: Ready, fx: &mut Vec<Effect>) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    s.me = Some(ready.user);
    s.info = Some(ready.server);
    fx.push(Effect::FetchCommands { server });
    s.channels = ready.channels;
    s.dm_last.clear();
    for p in &ready.private_channels {
        s.upsert_dm(p);
    }
    s.blocked = ready.blocked_user_ids.into_iter().collect();
    s.show_link_previews = ready.user_settings.show_link_previews;
    s.emojis = ready.emojis;
    s.roles = ready.roles;
    s.members = ready.members.into_iter().map(|m| (m.user.id, m)).collect();
    s.member_count = ready.member_count;
    s.large = ready.large;
    if s.large {
        s.member_offset = 0;
        watch_members(s, server, fx);
    }
    s.voice_states = ready
        .voice_states
        .into_iter()
        .filter(|v| v.channel_id.is_some())
        .map(|v| (v.user_id, v))
        .collect();
    s.read_states = ready
        .read_states
        .into_iter()
        .map(|r| (r.channel_id, r))
        .collect();
    s.speaking.clear();
    s.typing.clear();
    // A fresh session may have missed anything: reload history on demand.
    s.messages.clear();
    s.pending_ack = None;
    s.auth = AuthStatus::LoggedIn;
    s.conn = ConnStatus::Connected;
    let in_voice = me(s).is_some_and(|m| s.voice_states.contains_key(&m));
    let target = s
        .active_channel
        .or(s.last_channel)
        .filter(|c| {
            s.channel(*c)
                .is_some_and(|c| c.kind != ChannelType::Category)
        })
        .or_else(|| s.first_text_channel());
    s.active_channel = None;
    if nav::voice_server(state) == Some(server) && !in_voice {
        state.voice.status = VoiceStatus::Off;
    }
    if let Some(c) = target {
        if state.active == Some(server) {
            nav::open_channel(state, server, c, fx);
        } else if let Some(s) = state.server_mut(server) {
            s.active_channel = Some(c);
        }
    }
}

/// A new message: confirms our pending send, ends its author's typing, counts it unread
/// (and as a mention) unless we are reading that channel.
fn message_create(state: &mut AppState, server: ServerKey, m: Message) {
    let viewing = state.active == Some(server) && !state.on_login_screen();
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let me = me(s);
    if let Some(n) = &m.nonce {
        s.pending.retain(|p| &p.nonce != n);
    }
    // A bot's message answers its deferred commands in that channel.
    s.thinking
        .retain(|t| !(t.bot == m.author.id && t.channel == m.channel_id && m.id > t.id));
    if let Some(list) = s.typing.get_mut(&m.channel_id) {
        list.retain(|t| t.user != m.author.id);
    }
    let open = viewing && s.active_channel == Some(m.channel_id);
    let following = s.selected_message.is_none();
    let mine = Some(m.author.id) == me;
    let seen = open && following;
    if !mine && !seen {
        let r = read_state(&mut s.read_states, m.channel_id);
        r.unread_count += 1;
        if me.is_some_and(|me| m.mentions.contains(&me)) {
            r.mention_count += 1;
        }
    }
    if mine && open {
        let r = read_state(&mut s.read_states, m.channel_id);
        r.last_read_id = r.last_read_id.max(Some(m.id));
    }
    let msgs = s.messages.entry(m.channel_id).or_default();
    msgs.messages.insert(m.id, m);
}

fn message_update(state: &mut AppState, server: ServerKey, m: Message) {
    if let Some(old) = state
        .server_mut(server)
        .and_then(|s| s.messages.get_mut(&m.channel_id))
        .and_then(|c| c.messages.get_mut(&m.id))
    {
        *old = m;
    }
}

/// A deleted message: the selection moves to the one before it; editing or replying to it
/// is cancelled with a notice.
fn message_delete(state: &mut AppState, server: ServerKey, d: &MessageDelete) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let Some(msgs) = s.messages.get_mut(&d.channel_id) else {
        return;
    };
    if msgs.messages.remove(&d.id).is_none() {
        return;
    }
    if s.selected_message == Some(d.id) {
        s.selected_message = msgs.messages.range(..d.id).next_back().map(|(id, _)| *id);
    }
    if state.composer.mode == ComposeMode::Edit(d.id) {
        state.composer.cancel();
        state.notify("the message you were editing was deleted", true);
    } else if state.composer.mode == ComposeMode::Reply(d.id) {
        state.composer.cancel();
        state.notify("the message you were replying to was deleted", true);
    }
}

fn typing_start(state: &mut AppState, server: ServerKey, t: &TypingStart) {
    let now = state.now_ms;
    let Some(s) = state.server_mut(server) else {
        return;
    };
    if Some(t.user_id) != me(s) {
        let list = s.typing.entry(t.channel_id).or_default();
        list.retain(|x| x.user != t.user_id);
        list.push(Typing {
            user: t.user_id,
            until_ms: now + TYPING_TTL_MS,
        });
    }
}

fn presence_update(state: &mut AppState, server: ServerKey, p: PresenceUpdate) {
    if let Some(m) = state
        .server_mut(server)
        .and_then(|s| s.members.get_mut(&p.user_id))
    {
        m.presence = p.status;
    }
}

fn channel_upsert(state: &mut AppState, server: ServerKey, c: Channel) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    match s.channels.iter_mut().find(|x| x.id == c.id) {
        Some(old) => *old = c,
        None => s.channels.push(c),
    }
}

/// A deleted channel disappears with its messages; if it was open, the first text channel
/// opens instead (with a notice); if we were in it for voice, voice ends.
fn channel_delete(state: &mut AppState, server: ServerKey, id: Id, fx: &mut Vec<Effect>) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let name = s.channel(id).map(|c| c.name.clone()).unwrap_or_default();
    s.channels.retain(|c| c.id != id);
    s.messages.remove(&id);
    s.read_states.remove(&id);
    s.typing.remove(&id);
    if s.pending_ack.is_some_and(|a| a.channel == id) {
        s.pending_ack = None;
    }
    let was_open = s.active_channel == Some(id);
    let fallback = s.first_text_channel();
    if was_open {
        s.active_channel = None;
        s.selected_message = None;
    }
    if matches!(state.voice.status,
        VoiceStatus::Joining { server: vs, channel } | VoiceStatus::Connected { server: vs, channel }
            if vs == server && channel == id)
    {
        state.voice.status = VoiceStatus::Off;
    }
    if was_open {
        state.notify(format!("#{name} was deleted"), true);
        match fallback {
            Some(c) if state.active == Some(server) => nav::open_channel(state, server, c, fx),
            Some(c) => {
                if let Some(s) = state.server_mut(server) {
                    s.active_channel = Some(c);
                }
            }
            None => {}
        }
    }
}

fn role_upsert(state: &mut AppState, server: ServerKey, r: Role) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    match s.roles.iter_mut().find(|x| x.id == r.id) {
        Some(old) => *old = r,
        None => s.roles.push(r),
    }
}

fn role_delete(state: &mut AppState, server: ServerKey, d: &IdOnly) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    s.roles.retain(|r| r.id != d.id);
    for m in s.members.values_mut() {
        m.roles.retain(|r| *r != d.id);
    }
}

fn member_upsert(state: &mut AppState, server: ServerKey, m: Member) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    if !s.members.contains_key(&m.user.id) {
        s.member_count += 1;
    }
    s.members.insert(m.user.id, m);
}

/// A member left or was removed; if it is us, the server logs us out (and out of voice).
fn member_remove(state: &mut AppState, server: ServerKey, d: &IdOnly) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    if s.members.remove(&d.id).is_some() {
        s.member_count = s.member_count.saturating_sub(1);
    }
    s.voice_states.remove(&d.id);
    s.speaking.remove(&d.id);
    for list in s.typing.values_mut() {
        list.retain(|t| t.user != d.id);
    }
    if Some(d.id) == me(s) {
        s.auth = AuthStatus::LoggedOut;
        s.conn = ConnStatus::Offline;
        if nav::voice_server(state) == Some(server) {
            state.voice.status = VoiceStatus::Off;
        }
        state.notify("you were removed from this server", true);
    }
}

/// Someone joined, moved in or left voice; our own state follows the server's.
fn voice_state_update(state: &mut AppState, server: ServerKey, v: VoiceState) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let user = v.user_id;
    let channel = v.channel_id;
    match channel {
        Some(_) => {
            s.voice_states.insert(user, v);
        }
        None => {
            s.voice_states.remove(&user);
            s.speaking.remove(&user);
        }
    }
    if Some(user) == me(s) && nav::voice_server(state) == Some(server) {
        match channel {
            None => state.voice.status = VoiceStatus::Off,
            Some(c) => {
                if let VoiceStatus::Connected { channel, .. } = &mut state.voice.status {
                    *channel = c;
                }
            }
        }
    }
}

/// The speaking marker, for someone in the voice channel the event names.
fn speaking(state: &mut AppState, server: ServerKey, sp: &Speaking) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let in_channel = s
        .voice_states
        .get(&sp.user_id)
        .is_some_and(|v| v.channel_id == Some(sp.channel_id));
    if sp.speaking && in_channel {
        s.speaking.insert(sp.user_id);
    } else {
        s.speaking.remove(&sp.user_id);
    }
}

fn read_state(map: &mut std::collections::HashMap<Id, ReadState>, channel: Id) -> &mut ReadState {
    map.entry(channel).or_insert(ReadState {
        channel_id: channel,
        last_read_id: None,
        unread_count: 0,
        mention_count: 0,
    })
}

/// A reaction added or removed; `me` on the chip follows our own.
fn react(state: &mut AppState, server: ServerKey, r: &ReactionEvent, add: bool) {
    let Some(s) = state.server_mut(server) else {
        return;
    };
    let mine = Some(r.user_id) == me(s);
    let Some(m) = s
        .messages
        .get_mut(&r.channel_id)
        .and_then(|c| c.messages.get_mut(&r.message_id))
    else {
        return;
    };
    match m.reactions.iter_mut().position(|x| x.emoji == r.emoji) {
        Some(i) if add => {
            m.reactions[i].count += 1;
            m.reactions[i].me |= mine;
        }
        Some(i) => {
            let x = &mut m.reactions[i];
            x.count = x.count.saturating_sub(1);
            if mine {
                x.me = false;
            }
            if x.count == 0 {
                m.reactions.remove(i);
            }
        }
        None if add => m.reactions.push(Reaction {
            emoji: r.emoji.clone(),
            count: 1,
            me: mine,
        }),
        None => {}
    }
}
