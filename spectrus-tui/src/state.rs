//! Everything the client knows and shows, as plain data: the saved servers with their
//! channels, members, roles, messages and read states, the focus, the overlays and the status
//! line. Drawn by [`crate::ui`], changed only by [`crate::reducer::update`].

use std::collections::{BTreeMap, HashMap, HashSet};

use spectrus_proto::Id;
use spectrus_proto::model::{
    Channel, ChannelType, Member, Message, Presence, PrivateChannel, ReadState, Role, ServerInfo,
    User, VoiceState,
};

use crate::composer::Composer;
use crate::config::Config;
use crate::keymap::Keymap;
use crate::textbuf::TextBuffer;

/// How many messages one history page asks for.
pub const PAGE_SIZE: usize = 50;
/// How long a typing indicator lasts without a new `TYPING_START`.
pub const TYPING_TTL_MS: u64 = 10_000;
/// How long after the newest visible message the read state is sent.
pub const ACK_DEBOUNCE_MS: u64 = 1_000;
/// How often at most our own typing is announced.
pub const TYPING_SEND_INTERVAL_MS: u64 = 8_000;
/// How long "resumed" stays in the status line before it reads "connected".
pub const RESUMED_SHOWN_MS: u64 = 3_000;
/// How long a notice stays in the status line.
pub const NOTICE_MS: u64 = 6_000;

/// Identifies one saved server for this run of the client (not a wire id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerKey(pub u32);

/// The connection of one server, as the status line tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnStatus {
    /// Not logged in: nothing to connect.
    Offline,
    /// Logged in, opening the gateway.
    Connecting,
    /// The gateway is up.
    Connected,
    /// The gateway dropped; trying again.
    Reconnecting {
        /// Which attempt this is, from 1.
        attempt: u32,
    },
    /// The gateway came back and replayed what was missed (shown for a moment).
    Resumed {
        /// When it resumed, in the app clock's milliseconds.
        at_ms: u64,
    },
}

/// Where the login of one server stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStatus {
    /// Nobody logged in.
    LoggedOut,
    /// A login or register request is on its way.
    Pending,
    /// Logged in.
    LoggedIn,
}

/// Messages of one channel as loaded so far.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelMessages {
    /// Loaded messages, oldest first (ids sort by time).
    pub messages: BTreeMap<Id, Message>,
    /// Whether older messages may exist on the server.
    pub has_more: bool,
    /// Whether a history page is on its way (so it is not asked for twice).
    pub loading: bool,
    /// Whether the newest page has been loaded at least once.
    pub loaded: bool,
}

impl Default for ChannelMessages {
    fn default() -> Self {
        ChannelMessages {
            messages: BTreeMap::new(),
            has_more: true,
            loading: false,
            loaded: false,
        }
    }
}

impl ChannelMessages {
    /// The oldest loaded message id.
    pub fn oldest(&self) -> Option<Id> {
        self.messages.keys().next().copied()
    }

    /// The newest loaded message id.
    pub fn newest(&self) -> Option<Id> {
        self.messages.keys().next_back().copied()
    }
}

/// A message we sent that the server has not echoed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMessage {
    /// The nonce that pairs it with its `MESSAGE_CREATE`.
    pub nonce: String,
    /// Its channel.
    pub channel: Id,
    /// What was typed (mentions already as `<@id>`).
    pub content: String,
    /// The message it replies to.
    pub reply_to: Option<Id>,
    /// Why sending failed, if it did.
    pub failed: Option<String>,
}

/// A user typing in a channel, until a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    /// Who.
    pub user: Id,
    /// Until when (app clock, ms).
    pub until_ms: u64,
}

/// A read-state acknowledgement waiting out its debounce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingAck {
    /// The channel.
    pub channel: Id,
    /// The newest message seen.
    pub message: Id,
    /// When to send it (app clock, ms).
    pub due_ms: u64,
}

/// One saved server and everything known about it.
#[derive(Debug, Clone)]
pub struct ServerState {
    /// This run's key for it.
    pub key: ServerKey,
    /// Its base URL, e.g. `https://chat.example.org`.
    pub url: String,
    /// `GET /server` or the `ready` payload, once known.
    pub info: Option<ServerInfo>,
    /// Login progress.
    pub auth: AuthStatus,
    /// Gateway status.
    pub conn: ConnStatus,
    /// Who we are there.
    pub me: Option<User>,
    /// Channels and categories as the server sent them.
    pub channels: Vec<Channel>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Members by user id.
    pub members: BTreeMap<Id, Member>,
    /// Member count as the server counts it.
    pub member_count: u64,
    /// Large-server mode (`ready.large`): `members` holds only the watched page of the
    /// member list (`member_offset..member_offset + MEMBER_PAGE` by id) and me.
    pub large: bool,
    /// The first position of the watched page on a large server.
    pub member_offset: u32,
    /// Loaded messages per channel.
    pub messages: HashMap<Id, ChannelMessages>,
    /// Our messages not yet echoed back.
    pub pending: Vec<PendingMessage>,
    /// Read states per channel.
    pub read_states: HashMap<Id, ReadState>,
    /// Who is typing where.
    pub typing: HashMap<Id, Vec<Typing>>,
    /// Voice states by user id (only users in a voice channel).
    pub voice_states: HashMap<Id, VoiceState>,
    /// Users speaking right now.
    pub speaking: HashSet<Id>,
    /// Playback volumes set with `/volume` or `+`/`-`, in percent (absent: 100).
    pub volumes: HashMap<Id, u16>,
    /// The open channel.
    pub active_channel: Option<Id>,
    /// The channel used last time (from the saved servers file), opened after `ready`.
    pub last_channel: Option<Id>,
    /// The newest message read when the open channel was opened: the new-message marker
    /// goes after it.
    pub marker_after: Option<Id>,
    /// The selected message in the open channel; `None` follows the newest.
    pub selected_message: Option<Id>,
    /// The read-state ack waiting to be sent.
    pub pending_ack: Option<PendingAck>,
    /// The username last used here (pre-fills the login form).
    pub username: Option<String>,
    /// Users we blocked (their messages are collapsed).
    pub blocked: HashSet<Id>,
    /// Each direct message's newest message id as `ready` said (list order).
    pub dm_last: HashMap<Id, Option<Id>>,
    /// My "show link previews" setting (`ready.user_settings`): off hides embeds.
    pub show_link_previews: bool,
    /// The server's custom emoji (`ready`, `EMOJIS_UPDATE`).
    pub emojis: Vec<spectrus_proto::model::Emoji>,
    /// The plugins' slash commands (`GET /commands` after each `ready`).
    pub plugin_commands: Vec<spectrus_proto::interactions::AvailableCommand>,
    /// Deferred plugin commands waiting for their bot's answer.
    pub thinking: Vec<crate::plugins::Thinking>,
}

/// How a channel is named in titles: "#general", or a direct message's "@alice".
pub fn channel_label(c: &Channel) -> String {
    if c.kind.is_private() {
        c.name.clone()
    } else {
        format!("#{}", c.name)
    }
}

/// A direct message as a channel of the list: named "@alice" (or "@alice, bob" for a group).
pub fn dm_channel(p: &PrivateChannel) -> Channel {
    let names: Vec<&str> = p
        .recipients
        .iter()
        .map(|u| {
            if u.display_name.is_empty() {
                u.username.as_str()
            } else {
                u.display_name.as_str()
            }
        })
        .collect();
    Channel {
        id: p.id,
        kind: p.kind,
        name: format!("@{}", names.join(", ")),
        topic: None,
        parent_id: None,
        position: 0,
        permission_overwrites: Vec::new(),
        user_limit: None,
        bitrate: None,
        slowmode_seconds: 0,
    }
}

impl ServerState {
    /// A saved server not yet logged in.
    pub fn new(key: ServerKey, url: &str) -> ServerState {
        ServerState {
            key,
            url: url.trim_end_matches('/').to_owned(),
            info: None,
            auth: AuthStatus::LoggedOut,
            conn: ConnStatus::Offline,
            me: None,
            channels: Vec::new(),
            roles: Vec::new(),
            members: BTreeMap::new(),
            member_count: 0,
            large: false,
            member_offset: 0,
            messages: HashMap::new(),
            pending: Vec::new(),
            read_states: HashMap::new(),
            typing: HashMap::new(),
            voice_states: HashMap::new(),
            speaking: HashSet::new(),
            volumes: HashMap::new(),
            active_channel: None,
            last_channel: None,
            marker_after: None,
            selected_message: None,
            pending_ack: None,
            username: None,
            blocked: HashSet::new(),
            dm_last: HashMap::new(),
            show_link_previews: true,
            emojis: Vec::new(),
            plugin_commands: Vec::new(),
            thinking: Vec::new(),
        }
    }

    /// The name to show: the server's own, else the URL's host.
    pub fn display_name(&self) -> String {
        match &self.info {
            Some(info) => info.name.clone(),
            None => host_of(&self.url).to_owned(),
        }
    }

    /// The name the channel list's header shows: the app name of the server's premium
    /// branding when it has one (the server sends none once its licence lapses), else
    /// [`ServerState::display_name`].
    pub fn header_name(&self) -> String {
        self.info
            .as_ref()
            .and_then(|i| i.branding.app_name.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| self.display_name())
    }

    /// A channel by id.
    pub fn channel(&self, id: Id) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// Channels in the order the list shows them: direct messages first (the most recently
    /// active first), then uncategorised channels, then each category followed by its
    /// children, each group by position then id.
    pub fn ordered_channels(&self) -> Vec<&Channel> {
        let key = |c: &&Channel| (c.position, c.id);
        let mut dms: Vec<&Channel> = self
            .channels
            .iter()
            .filter(|c| c.kind.is_private())
            .collect();
        dms.sort_by_key(|c| std::cmp::Reverse(self.last_activity(c.id)));
        let mut top: Vec<&Channel> = self
            .channels
            .iter()
            .filter(|c| {
                c.kind != ChannelType::Category && !c.kind.is_private() && parent_missing(self, c)
            })
            .collect();
        top.sort_by_key(key);
        dms.extend(top);
        let top = dms;
        let mut cats: Vec<&Channel> = self
            .channels
            .iter()
            .filter(|c| c.kind == ChannelType::Category)
            .collect();
        cats.sort_by_key(key);
        let mut out = top;
        for cat in cats {
            out.push(cat);
            let mut kids: Vec<&Channel> = self
                .channels
                .iter()
                .filter(|c| c.parent_id == Some(cat.id))
                .collect();
            kids.sort_by_key(key);
            out.extend(kids);
        }
        out
    }

    /// The newest message known in a channel (for ordering direct messages), else its id.
    fn last_activity(&self, channel: Id) -> Id {
        self.messages
            .get(&channel)
            .and_then(|m| m.messages.keys().next_back().copied())
            .or_else(|| self.dm_last.get(&channel).copied().flatten())
            .unwrap_or(channel)
    }

    /// Whether `user` is someone we blocked (their messages are collapsed).
    pub fn is_blocked(&self, user: Id) -> bool {
        self.blocked.contains(&user)
    }

    /// Adds (or refreshes) a direct message in the channel list, named after the other
    /// people.
    pub fn upsert_dm(&mut self, p: &PrivateChannel) {
        self.dm_last.insert(p.id, p.last_message_id);
        let c = dm_channel(p);
        match self.channels.iter_mut().find(|x| x.id == c.id) {
            Some(old) => *old = c,
            None => self.channels.push(c),
        }
    }

    /// Channels that can be opened (not categories), in list order.
    pub fn openable_channels(&self) -> Vec<&Channel> {
        self.ordered_channels()
            .into_iter()
            .filter(|c| c.kind != ChannelType::Category)
            .collect()
    }

    /// The first text channel in list order.
    pub fn first_text_channel(&self) -> Option<Id> {
        self.ordered_channels()
            .into_iter()
            .find(|c| c.kind == ChannelType::Text)
            .map(|c| c.id)
    }

    /// The name a member goes by: nick, else display name, else username.
    pub fn member_name(&self, user: Id) -> Option<String> {
        self.members.get(&user).map(|m| {
            m.nick.clone().unwrap_or_else(|| {
                if m.user.display_name.is_empty() {
                    m.user.username.clone()
                } else {
                    m.user.display_name.clone()
                }
            })
        })
    }

    /// The member a user means by `name` (username, display name or nickname, any case, with
    /// or without `@`).
    pub fn find_member(&self, name: &str) -> Option<Id> {
        let name = name.trim().trim_start_matches('@').to_lowercase();
        self.members
            .values()
            .find(|m| m.user.username.to_lowercase() == name)
            .or_else(|| {
                self.members.values().find(|m| {
                    m.user.display_name.to_lowercase() == name
                        || m.nick.as_ref().is_some_and(|n| n.to_lowercase() == name)
                })
            })
            .map(|m| m.user.id)
    }

    /// A participant's playback volume in percent (100 unless changed).
    pub fn volume(&self, user: Id) -> u16 {
        self.volumes.get(&user).copied().unwrap_or(100)
    }

    /// The colour of a member's highest coloured role, as the server wrote it (`#rrggbb`).
    pub fn member_color(&self, user: Id) -> Option<&str> {
        let member = self.members.get(&user)?;
        self.roles
            .iter()
            .filter(|r| member.roles.contains(&r.id) && r.color.is_some())
            .max_by_key(|r| (r.position, r.id))
            .and_then(|r| r.color.as_deref())
    }

    /// A member's highest hoisted role.
    pub fn hoisted_role(&self, user: Id) -> Option<&Role> {
        let member = self.members.get(&user)?;
        self.roles
            .iter()
            .filter(|r| r.hoist && member.roles.contains(&r.id))
            .max_by_key(|r| (r.position, r.id))
    }

    /// Whether a member is online.
    pub fn is_online(&self, user: Id) -> bool {
        self.members
            .get(&user)
            .is_some_and(|m| m.presence == Presence::Online)
    }

    /// Unread count of a channel.
    pub fn unread(&self, channel: Id) -> u64 {
        self.read_states.get(&channel).map_or(0, |r| r.unread_count)
    }

    /// Mention count of a channel.
    pub fn mentions(&self, channel: Id) -> u64 {
        self.read_states
            .get(&channel)
            .map_or(0, |r| r.mention_count)
    }

    /// Total unread messages and mentions over the server's channels (the rail badge).
    pub fn totals(&self) -> (u64, u64) {
        self.read_states.values().fold((0, 0), |(u, m), r| {
            (u + r.unread_count, m + r.mention_count)
        })
    }

    /// Users in a voice channel, ordered by name.
    pub fn voice_participants(&self, channel: Id) -> Vec<Id> {
        let mut users: Vec<Id> = self
            .voice_states
            .values()
            .filter(|v| v.channel_id == Some(channel))
            .map(|v| v.user_id)
            .collect();
        users.sort_by_key(|u| (self.member_name(*u).unwrap_or_default().to_lowercase(), *u));
        users
    }

    /// Users typing in a channel (not us), by name.
    pub fn typing_names(&self, channel: Id) -> Vec<String> {
        let me = self.me.as_ref().map(|u| u.id);
        self.typing
            .get(&channel)
            .map(|list| {
                list.iter()
                    .filter(|t| Some(t.user) != me)
                    .map(|t| self.member_name(t.user).unwrap_or_else(|| "someone".into()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Loaded messages of the open channel.
    pub fn active_messages(&self) -> Option<&ChannelMessages> {
        self.active_channel.and_then(|c| self.messages.get(&c))
    }
}

fn parent_missing(server: &ServerState, c: &Channel) -> bool {
    match c.parent_id {
        None => true,
        Some(p) => !server
            .channels
            .iter()
            .any(|x| x.id == p && x.kind == ChannelType::Category),
    }
}

/// The host part of a URL, for display.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The server rail.
    Rail,
    /// The channel list.
    Channels,
    /// The message list.
    Messages,
    /// The composer.
    Composer,
    /// The member list.
    Members,
}

impl Focus {
    /// Tab order.
    pub const ORDER: [Focus; 5] = [
        Focus::Rail,
        Focus::Channels,
        Focus::Messages,
        Focus::Composer,
        Focus::Members,
    ];

    /// The next pane in tab order (`forward`) or the previous one.
    pub fn cycle(self, forward: bool) -> Focus {
        let i = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Focus::ORDER.len();
        Focus::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// The fuzzy channel switcher's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Switcher {
    /// What was typed.
    pub query: TextBuffer,
    /// The highlighted result.
    pub selected: usize,
}

/// A window drawn over the main view.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The key bindings, scrolled down by `scroll` lines.
    Help {
        /// First line shown.
        scroll: u16,
    },
    /// Ctrl+K.
    Switcher(Switcher),
    /// `/search` or `/pins` results: Enter jumps to the selected message.
    Results(Results),
}

/// A list of messages to jump from.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The server they come from.
    pub server: ServerKey,
    /// What the list is.
    pub title: String,
    /// How many matched in all.
    pub total: u64,
    /// The messages, newest first.
    pub items: Vec<spectrus_proto::model::Message>,
    /// The highlighted row.
    pub selected: usize,
}

/// Which field of the login form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginField {
    /// Server URL.
    Server,
    /// Username.
    Username,
    /// Password.
    Password,
    /// Setup code (register only).
    SetupCode,
    /// Invite code (register only).
    Invite,
}

/// The login/register form.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginForm {
    /// Register instead of log in.
    pub register: bool,
    /// Server URL.
    pub server: TextBuffer,
    /// Username.
    pub username: TextBuffer,
    /// Password (cleared as soon as it is submitted; never saved).
    pub password: TextBuffer,
    /// Setup code for the first account of a fresh server.
    pub setup_code: TextBuffer,
    /// Invite code.
    pub invite: TextBuffer,
    /// The field with the cursor.
    pub field: LoginField,
    /// The last error to show.
    pub error: Option<String>,
    /// The server already has an owner (`GET /server` said `owner_id`): no setup code field.
    pub has_owner: bool,
}

impl Default for LoginForm {
    fn default() -> Self {
        LoginForm {
            register: false,
            server: TextBuffer::new(),
            username: TextBuffer::new(),
            password: TextBuffer::new(),
            setup_code: TextBuffer::new(),
            invite: TextBuffer::new(),
            field: LoginField::Server,
            error: None,
            has_owner: false,
        }
    }
}

impl LoginForm {
    /// The fields shown, in order.
    pub fn fields(&self) -> Vec<LoginField> {
        let mut f = vec![
            LoginField::Server,
            LoginField::Username,
            LoginField::Password,
        ];
        if self.register {
            if !self.has_owner {
                f.push(LoginField::SetupCode);
            }
            f.push(LoginField::Invite);
        }
        f
    }

    /// The buffer of a field.
    pub fn buffer(&self, field: LoginField) -> &TextBuffer {
        match field {
            LoginField::Server => &self.server,
            LoginField::Username => &self.username,
            LoginField::Password => &self.password,
            LoginField::SetupCode => &self.setup_code,
            LoginField::Invite => &self.invite,
        }
    }

    /// The buffer of a field, mutably.
    pub fn buffer_mut(&mut self, field: LoginField) -> &mut TextBuffer {
        match field {
            LoginField::Server => &mut self.server,
            LoginField::Username => &mut self.username,
            LoginField::Password => &mut self.password,
            LoginField::SetupCode => &mut self.setup_code,
            LoginField::Invite => &mut self.invite,
        }
    }
}

/// Where voice stands (one server at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceStatus {
    /// Not in voice.
    Off,
    /// Asked to join; waiting for the engine.
    Joining {
        /// The server.
        server: ServerKey,
        /// The voice channel.
        channel: Id,
    },
    /// In a voice channel.
    Connected {
        /// The server.
        server: ServerKey,
        /// The voice channel.
        channel: Id,
    },
}

/// Voice as the status line shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Voice {
    /// Joined or not.
    pub status: VoiceStatus,
    /// Our microphone is muted.
    pub muted: bool,
    /// We hear nothing (and are muted).
    pub deafened: bool,
    /// Input level, 0.0 to 1.0.
    pub mic_level: f32,
    /// The microphone is sent only while the push-to-talk key says so (`[voice] mode =
    /// "ptt"`); otherwise voice activity (or nothing) decides.
    pub push_to_talk: bool,
    /// Push-to-talk is on: the key is held (or was toggled on).
    pub talking: bool,
}

impl Default for Voice {
    fn default() -> Self {
        Voice {
            status: VoiceStatus::Off,
            muted: false,
            deafened: false,
            mic_level: 0.0,
            push_to_talk: false,
            talking: false,
        }
    }
}

/// A line of information or error in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What to say.
    pub text: String,
    /// Whether it is an error.
    pub error: bool,
    /// Until when (app clock, ms).
    pub until_ms: u64,
}

/// The whole client state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Saved servers in rail order.
    pub servers: Vec<ServerState>,
    /// The shown server.
    pub active: Option<ServerKey>,
    /// Which pane has the keyboard.
    pub focus: Focus,
    /// The overlay drawn on top, if any.
    pub overlay: Option<Overlay>,
    /// The composer.
    pub composer: Composer,
    /// The login form (shown while the active server is not logged in, or with no server).
    pub login: LoginForm,
    /// Voice.
    pub voice: Voice,
    /// The status line notice.
    pub notice: Option<Notice>,
    /// A message whose deletion waits for the delete key a second time (any other key
    /// keeps it).
    pub pending_delete: Option<Id>,
    /// The app clock, ms since start; advanced by ticks.
    pub now_ms: u64,
    /// Terminal size.
    pub size: (u16, u16),
    /// When our typing was last announced, per channel.
    pub typing_sent_ms: Option<(Id, u64)>,
    /// Key bindings.
    pub keymap: Keymap,
    /// Colours and other settings.
    pub config: Config,
    /// The highlighted row of the channel list.
    pub channel_cursor: usize,
    /// The highlighted row of the member list.
    pub member_cursor: usize,
    /// Set once the user asked to quit.
    pub should_quit: bool,
    /// The terminal reports key releases (keyboard enhancement): push-to-talk holds while
    /// the key is down; otherwise each press toggles it.
    pub key_release: bool,
    next_key: u32,
    next_nonce: u64,
}

impl AppState {
    /// A fresh state with the given settings and no servers.
    pub fn new(config: Config) -> AppState {
        let keymap = Keymap::with_overrides(&config.keys).unwrap_or_default();
        AppState {
            servers: Vec::new(),
            active: None,
            focus: Focus::Composer,
            overlay: None,
            composer: Composer::default(),
            login: LoginForm::default(),
            voice: Voice {
                push_to_talk: config.voice.mode == crate::config::VoiceMode::Ptt,
                ..Voice::default()
            },
            notice: None,
            pending_delete: None,
            now_ms: 0,
            size: (80, 24),
            typing_sent_ms: None,
            keymap,
            config,
            channel_cursor: 0,
            member_cursor: 0,
            key_release: false,
            should_quit: false,
            next_key: 1,
            next_nonce: 1,
        }
    }

    /// Adds a saved server (or returns the key of the one with the same URL).
    pub fn add_server(&mut self, url: &str) -> ServerKey {
        let url = url.trim_end_matches('/');
        if let Some(s) = self.servers.iter().find(|s| s.url == url) {
            return s.key;
        }
        let key = ServerKey(self.next_key);
        self.next_key += 1;
        self.servers.push(ServerState::new(key, url));
        if self.active.is_none() {
            self.active = Some(key);
            self.login.server.set(url);
        }
        key
    }

    /// A server by key.
    pub fn server(&self, key: ServerKey) -> Option<&ServerState> {
        self.servers.iter().find(|s| s.key == key)
    }

    /// A server by key, mutably.
    pub fn server_mut(&mut self, key: ServerKey) -> Option<&mut ServerState> {
        self.servers.iter_mut().find(|s| s.key == key)
    }

    /// The shown server.
    pub fn active_server(&self) -> Option<&ServerState> {
        self.active.and_then(|k| self.server(k))
    }

    /// The shown server, mutably.
    pub fn active_server_mut(&mut self) -> Option<&mut ServerState> {
        let key = self.active?;
        self.server_mut(key)
    }

    /// Whether the login screen is shown instead of the main view.
    pub fn on_login_screen(&self) -> bool {
        self.active_server()
            .is_none_or(|s| s.auth != AuthStatus::LoggedIn)
    }

    /// A fresh nonce for a message send.
    pub fn next_nonce(&mut self) -> String {
        let n = self.next_nonce;
        self.next_nonce += 1;
        format!("tui-{}-{n}", self.now_ms)
    }

    /// Shows a notice in the status line.
    pub fn notify(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
            until_ms: self.now_ms + NOTICE_MS,
        });
    }
}

/// One result of the channel switcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitcherMatch {
    /// The server.
    pub server: ServerKey,
    /// The channel.
    pub channel: Id,
    /// `#name` or the voice channel's name.
    pub label: String,
    /// The server's name.
    pub server_name: String,
    /// Whether it is a voice channel.
    pub voice: bool,
    /// Unread messages.
    pub unread: u64,
    /// Mentions.
    pub mentions: u64,
}

impl AppState {
    /// Channels of every logged-in server matching the switcher query, best first (on a tie:
    /// mentions, unread, then the open server first).
    pub fn switcher_matches(&self, query: &str) -> Vec<SwitcherMatch> {
        let mut scored: Vec<(i64, SwitcherMatch)> = Vec::new();
        for s in self
            .servers
            .iter()
            .filter(|s| s.auth == AuthStatus::LoggedIn)
        {
            for c in s.openable_channels() {
                let Some(score) = crate::fuzzy::score(query, &c.name) else {
                    continue;
                };
                let bonus = if Some(s.key) == self.active { 1 } else { 0 };
                scored.push((
                    score * 4 + bonus,
                    SwitcherMatch {
                        server: s.key,
                        channel: c.id,
                        label: c.name.clone(),
                        server_name: s.display_name(),
                        voice: c.kind == ChannelType::Voice,
                        unread: s.unread(c.id),
                        mentions: s.mentions(c.id),
                    },
                ));
            }
        }
        scored.sort_by(|(a, ma), (b, mb)| {
            b.cmp(a)
                .then(mb.mentions.cmp(&ma.mentions))
                .then(mb.unread.cmp(&ma.unread))
        });
        scored.into_iter().map(|(_, m)| m).collect()
    }

    /// People of the active server who can be @mentioned.
    pub fn mentionables(&self) -> Vec<crate::completion::Mentionable> {
        let Some(s) = self.active_server() else {
            return Vec::new();
        };
        s.members
            .values()
            .map(|m| crate::completion::Mentionable {
                id: m.user.id,
                username: m.user.username.clone(),
                aliases: std::iter::once(m.user.display_name.clone())
                    .chain(m.nick.clone())
                    .collect(),
                online: m.presence == Presence::Online,
            })
            .collect()
    }
}
