//! A small fictional server for the tests: channels in categories, roles, members, voice.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spectrus_proto::Id;
use spectrus_proto::gateway::Ready;
use spectrus_proto::model::{
    Branding, Channel, ChannelType, Member, Message, Presence, ReadState, RegistrationPolicy, Role,
    ServerInfo, User, UserRef, VoiceState,
};
use spectrus_tui::action::{Action, GatewayEvent};
use spectrus_tui::config::Config;
use spectrus_tui::effect::Effect;
use spectrus_tui::reducer::update;
use spectrus_tui::state::{AppState, ServerKey};

pub const ME: Id = Id(100);
pub const ALICE: Id = Id(101);
pub const BOB: Id = Id(102);
pub const CAROL: Id = Id(103);
pub const DAVE: Id = Id(104);

pub const CAT_TEXT: Id = Id(10);
pub const GENERAL: Id = Id(11);
pub const RANDOM: Id = Id(12);
pub const ANNOUNCE: Id = Id(13);
pub const CAT_VOICE: Id = Id(20);
pub const LOUNGE: Id = Id(21);

pub const ADMIN: Id = Id(2);
pub const MOD: Id = Id(3);

pub fn channel(
    id: Id,
    kind: ChannelType,
    name: &str,
    parent: Option<Id>,
    position: i64,
) -> Channel {
    Channel {
        id,
        kind,
        name: name.into(),
        topic: None,
        parent_id: parent,
        position,
        permission_overwrites: vec![],
        user_limit: None,
        bitrate: None,
        slowmode_seconds: 0,
    }
}

pub fn user_ref(id: Id, name: &str) -> UserRef {
    let mut display = name.to_owned();
    if let Some(first) = display.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    UserRef {
        id,
        username: name.into(),
        display_name: display,
        avatar_url: None,
        bot: false,
    }
}

pub fn member(id: Id, name: &str, roles: Vec<Id>, presence: Presence) -> Member {
    Member {
        user: user_ref(id, name),
        nick: None,
        roles,
        joined_at: "2026-01-01T00:00:00Z".into(),
        timeout_until: None,
        presence,
    }
}

pub fn role(id: Id, name: &str, color: Option<&str>, position: i64, hoist: bool) -> Role {
    Role {
        id,
        name: name.into(),
        color: color.map(str::to_owned),
        position,
        permissions: Default::default(),
        hoist,
        mentionable: true,
        managed_by: None,
    }
}

pub fn info(name: &str) -> ServerInfo {
    ServerInfo {
        name: name.into(),
        description: None,
        icon_url: None,
        branding: Branding::default(),
        registration: RegistrationPolicy::Invite,
        version: "0.1.0".into(),
        voice_enabled: true,
        premium: false,
        setup_required: false,
        owner_id: None,
    }
}

pub fn me_user() -> User {
    User {
        id: ME,
        username: "zoe".into(),
        display_name: "Zoe".into(),
        owner: false,
        bot: false,
        created_at: "2026-01-01T00:00:00Z".into(),
    }
}

pub fn voice(user: Id, channel: Option<Id>) -> VoiceState {
    VoiceState {
        user_id: user,
        channel_id: channel,
        self_mute: false,
        self_deaf: false,
        mute: false,
        deaf: false,
    }
}

pub fn ready(name: &str) -> Ready {
    Ready {
        session_id: "s1".into(),
        user: me_user(),
        server: info(name),
        channels: vec![
            channel(CAT_TEXT, ChannelType::Category, "Text Channels", None, 0),
            channel(GENERAL, ChannelType::Text, "general", Some(CAT_TEXT), 0),
            channel(RANDOM, ChannelType::Text, "random", Some(CAT_TEXT), 1),
            channel(CAT_VOICE, ChannelType::Category, "Voice", None, 1),
            channel(LOUNGE, ChannelType::Voice, "lounge", Some(CAT_VOICE), 0),
        ],
        roles: vec![
            role(Id(1), "@everyone", None, 0, false),
            role(ADMIN, "Admin", Some("#ff0000"), 2, true),
            role(MOD, "Mod", Some("#00ff00"), 1, true),
        ],
        members: vec![
            member(ME, "zoe", vec![], Presence::Online),
            member(ALICE, "alice", vec![ADMIN], Presence::Online),
            member(BOB, "bob", vec![MOD], Presence::Online),
            member(CAROL, "carol", vec![], Presence::Online),
            member(DAVE, "dave", vec![], Presence::Offline),
        ],
        member_count: 5,
        large: false,
        voice_states: vec![voice(ALICE, Some(LOUNGE)), voice(BOB, Some(LOUNGE))],
        read_states: vec![ReadState {
            channel_id: RANDOM,
            last_read_id: None,
            unread_count: 3,
            mention_count: 1,
        }],
        private_channels: vec![],
        blocked_user_ids: vec![],
        user_settings: Default::default(),
        emojis: vec![],
    }
}

/// Message `n` (ids grow with n); minute `n` of 2026-11-25 10:00 UTC.
pub fn msg(n: u64, channel: Id, author: Id, content: &str) -> Message {
    let name = match author {
        ME => "zoe",
        ALICE => "alice",
        BOB => "bob",
        CAROL => "carol",
        _ => "dave",
    };
    Message {
        id: Id(1_000 + n),
        channel_id: channel,
        author: user_ref(author, name),
        content: content.into(),
        created_at: format!("2026-11-25T{:02}:{:02}:00Z", 10 + n / 60, n % 60),
        edited_at: None,
        reply_to: None,
        mentions: vec![],
        reactions: vec![],
        nonce: None,
        pinned: false,
        pinned_at: None,
        mention_everyone: false,
        mention_roles: vec![],
        attachments: vec![],
        embeds: vec![],
        suppress_embeds: false,
    }
}

pub fn mid(n: u64) -> Id {
    Id(1_000 + n)
}

/// Applies actions, collecting effects.
pub fn run(state: &mut AppState, actions: impl IntoIterator<Item = Action>) -> Vec<Effect> {
    actions.into_iter().flat_map(|a| update(state, a)).collect()
}

pub fn gw(server: ServerKey, event: impl Into<GatewayEvent>) -> Action {
    Action::Gateway {
        server,
        event: event.into(),
    }
}

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Action {
    let mods = if c.is_ascii_uppercase() || c == '?' {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Action::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn alt(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::ALT))
}

pub fn typed(text: &str) -> Vec<Action> {
    text.chars().map(ch).collect()
}

/// A state logged in to "Spectrus HQ" with #general open and three messages loaded.
pub fn chat_state() -> (AppState, ServerKey) {
    let mut s = AppState::new(Config::default());
    let k = s.add_server("https://hq.example.org");
    s.server_mut(k).expect("server").last_channel = Some(GENERAL);
    run(
        &mut s,
        [
            Action::LoginOk {
                server: k,
                user: me_user(),
            },
            gw(k, GatewayEvent::Ready(Box::new(ready("Spectrus HQ")))),
        ],
    );
    let mut hello = msg(1, GENERAL, ALICE, "hello everyone");
    hello.created_at = "2026-11-24T23:50:00Z".into();
    let mut reply = msg(3, GENERAL, ME, "hi alice, welcome back");
    reply.reply_to = Some(mid(2));
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: GENERAL,
            before: None,
            messages: vec![reply, msg(2, GENERAL, BOB, "morning all"), hello],
        }],
    );
    (s, k)
}

/// Draws the state on a test terminal and returns the screen as lines of text.
pub fn render(state: &AppState, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| spectrus_tui::ui::draw(f, state)).expect("draw");
    screen_lines(t.backend())
}

pub fn screen_lines(b: &TestBackend) -> Vec<String> {
    let buf = b.buffer();
    (0..buf.area.height)
        .map(|y| {
            let mut line = String::new();
            let mut skip = 0;
            for x in 0..buf.area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(x, y)].symbol();
                skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
                line.push_str(sym);
            }
            line
        })
        .collect()
}

pub fn screen(state: &AppState, w: u16, h: u16) -> String {
    render(state, w, h).join("\n")
}
