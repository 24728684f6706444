//! Resources as the API returns them.

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::permissions::PermissionSet;

/// The short form of a user embedded in messages and members.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserRef {
    pub id: Id,
    pub username: String,
    pub display_name: String,
    /// The avatar (a 256 px PNG), when the user set one: `/api/v1/images/{sha256}.png`.
    /// Filled in member objects; elsewhere look the member up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// A plugin's bot account (shown with a BOT badge); absent for people.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
}

/// The caller's own account (`GET /users/@me`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: Id,
    pub username: String,
    pub display_name: String,
    /// Whether this account owns the server.
    #[serde(default)]
    pub owner: bool,
    /// A plugin's bot account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    pub created_at: String,
}

impl User {
    /// The embedded short form.
    pub fn to_ref(&self) -> UserRef {
        UserRef {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            avatar_url: None,
            bot: self.bot,
        }
    }
}

/// What register, login and refresh return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user: User,
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// How new accounts may join.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationPolicy {
    /// A valid invite code is required.
    #[default]
    Invite,
    /// Anyone may register.
    Open,
}

impl RegistrationPolicy {
    /// The wire/config name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationPolicy::Invite => "invite",
            RegistrationPolicy::Open => "open",
        }
    }
}

/// Premium branding of the server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Branding {
    pub accent_color: Option<String>,
    pub logo_url: Option<String>,
    pub app_name: Option<String>,
}

/// `GET /server`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerInfo {
    pub name: String,
    pub description: Option<String>,
    pub icon_url: Option<String>,
    pub branding: Branding,
    pub registration: RegistrationPolicy,
    pub version: String,
    pub voice_enabled: bool,
    pub premium: bool,
    /// True until the owner account has been claimed.
    pub setup_required: bool,
    /// The owner's user id once claimed (clients hide controls over the owner, whom nobody
    /// moderates); absent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Id>,
}

/// The kind of a channel.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ChannelType {
    Text,
    Voice,
    Category,
    /// A direct message between two members (outside the channel tree).
    Dm,
    /// A group direct message (up to ten members, outside the channel tree).
    GroupDm,
}

impl ChannelType {
    /// The wire/database name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::Text => "text",
            ChannelType::Voice => "voice",
            ChannelType::Category => "category",
            ChannelType::Dm => "dm",
            ChannelType::GroupDm => "group_dm",
        }
    }

    /// Parses the wire/database name.
    pub fn parse(s: &str) -> Option<ChannelType> {
        match s {
            "text" => Some(ChannelType::Text),
            "voice" => Some(ChannelType::Voice),
            "category" => Some(ChannelType::Category),
            "dm" => Some(ChannelType::Dm),
            "group_dm" => Some(ChannelType::GroupDm),
            _ => None,
        }
    }

    /// Whether messages can be posted in it (voice channels carry the chat beside a call).
    pub fn carries_messages(self) -> bool {
        !matches!(self, ChannelType::Category)
    }

    /// Whether this is a direct message (one-to-one or group), outside the channel tree.
    pub fn is_private(self) -> bool {
        matches!(self, ChannelType::Dm | ChannelType::GroupDm)
    }
}

/// A role's allow and deny lists in one channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PermissionOverwrite {
    pub role_id: Id,
    pub allow: PermissionSet,
    pub deny: PermissionSet,
}

/// A channel or category.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Channel {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: ChannelType,
    pub name: String,
    pub topic: Option<String>,
    pub parent_id: Option<Id>,
    pub position: i64,
    pub permission_overwrites: Vec<PermissionOverwrite>,
    pub user_limit: Option<u32>,
    pub bitrate: Option<u32>,
    /// Seconds a member must wait between two messages in this channel (0 = off; at most
    /// 21600). Members with `messages:manage` are exempt.
    #[serde(default)]
    pub slowmode_seconds: u32,
}

/// Aggregated reactions of one emoji on a message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Reaction {
    pub emoji: String,
    pub count: u32,
    /// Whether the caller is among those who reacted.
    pub me: bool,
}

/// A chat message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub id: Id,
    pub channel_id: Id,
    pub author: UserRef,
    pub content: String,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub reply_to: Option<Id>,
    pub mentions: Vec<Id>,
    pub reactions: Vec<Reaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Whether the message is pinned in its channel.
    #[serde(default)]
    pub pinned: bool,
    /// When it was pinned.
    #[serde(default)]
    pub pinned_at: Option<String>,
    /// Whether `@everyone`/`@here` in it pinged (the author had `messages:mention_everyone`).
    #[serde(default)]
    pub mention_everyone: bool,
    /// The roles `<@&id>` in it pinged.
    #[serde(default)]
    pub mention_roles: Vec<Id>,
    /// Files uploaded with the message, in upload order.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Link previews the server attached (in a `MESSAGE_UPDATE` after the post).
    #[serde(default)]
    pub embeds: Vec<Embed>,
    /// Whether the author removed the message's link previews (none are attached again).
    #[serde(default)]
    pub suppress_embeds: bool,
}

/// A file uploaded with a message (`docs/api.md`, "Attachments").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub id: Id,
    /// The sanitised file name it was uploaded with.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// Sniffed from the bytes (`application/octet-stream` when unknown), never the client's.
    pub content_type: String,
    /// Where to get it: `/api/v1/attachments/{id}/{filename}?ex=&sig=`, a signed URL valid
    /// for about a day; the path alone answers a bearer token of someone who can read the
    /// channel.
    pub url: String,
    /// Images: pixel size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Images: a preview at most 400 px on its longer side (`url` with `size=thumb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
}

/// A link preview: what the page's OpenGraph tags (or `<title>`) say about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Embed {
    /// The link as written in the message.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<EmbedImage>,
}

/// A preview's image, served through the server's signed proxy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct EmbedImage {
    /// `/api/v1/previews/image?url=…&sig=…` on this server (never the third party's URL).
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// Online or not.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    #[default]
    Offline,
}

/// A member of the server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub user: UserRef,
    pub nick: Option<String>,
    pub roles: Vec<Id>,
    pub joined_at: String,
    pub timeout_until: Option<String>,
    pub presence: Presence,
}

/// A role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Role {
    pub id: Id,
    pub name: String,
    pub color: Option<String>,
    pub position: i64,
    pub permissions: PermissionSet,
    pub hoist: bool,
    pub mentionable: bool,
    /// The id of the plugin whose bot this role belongs to, or `null` for a role people made.
    /// A managed role changes only with its plugin: nobody renames, edits, deletes or
    /// assigns it (409 `managed_role`). Absent in older payloads: `null`.
    #[serde(default)]
    pub managed_by: Option<String>,
}

/// An invite.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Invite {
    pub code: String,
    /// `spectrus://join/<host>/<code>`.
    pub url: String,
    /// `<public_url>/invite/<code>`.
    pub web_url: String,
    pub uses: u32,
    pub max_uses: Option<u32>,
    pub expires_at: Option<String>,
    pub created_by: Option<Id>,
    pub created_at: String,
}

/// The server as an invite preview shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InviteServer {
    pub name: String,
    pub icon_url: Option<String>,
}

/// `GET /invites/{code}`: public.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InvitePreview {
    pub code: String,
    pub server: InviteServer,
    pub member_count: u64,
}

/// A member's read position and unread counters in one channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReadState {
    pub channel_id: Id,
    pub last_read_id: Option<Id>,
    pub unread_count: u64,
    pub mention_count: u64,
}

/// Who is in which voice channel, and how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VoiceState {
    pub user_id: Id,
    /// `None` when the user left voice.
    pub channel_id: Option<Id>,
    pub self_mute: bool,
    pub self_deaf: bool,
    pub mute: bool,
    pub deaf: bool,
}

/// A ban.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ban {
    pub user: UserRef,
    pub reason: Option<String>,
    pub created_at: String,
}

/// An audit log actor that is not a member: `{"via": "admin_socket", "uid": 0}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditActor {
    /// How the actor came in; always [`AuditActor::ADMIN_SOCKET`] today.
    pub via: String,
    /// The peer's uid, as the kernel reported it on the admin socket connection.
    pub uid: u32,
}

impl AuditActor {
    /// `via` of actions taken through the admin socket.
    pub const ADMIN_SOCKET: &'static str = "admin_socket";

    /// The operator acting as `uid` through the admin socket.
    pub fn admin_socket(uid: u32) -> AuditActor {
        AuditActor {
            via: Self::ADMIN_SOCKET.to_owned(),
            uid,
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEntry {
    pub id: Id,
    pub actor_id: Option<Id>,
    /// Who acted when it was not a member: the operator over the admin socket, with the
    /// peer's uid. `null` for members' actions (see `actor_id`).
    #[serde(default)]
    pub actor: Option<AuditActor>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub reason: Option<String>,
    pub changes: serde_json::Value,
    pub created_at: String,
}

/// A direct message conversation (`dm`: one other person; `group_dm`: up to nine others), as
/// one participant sees it: `recipients` are the other participants.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PrivateChannel {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: ChannelType,
    /// The other participants (never the caller).
    pub recipients: Vec<User>,
    /// Who opened it.
    pub owner_id: Id,
    /// The newest message, if any (clients sort conversations by it).
    pub last_message_id: Option<Id>,
    /// False when no message can be posted any more: the other person of a `dm` left the
    /// server or was banned, or every other participant of a `group_dm` did.
    #[serde(default = "yes")]
    pub open: bool,
}

fn yes() -> bool {
    true
}

/// A member's own settings (`GET`/`PATCH /users/@me/settings`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserSettings {
    /// Whether other members may open new direct messages with me (default true).
    pub allow_dms: bool,
    /// Whether my clients show link previews under messages (default true).
    #[serde(default = "yes")]
    pub show_link_previews: bool,
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings {
            allow_dms: true,
            show_link_previews: true,
        }
    }
}

/// A custom emoji of the server: typed `:name:`, sent as `<:name:id>` in message text and as
/// a reaction key; its image (a PNG at most 128 px on a side) is public at `url`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Emoji {
    pub id: Id,
    /// `[a-z0-9_]{2,32}`, unique on the server.
    pub name: String,
    /// The image's path on the server (`/api/v1/images/<sha256>.png`, or `.gif` when animated).
    pub url: String,
    /// Whether the image moves (an animated GIF).
    #[serde(default)]
    pub animated: bool,
    /// An animated emoji's first frame, a still PNG (`/api/v1/images/<sha256>.still.png`), for
    /// those who ask for reduced motion; absent for a still emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub still_url: Option<String>,
    /// Who uploaded it (absent for the operator, or an account since deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<Id>,
    pub created_at: String,
}
