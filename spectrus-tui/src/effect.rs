//! What the reducer asks the outside world to do. A [`crate::runner::EffectRunner`] carries
//! effects out and reports their results back as [`crate::action::Action`]s.

use std::fmt;

use spectrus_proto::Id;

use crate::state::ServerKey;

/// One thing to do outside the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `GET /server` (is a setup code needed? what is it called?).
    ProbeServer {
        /// Which server.
        server: ServerKey,
        /// Its base URL.
        url: String,
    },
    /// `POST /auth/login`, then keep the refresh token and connect the gateway.
    Login {
        /// Which server.
        server: ServerKey,
        /// Its base URL.
        url: String,
        /// Username.
        username: String,
        /// Password (never stored, never logged).
        password: Password,
    },
    /// `POST /auth/register`, then as for login.
    Register {
        /// Which server.
        server: ServerKey,
        /// Its base URL.
        url: String,
        /// Username.
        username: String,
        /// Password (never stored, never logged).
        password: Password,
        /// The owner's one-time setup code on a fresh server.
        setup_code: Option<String>,
        /// An invite code.
        invite: Option<String>,
    },
    /// `POST /auth/logout`, forget the refresh token, close the gateway.
    Logout {
        /// Which server.
        server: ServerKey,
    },
    /// `POST /channels/{channel}/messages`.
    SendMessage {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// Text, mentions as `<@id>`.
        content: String,
        /// Replied-to message.
        reply_to: Option<Id>,
        /// Idempotency nonce; also pairs the echo with the pending line.
        nonce: String,
    },
    /// `PATCH /channels/{channel}/messages/{message}`.
    EditMessage {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// Message.
        message: Id,
        /// New text.
        content: String,
    },
    /// `DELETE /channels/{channel}/messages/{message}`.
    DeleteMessage {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// Message.
        message: Id,
    },
    /// `GET /channels/{channel}/messages?before=..&limit=..`.
    FetchHistory {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// Older than this (`None`: the newest page).
        before: Option<Id>,
        /// Page size.
        limit: usize,
    },
    /// `GET /search/messages?q=`.
    Search {
        /// Which server.
        server: ServerKey,
        /// The query as typed.
        query: String,
    },
    /// `GET /commands`: the plugins' slash commands, for completion.
    FetchCommands {
        /// Which server.
        server: ServerKey,
    },
    /// `POST /channels/{channel}/interactions`: run a plugin's slash command.
    InvokeCommand {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// The command's name.
        command: String,
        /// Its options, typed.
        options: std::collections::BTreeMap<String, serde_json::Value>,
        /// The plugin's name (for "… is thinking").
        plugin: String,
        /// The plugin's bot (the author of the answer).
        bot: Id,
    },
    /// `GET /channels/{channel}/pins`.
    FetchPins {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
    },
    /// `POST /users/@me/channels`: open (or find) the direct message with `user`.
    OpenDm {
        /// Which server.
        server: ServerKey,
        /// The other person.
        user: Id,
    },
    /// `POST /channels/{channel}/ack`.
    Ack {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// The newest message read.
        message: Id,
    },
    /// `POST /channels/{channel}/typing`.
    SendTyping {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
    },
    /// `PUT` (add) or `DELETE` (remove) `/channels/{c}/messages/{m}/reactions/{emoji}/@me`.
    React {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// Message.
        message: Id,
        /// Emoji.
        emoji: String,
        /// Add or remove.
        add: bool,
    },
    /// Gateway `voice_join`, then run the voice engine.
    JoinVoice {
        /// Which server.
        server: ServerKey,
        /// Voice channel.
        channel: Id,
        /// Join muted.
        self_mute: bool,
        /// Join deafened.
        self_deaf: bool,
    },
    /// Gateway `voice_leave`, stop the voice engine.
    LeaveVoice {
        /// Which server.
        server: ServerKey,
    },
    /// Gateway `voice_state` and the engine's mute/deafen.
    SetVoiceState {
        /// Which server.
        server: ServerKey,
        /// Muted.
        self_mute: bool,
        /// Deafened.
        self_deaf: bool,
    },
    /// The engine's playback volume of one participant.
    SetUserVolume {
        /// Who.
        user: Id,
        /// Percent, 0 to [`crate::commands::MAX_VOLUME`] (100 = as sent).
        percent: u16,
    },
    /// Push-to-talk: send the microphone (`true`) or stop (`false`).
    PushToTalk {
        /// Talking.
        active: bool,
    },
    /// `PATCH /members/{me}` `{nick}` (`None` clears it).
    SetNick {
        /// Which server.
        server: ServerKey,
        /// The nickname.
        nick: Option<String>,
    },
    /// `POST /channels/{channel}/messages` with the file at `path` (multipart).
    UploadFile {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
        /// Local file path.
        path: String,
    },
    /// Open a URL with the system opener (`xdg-open`, `open` on macOS); no network here.
    OpenUrl {
        /// The full URL (an attachment's signed URL).
        url: String,
    },
    /// `POST /invites`.
    CreateInvite {
        /// Which server.
        server: ServerKey,
    },
    /// `watch_members` on the gateway (large servers): the page of the member list to show
    /// with live presence, and specific users (me).
    WatchMembers {
        /// Which server.
        server: ServerKey,
        /// First position of the page.
        offset: u32,
        /// Members in the page.
        limit: u32,
        /// Users watched besides the page.
        user_ids: Vec<Id>,
    },
    /// Save the channel to reopen next time (saved servers file; no network).
    RememberChannel {
        /// Which server.
        server: ServerKey,
        /// Channel.
        channel: Id,
    },
    /// Leave the event loop and restore the terminal.
    Quit,
}

/// A password on its way to the server. Its `Debug` output is redacted, so logging an effect
/// never writes it anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The password itself, for the request body.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_debug_output() {
        let e = Effect::Login {
            server: ServerKey(1),
            url: "https://x".into(),
            username: "zoe".into(),
            password: "hunter22".into(),
        };
        assert!(!format!("{e:?}").contains("hunter22"));
    }
}
