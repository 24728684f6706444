//! Gateway frames: `{"op": "...", "d": {...}}`, dispatches with `"t"` and `"s"`.

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::model::{Channel, Member, ReadState, Role, ServerInfo, User, VoiceState};

/// Close codes the server uses.
pub mod close {
    /// Something went wrong; reconnect.
    pub const UNKNOWN_ERROR: u16 = 4000;
    /// An op the server does not know.
    pub const UNKNOWN_OP: u16 = 4001;
    /// A frame that is not valid JSON of the right shape.
    pub const DECODE_ERROR: u16 = 4002;
    /// An op before `identify`.
    pub const NOT_IDENTIFIED: u16 = 4003;
    /// The token was refused.
    pub const AUTHENTICATION_FAILED: u16 = 4004;
    /// Too many frames.
    pub const RATE_LIMITED: u16 = 4008;
    /// Two heartbeat intervals passed without a heartbeat.
    pub const SESSION_TIMED_OUT: u16 = 4009;
    /// The server is shutting down or the session was ended; reconnect (and resume) later.
    pub const RECONNECT: u16 = 4010;
}

/// What a client sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", content = "d", rename_all = "snake_case")]
pub enum ClientFrame {
    Identify(Identify),
    Resume(Resume),
    Heartbeat(Heartbeat),
    VoiceJoin(VoiceJoin),
    VoiceAnswer(Sdp),
    VoiceCandidate(IceCandidate),
    VoiceState(VoiceSelfState),
    VoiceLeave(Empty),
    WatchMembers(WatchMembers),
}

/// `watch_members`: the members whose presence and member updates this session wants in
/// large-server mode (see `Ready::large`). Replaces what the session watched before; the
/// server answers with `members_chunk`. A range of the member list (by id, as
/// `GET /members` pages it) and/or specific users.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct WatchMembers {
    /// First position of the range in the member list (by id).
    #[serde(default)]
    pub offset: u32,
    /// Members in the range (0: none; at most 200).
    #[serde(default)]
    pub limit: u32,
    /// Specific members to watch besides the range (at most 200), e.g. the authors of the
    /// messages on screen.
    #[serde(default)]
    pub user_ids: Vec<Id>,
}

/// `members_chunk`: the answer to `watch_members`: the range's members then the listed
/// users', each with its presence now.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MembersChunk {
    pub offset: u32,
    /// How many of `members` are the range (the rest are the `user_ids` asked for).
    pub range_len: u32,
    pub members: Vec<Member>,
    pub member_count: u64,
}

/// An empty payload (`{}`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Empty {}

/// `identify`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identify {
    pub token: String,
}

/// `resume`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resume {
    pub token: String,
    pub session_id: String,
    pub seq: u64,
}

/// `heartbeat`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Heartbeat {
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `voice_join`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoiceJoin {
    pub channel_id: Id,
    #[serde(default)]
    pub self_mute: bool,
    #[serde(default)]
    pub self_deaf: bool,
}

/// `voice_state` from a client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoiceSelfState {
    pub self_mute: bool,
    pub self_deaf: bool,
}

/// `voice_offer` / `voice_answer`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sdp {
    pub sdp: String,
}

/// `voice_candidate`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default)]
    pub sdp_mid: Option<String>,
    #[serde(default)]
    pub sdp_mline_index: Option<u16>,
}

/// `hello`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    pub heartbeat_interval_ms: u64,
}

/// `ready`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ready {
    pub session_id: String,
    pub user: User,
    pub server: ServerInfo,
    pub channels: Vec<Channel>,
    pub roles: Vec<Role>,
    /// Members, up to the first 1000 by id; page the rest with `GET /members`. Empty on a
    /// large server (`large`).
    pub members: Vec<Member>,
    pub member_count: u64,
    /// Large-server mode (more members than `limits.large_server_members`): `members` is
    /// empty and presence and member updates arrive only for watched members
    /// (`watch_members`).
    #[serde(default)]
    pub large: bool,
    pub voice_states: Vec<VoiceState>,
    pub read_states: Vec<ReadState>,
    /// The caller's direct messages (their read states are in `read_states`).
    #[serde(default)]
    pub private_channels: Vec<crate::model::PrivateChannel>,
    /// Users the caller has blocked (clients collapse their messages).
    #[serde(default)]
    pub blocked_user_ids: Vec<Id>,
    /// The caller's own settings.
    #[serde(default)]
    pub user_settings: crate::model::UserSettings,
    /// The server's custom emoji, by name.
    #[serde(default)]
    pub emojis: Vec<crate::model::Emoji>,
}

/// `invalid_session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvalidSession {
    pub resumable: bool,
}

/// `voice_error`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoiceError {
    pub code: String,
    pub message: String,
}

/// Any frame from the server, loosely typed: match on `op` (and `t`), then decode `d`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerFrame {
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<u64>,
    #[serde(default)]
    pub d: serde_json::Value,
}

/// Server ops.
pub mod op {
    pub const HELLO: &str = "hello";
    pub const READY: &str = "ready";
    pub const RESUMED: &str = "resumed";
    pub const INVALID_SESSION: &str = "invalid_session";
    pub const HEARTBEAT_ACK: &str = "heartbeat_ack";
    pub const DISPATCH: &str = "dispatch";
    pub const VOICE_OFFER: &str = "voice_offer";
    pub const VOICE_CANDIDATE: &str = "voice_candidate";
    pub const VOICE_ERROR: &str = "voice_error";
    pub const MEMBERS_CHUNK: &str = "members_chunk";
    /// A refused `watch_members` (`{"error": {"code", "message"}}`).
    pub const MEMBERS_ERROR: &str = "members_error";
}

/// Dispatch event names (`t`).
pub mod event {
    pub const MESSAGE_CREATE: &str = "MESSAGE_CREATE";
    pub const MESSAGE_UPDATE: &str = "MESSAGE_UPDATE";
    pub const MESSAGE_DELETE: &str = "MESSAGE_DELETE";
    pub const REACTION_ADD: &str = "REACTION_ADD";
    pub const REACTION_REMOVE: &str = "REACTION_REMOVE";
    pub const TYPING_START: &str = "TYPING_START";
    pub const PRESENCE_UPDATE: &str = "PRESENCE_UPDATE";
    pub const CHANNEL_CREATE: &str = "CHANNEL_CREATE";
    pub const CHANNEL_UPDATE: &str = "CHANNEL_UPDATE";
    pub const CHANNEL_DELETE: &str = "CHANNEL_DELETE";
    pub const ROLE_CREATE: &str = "ROLE_CREATE";
    pub const ROLE_UPDATE: &str = "ROLE_UPDATE";
    pub const ROLE_DELETE: &str = "ROLE_DELETE";
    pub const MEMBER_ADD: &str = "MEMBER_ADD";
    pub const MEMBER_UPDATE: &str = "MEMBER_UPDATE";
    pub const MEMBER_REMOVE: &str = "MEMBER_REMOVE";
    pub const SERVER_UPDATE: &str = "SERVER_UPDATE";
    pub const VOICE_STATE_UPDATE: &str = "VOICE_STATE_UPDATE";
    pub const SPEAKING: &str = "SPEAKING";
    pub const PRIVATE_CHANNEL_CREATE: &str = "PRIVATE_CHANNEL_CREATE";
    pub const USER_SETTINGS_UPDATE: &str = "USER_SETTINGS_UPDATE";
    pub const EMOJIS_UPDATE: &str = "EMOJIS_UPDATE";
}

/// `MESSAGE_DELETE`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MessageDelete {
    pub id: Id,
    pub channel_id: Id,
}

/// `REACTION_ADD` / `REACTION_REMOVE`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReactionEvent {
    pub channel_id: Id,
    pub message_id: Id,
    pub user_id: Id,
    pub emoji: String,
}

/// `TYPING_START`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TypingStart {
    pub channel_id: Id,
    pub user_id: Id,
    pub timestamp: String,
}

/// `PRESENCE_UPDATE`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PresenceUpdate {
    pub user_id: Id,
    pub status: crate::model::Presence,
}

/// `MEMBER_REMOVE` / `ROLE_DELETE`: only the id matters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdOnly {
    pub id: Id,
}

/// `SPEAKING`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Speaking {
    pub user_id: Id,
    pub channel_id: Id,
    pub speaking: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_use_op_and_d() {
        let f = ClientFrame::Identify(Identify { token: "t".into() });
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"op":"identify","d":{"token":"t"}}"#
        );
        let back: ClientFrame =
            serde_json::from_str(r#"{"op":"heartbeat","d":{"seq":3}}"#).unwrap();
        assert!(matches!(
            back,
            ClientFrame::Heartbeat(Heartbeat { seq: Some(3) })
        ));
        let leave: ClientFrame = serde_json::from_str(r#"{"op":"voice_leave","d":{}}"#).unwrap();
        assert!(matches!(leave, ClientFrame::VoiceLeave(_)));
    }
}

/// Declares [`Dispatch`]: each event's variant, its name on the wire (`t`) and its payload
/// type (`d`), once.
macro_rules! dispatches {
    ($($(#[$doc:meta])* $variant:ident($payload:ty) = $name:ident,)*) => {
        /// A server event (`op: "dispatch"`): the daemon publishes these, clients decode them.
        /// Each variant's name on the wire is [`Dispatch::name`].
        #[derive(Debug, Clone, PartialEq)]
        pub enum Dispatch {
            $($(#[$doc])* $variant($payload),)*
            /// An event this version does not know (forward compatibility).
            Unknown {
                t: String,
                d: serde_json::Value,
            },
        }

        impl Dispatch {
            /// The event's name on the wire (`t`).
            pub fn name(&self) -> &str {
                match self {
                    $(Dispatch::$variant(_) => event::$name,)*
                    Dispatch::Unknown { t, .. } => t,
                }
            }

            /// Writes the payload (`d`) as JSON.
            pub fn write_payload<W: std::io::Write>(&self, w: W) -> Result<(), serde_json::Error> {
                match self {
                    $(Dispatch::$variant(d) => serde_json::to_writer(w, d),)*
                    Dispatch::Unknown { d, .. } => serde_json::to_writer(w, d),
                }
            }

            /// Decodes `d` according to `t`. A known event with a malformed payload is an
            /// error.
            pub fn from_parts(t: &str, d: serde_json::Value) -> Result<Dispatch, serde_json::Error> {
                Ok(match t {
                    $(event::$name => Dispatch::$variant(serde_json::from_value(d)?),)*
                    other => Dispatch::Unknown {
                        t: other.to_owned(),
                        d,
                    },
                })
            }
        }
    };
}

dispatches! {
    MessageCreate(crate::model::Message) = MESSAGE_CREATE,
    MessageUpdate(crate::model::Message) = MESSAGE_UPDATE,
    MessageDelete(MessageDelete) = MESSAGE_DELETE,
    ReactionAdd(ReactionEvent) = REACTION_ADD,
    ReactionRemove(ReactionEvent) = REACTION_REMOVE,
    TypingStart(TypingStart) = TYPING_START,
    PresenceUpdate(PresenceUpdate) = PRESENCE_UPDATE,
    ChannelCreate(Channel) = CHANNEL_CREATE,
    ChannelUpdate(Channel) = CHANNEL_UPDATE,
    ChannelDelete(Channel) = CHANNEL_DELETE,
    RoleCreate(Role) = ROLE_CREATE,
    RoleUpdate(Role) = ROLE_UPDATE,
    RoleDelete(IdOnly) = ROLE_DELETE,
    MemberAdd(Member) = MEMBER_ADD,
    MemberUpdate(Member) = MEMBER_UPDATE,
    MemberRemove(IdOnly) = MEMBER_REMOVE,
    ServerUpdate(ServerInfo) = SERVER_UPDATE,
    VoiceStateUpdate(VoiceState) = VOICE_STATE_UPDATE,
    Speaking(Speaking) = SPEAKING,
    /// A direct message opened with the receiving user (sent to each participant).
    PrivateChannelCreate(crate::model::PrivateChannel) = PRIVATE_CHANNEL_CREATE,
    /// My settings or my block list changed (sent to my own sessions).
    UserSettingsUpdate(UserSettingsUpdate) = USER_SETTINGS_UPDATE,
    /// The server's custom emoji changed (one added, renamed or deleted): the whole list.
    EmojisUpdate(EmojisUpdate) = EMOJIS_UPDATE,
}

/// `EMOJIS_UPDATE`: every custom emoji of the server now, by name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct EmojisUpdate {
    pub emojis: Vec<crate::model::Emoji>,
}

/// `USER_SETTINGS_UPDATE`: the caller's settings and blocked users as they are now (what
/// `ready` carries as `user_settings` and `blocked_user_ids`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserSettingsUpdate {
    pub user_settings: crate::model::UserSettings,
    pub blocked_user_ids: Vec<Id>,
}

#[cfg(test)]
mod dispatch_tests {
    use super::*;

    #[test]
    fn a_dispatch_round_trips_through_its_name_and_payload() {
        let d = Dispatch::MemberRemove(IdOnly { id: Id(7) });
        assert_eq!(d.name(), "MEMBER_REMOVE");
        let mut buf = Vec::new();
        d.write_payload(&mut buf).unwrap();
        assert_eq!(buf, br#"{"id":"7"}"#);
        let back = Dispatch::from_parts(d.name(), serde_json::from_slice(&buf).unwrap()).unwrap();
        assert_eq!(back, d);
        let u = Dispatch::from_parts("NEW_THING", serde_json::json!({"x": 1})).unwrap();
        assert_eq!(u.name(), "NEW_THING");
    }
}
