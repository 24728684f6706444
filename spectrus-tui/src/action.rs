//! Everything that can happen to the client, as data: terminal input, gateway events per
//! server, connection changes, results of effects, voice engine events and the clock.

use crossterm::event::{KeyEvent, MouseEvent};
use spectrus_proto::Id;
use spectrus_proto::gateway::{
    IdOnly, MessageDelete, PresenceUpdate, ReactionEvent, Ready, Speaking, TypingStart, event,
};
use spectrus_proto::model::{Channel, Invite, Member, Message, Role, ServerInfo, User, VoiceState};

use crate::state::ServerKey;

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key was pressed (or repeated, or released where the terminal reports it).
    Key(KeyEvent),
    /// A mouse click, drag or wheel.
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// Text was pasted (bracketed paste).
    Paste(String),
    /// The clock advanced; `now_ms` counts from the start of the app.
    Tick {
        /// Milliseconds since start.
        now_ms: u64,
    },
    /// A gateway dispatch (or `ready`) from one server.
    Gateway {
        /// Which server.
        server: ServerKey,
        /// What it said.
        event: GatewayEvent,
    },
    /// The gateway connection of one server changed.
    Connection {
        /// Which server.
        server: ServerKey,
        /// How.
        change: ConnectionChange,
    },
    /// A login or register succeeded (the runner then connects the gateway).
    LoginOk {
        /// Which server.
        server: ServerKey,
        /// Who we are.
        user: User,
    },
    /// A login or register failed.
    LoginFailed {
        /// Which server.
        server: ServerKey,
        /// Why, for people.
        error: String,
    },
    /// `GET /server` answered (tells whether the server awaits its owner).
    ServerProbed {
        /// Which server.
        server: ServerKey,
        /// What it said.
        info: ServerInfo,
    },
    /// A page of history arrived (in any order; the reducer sorts).
    HistoryLoaded {
        /// Which server.
        server: ServerKey,
        /// Which channel.
        channel: Id,
        /// The `before` it was asked with (`None`: the newest page).
        before: Option<Id>,
        /// The messages.
        messages: Vec<Message>,
    },
    /// A history page could not be loaded.
    HistoryFailed {
        /// Which server.
        server: ServerKey,
        /// Which channel.
        channel: Id,
        /// Why.
        error: String,
    },
    /// Sending a message failed.
    SendFailed {
        /// Which server.
        server: ServerKey,
        /// The nonce of the message.
        nonce: String,
        /// Why.
        error: String,
    },
    /// An invite was created.
    InviteCreated {
        /// Which server.
        server: ServerKey,
        /// The invite.
        invite: Invite,
    },
    /// Some other request failed; shown in the status line.
    RequestFailed {
        /// Which server.
        server: ServerKey,
        /// What was tried, e.g. "edit".
        what: String,
        /// Why.
        error: String,
    },
    /// The voice engine reported something.
    Voice(VoiceEvent),
}

/// A gateway event, decoded.
#[derive(Debug, Clone)]
pub enum GatewayEvent {
    /// `ready`: the full snapshot after identify.
    Ready(Box<Ready>),
    /// `MESSAGE_CREATE`.
    MessageCreate(Message),
    /// `MESSAGE_UPDATE`.
    MessageUpdate(Message),
    /// `MESSAGE_DELETE`.
    MessageDelete(MessageDelete),
    /// `REACTION_ADD`.
    ReactionAdd(ReactionEvent),
    /// `REACTION_REMOVE`.
    ReactionRemove(ReactionEvent),
    /// `TYPING_START`.
    TypingStart(TypingStart),
    /// `PRESENCE_UPDATE`.
    PresenceUpdate(PresenceUpdate),
    /// `CHANNEL_CREATE`.
    ChannelCreate(Channel),
    /// `CHANNEL_UPDATE`.
    ChannelUpdate(Channel),
    /// `CHANNEL_DELETE` (the payload's `id` is all that is read).
    ChannelDelete(IdOnly),
    /// `ROLE_CREATE`.
    RoleCreate(Role),
    /// `ROLE_UPDATE`.
    RoleUpdate(Role),
    /// `ROLE_DELETE`.
    RoleDelete(IdOnly),
    /// `MEMBER_ADD`.
    MemberAdd(Member),
    /// `MEMBER_UPDATE`.
    MemberUpdate(Member),
    /// `MEMBER_REMOVE`.
    MemberRemove(IdOnly),
    /// `SERVER_UPDATE`.
    ServerUpdate(ServerInfo),
    /// `VOICE_STATE_UPDATE`.
    VoiceStateUpdate(VoiceState),
    /// `SPEAKING`.
    Speaking(Speaking),
}

/// A dispatch that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The event name is not one the client knows (newer server): skip it.
    #[error("unknown gateway event {0}")]
    UnknownEvent(String),
    /// The payload did not have the documented shape.
    #[error("bad payload for {event}: {source}")]
    BadPayload {
        /// The event name.
        event: String,
        /// The decoder's complaint.
        source: serde_json::Error,
    },
}

impl GatewayEvent {
    /// Decodes a dispatch from its `t` and `d`.
    pub fn decode(t: &str, d: serde_json::Value) -> Result<GatewayEvent, DecodeError> {
        fn de<T: serde::de::DeserializeOwned>(
            t: &str,
            d: serde_json::Value,
        ) -> Result<T, DecodeError> {
            serde_json::from_value(d).map_err(|source| DecodeError::BadPayload {
                event: t.to_owned(),
                source,
            })
        }
        Ok(match t {
            event::MESSAGE_CREATE => GatewayEvent::MessageCreate(de(t, d)?),
            event::MESSAGE_UPDATE => GatewayEvent::MessageUpdate(de(t, d)?),
            event::MESSAGE_DELETE => GatewayEvent::MessageDelete(de(t, d)?),
            event::REACTION_ADD => GatewayEvent::ReactionAdd(de(t, d)?),
            event::REACTION_REMOVE => GatewayEvent::ReactionRemove(de(t, d)?),
            event::TYPING_START => GatewayEvent::TypingStart(de(t, d)?),
            event::PRESENCE_UPDATE => GatewayEvent::PresenceUpdate(de(t, d)?),
            event::CHANNEL_CREATE => GatewayEvent::ChannelCreate(de(t, d)?),
            event::CHANNEL_UPDATE => GatewayEvent::ChannelUpdate(de(t, d)?),
            event::CHANNEL_DELETE => GatewayEvent::ChannelDelete(de(t, d)?),
            event::ROLE_CREATE => GatewayEvent::RoleCreate(de(t, d)?),
            event::ROLE_UPDATE => GatewayEvent::RoleUpdate(de(t, d)?),
            event::ROLE_DELETE => GatewayEvent::RoleDelete(de(t, d)?),
            event::MEMBER_ADD => GatewayEvent::MemberAdd(de(t, d)?),
            event::MEMBER_UPDATE => GatewayEvent::MemberUpdate(de(t, d)?),
            event::MEMBER_REMOVE => GatewayEvent::MemberRemove(de(t, d)?),
            event::SERVER_UPDATE => GatewayEvent::ServerUpdate(de(t, d)?),
            event::VOICE_STATE_UPDATE => GatewayEvent::VoiceStateUpdate(de(t, d)?),
            event::SPEAKING => GatewayEvent::Speaking(de(t, d)?),
            other => return Err(DecodeError::UnknownEvent(other.to_owned())),
        })
    }
}

/// A change in a server's gateway connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionChange {
    /// Opening the gateway (first time).
    Connecting,
    /// The socket closed; the runner will retry.
    Disconnected {
        /// Why, for the log and the status line.
        reason: String,
    },
    /// Retrying.
    Reconnecting {
        /// Which attempt, from 1.
        attempt: u32,
    },
    /// `resumed`: the missed dispatches were replayed.
    Resumed,
    /// The session is gone for good (e.g. refresh token refused): log in again.
    LoggedOut {
        /// Why.
        reason: String,
    },
}

/// What the voice engine reports.
#[derive(Debug, Clone, PartialEq)]
pub enum VoiceEvent {
    /// Microphone input level, 0.0 to 1.0.
    Level(f32),
    /// The peer connection is up.
    Joined {
        /// Which server.
        server: ServerKey,
        /// Which voice channel.
        channel: Id,
    },
    /// We left voice (asked, or dropped).
    Left,
    /// Something failed (`voice_error`, no device, ...).
    Error(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_decode_by_name() {
        let d = serde_json::json!({"id": "5", "channel_id": "7"});
        let ev = GatewayEvent::decode(event::MESSAGE_DELETE, d);
        assert!(matches!(ev, Ok(GatewayEvent::MessageDelete(m)) if m.id == Id(5)));
        let bad = GatewayEvent::decode(event::SPEAKING, serde_json::json!({"x": 1}));
        assert!(matches!(bad, Err(DecodeError::BadPayload { .. })));
        let unknown = GatewayEvent::decode("NEW_THING", serde_json::json!({}));
        assert!(matches!(unknown, Err(DecodeError::UnknownEvent(_))));
    }
}
