//! Everything that can happen to the client, as data: terminal input, gateway events per
//! server, connection changes, results of effects, voice engine events and the clock.

use crossterm::event::{KeyEvent, MouseEvent};
use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, Ready};
use spectrus_proto::model::{Invite, Message, ServerInfo, User};

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
    /// A direct message was opened (or found) with `/dm`: listed and opened.
    DmOpened {
        /// Which server.
        server: ServerKey,
        /// The conversation.
        channel: spectrus_proto::model::PrivateChannel,
    },
    /// Search results or a pinned list arrived: shown as a list to jump from.
    Found {
        /// Which server.
        server: ServerKey,
        /// The list's title ("search: …", "pins of #…").
        title: String,
        /// How many matched in all.
        total: u64,
        /// The messages, newest first.
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
    /// Something the user should know that is not an error of theirs (e.g. where the login
    /// is kept); shown in the status line.
    Notice {
        /// The text.
        text: String,
        /// Shown as an error.
        error: bool,
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
    /// The plugins' slash commands arrived.
    CommandsLoaded {
        /// Which server.
        server: ServerKey,
        /// The commands.
        commands: Vec<spectrus_proto::interactions::AvailableCommand>,
    },
    /// A plugin command ran (answered or deferred), or was refused.
    CommandRan {
        /// Which server.
        server: ServerKey,
        /// Where.
        channel: Id,
        /// The command's name.
        command: String,
        /// The plugin's name.
        plugin: String,
        /// The plugin's bot.
        bot: Id,
        /// The answer, or the refusal's error code (if any) and message.
        result: Result<spectrus_proto::interactions::InteractionResult, (Option<String>, String)>,
    },
    /// The voice engine reported something.
    Voice(VoiceEvent),
}

/// A gateway event, decoded: the `ready` snapshot, or one of the dispatches the protocol
/// crate defines (the one list of event kinds, shared with the daemon).
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "as large as the per-event enum it replaced; moved once per event, not stored"
)]
pub enum GatewayEvent {
    /// `ready`: the full snapshot after identify.
    Ready(Box<Ready>),
    /// Any other event.
    Dispatch(Dispatch),
    /// `members_chunk` (large servers): the watched members with presence now.
    Members(spectrus_proto::gateway::MembersChunk),
}

impl From<Dispatch> for GatewayEvent {
    fn from(d: Dispatch) -> GatewayEvent {
        GatewayEvent::Dispatch(d)
    }
}

impl GatewayEvent {
    /// The event of a dispatch the SDK has already decoded; `None` for an event this
    /// version does not know (a newer server), which the client skips.
    pub fn from_dispatch(d: Dispatch) -> Option<GatewayEvent> {
        match d {
            Dispatch::Unknown { .. } => None,
            d => Some(GatewayEvent::Dispatch(d)),
        }
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
    fn sdk_dispatches_convert() {
        let d = spectrus_proto::gateway::Dispatch::from_parts(
            spectrus_proto::gateway::event::MESSAGE_DELETE,
            serde_json::json!({"id": "5", "channel_id": "7"}),
        );
        let ev = d.ok().and_then(GatewayEvent::from_dispatch);
        assert!(
            matches!(ev, Some(GatewayEvent::Dispatch(Dispatch::MessageDelete(m))) if m.id == Id(5))
        );
        let unknown = Dispatch::Unknown {
            t: "NEW_THING".into(),
            d: serde_json::json!({}),
        };
        assert!(GatewayEvent::from_dispatch(unknown).is_none());
    }
}
