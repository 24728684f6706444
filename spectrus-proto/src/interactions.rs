//! Slash commands and plugin interactions (issue 16): what the clients send to run a plugin's
//! command, what they list for autocompletion, and what the daemon POSTs to a plugin's
//! `webhook_url` (signed like Discord's interactions: `X-Signature-Ed25519` over
//! `X-Signature-Timestamp` + body, with the server's Ed25519 key).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::admin::CommandOption;
use crate::id::Id;
use crate::model::{Message, UserRef};

/// `GET /commands`: the slash commands of the enabled plugins, for autocompletion.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct CommandList {
    pub commands: Vec<AvailableCommand>,
}

/// One command a member can run (`/name`), with the plugin and bot that answer it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AvailableCommand {
    pub plugin_id: String,
    /// The plugin's display name.
    pub plugin_name: String,
    /// The plugin's bot user, the author of its answers.
    pub bot_id: Id,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub options: Vec<CommandOption>,
}

/// `POST /channels/{id}/interactions`: run `/command` in this channel.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct InvokeCommand {
    pub command: String,
    /// Option values by name: strings, integers, booleans, or ids as strings for `user`/`channel`.
    #[serde(default)]
    pub options: BTreeMap<String, serde_json::Value>,
}

/// How the plugin answered an invocation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InteractionStatus {
    /// The plugin answered with a message (posted by its bot, also sent as `MESSAGE_CREATE`).
    Answered,
    /// The plugin deferred; its follow-up arrives later as a `MESSAGE_CREATE` from its bot.
    Deferred,
}

/// The answer to [`InvokeCommand`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InteractionResult {
    pub id: Id,
    pub status: InteractionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// What the daemon POSTs to a plugin's `webhook_url` carries `"type"`: this for an event.
pub const WEBHOOK_EVENT: u8 = 0;
/// `"type"` of a liveness ping (answer `{"type": 1}`).
pub const WEBHOOK_PING: u8 = 1;
/// `"type"` of a slash command ([`CommandInteraction`]).
pub const WEBHOOK_COMMAND: u8 = 2;
/// An answer's `"type"`: pong.
pub const RESPONSE_PONG: u8 = 1;
/// An answer's `"type"`: a message now.
pub const RESPONSE_MESSAGE: u8 = 4;
/// An answer's `"type"`: deferred, a follow-up comes later.
pub const RESPONSE_DEFERRED: u8 = 5;

/// A gateway event the plugin subscribed to and its bot may see.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventDelivery {
    /// Always [`WEBHOOK_EVENT`].
    #[serde(rename = "type")]
    pub kind: u8,
    /// The delivery id (also `X-Spectrus-Delivery`); retries reuse it.
    pub id: String,
    pub plugin_id: String,
    /// The gateway event name (also `X-Spectrus-Event`), e.g. `MESSAGE_CREATE`.
    pub event: String,
    /// The event's payload, as the gateway sends it.
    pub data: serde_json::Value,
}

/// A liveness check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PingDelivery {
    /// Always [`WEBHOOK_PING`].
    #[serde(rename = "type")]
    pub kind: u8,
    pub id: String,
    pub plugin_id: String,
}

/// A member ran one of the plugin's commands. Answer within 3 s with an
/// [`InteractionResponse`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommandInteraction {
    /// Always [`WEBHOOK_COMMAND`].
    #[serde(rename = "type")]
    pub kind: u8,
    pub id: Id,
    /// Authorises the follow-up (`POST /interactions/{id}/{token}/followup`) for 15 minutes.
    pub token: String,
    pub plugin_id: String,
    pub channel_id: Id,
    pub user: UserRef,
    pub command: String,
    #[serde(default)]
    pub options: BTreeMap<String, serde_json::Value>,
}

/// A plugin's answer to a [`CommandInteraction`]: `{"type": 4, "data": {"content": "…"}}`
/// posts a message now; `{"type": 5}` defers (follow up within 15 minutes); `{"type": 1}`
/// answers a ping.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InteractionResponse {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<InteractionMessage>,
}

/// The message a plugin answers with, or sends as a follow-up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct InteractionMessage {
    pub content: String,
}
