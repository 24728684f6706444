//! Request bodies and small response bodies of the REST API.

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::model::{Branding, ChannelType, Message, RegistrationPolicy};
use crate::patch::nullable;
use crate::permissions::PermissionSet;

/// `POST /auth/register`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_code: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `PATCH /users/@me`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PatchMe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

/// `PATCH /server`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PatchServer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub icon_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<RegistrationPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
}

/// `POST /channels`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateChannel {
    pub name: String,
    #[serde(rename = "type", default = "default_channel_type")]
    pub kind: ChannelType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u32>,
    /// 0 (off) to 21600; signed so that a negative value gets a field error, not a parse error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowmode_seconds: Option<i64>,
}

impl CreateChannel {
    /// A channel called `name` of `kind`, everything else left to the server's defaults.
    pub fn new(name: impl Into<String>, kind: ChannelType) -> Self {
        CreateChannel {
            name: name.into(),
            kind,
            topic: None,
            parent_id: None,
            position: None,
            user_limit: None,
            bitrate: None,
            slowmode_seconds: None,
        }
    }
}

fn default_channel_type() -> ChannelType {
    ChannelType::Text
}

/// `PATCH /channels/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PatchChannel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub topic: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_id: Option<Option<Id>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_limit: Option<Option<u32>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub bitrate: Option<Option<u32>>,
    /// 0 (off) to 21600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowmode_seconds: Option<i64>,
}

/// One entry of `PATCH /channels` (reorder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelPosition {
    pub id: Id,
    pub position: i64,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_id: Option<Option<Id>>,
}

/// `PUT /channels/{id}/overwrites/{role_id}`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct OverwriteBody {
    #[serde(default)]
    pub allow: PermissionSet,
    #[serde(default)]
    pub deny: PermissionSet,
}

/// `POST /channels/{id}/messages`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CreateMessage {
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// `PATCH /channels/{cid}/messages/{mid}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditMessage {
    /// The new text (absent: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// `true` removes the message's link previews for good (the author only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_embeds: Option<bool>,
}

/// `GET /search/messages`: how many messages match in all, and one page of them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchResults {
    pub total: u64,
    pub messages: Vec<SearchHit>,
}

/// A message found by search: the message as everywhere else, plus where the words matched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchHit {
    #[serde(flatten)]
    pub message: Message,
    /// `[start, end)` ranges of `content` that matched, in UTF-16 code units, sorted.
    #[serde(default)]
    pub highlights: Vec<[u32; 2]>,
}

/// `POST /channels/{id}/ack`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AckRequest {
    pub message_id: Id,
}

/// `POST /invites`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CreateInvite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
}

/// `GET /healthz`: the process is alive and serving HTTP (liveness).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"`.
    pub status: String,
    /// The daemon's version.
    #[serde(default)]
    pub version: String,
    /// Seconds since the daemon started.
    #[serde(default)]
    pub uptime_seconds: u64,
    /// Whether voice runs, and on which UDP address.
    #[serde(default)]
    pub voice: VoiceStatus,
}

/// Voice as the daemon runs it: enabled with the bound UDP address, or disabled by
/// configuration (a daemon whose voice port cannot be bound does not start).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct VoiceStatus {
    pub enabled: bool,
    /// The bound UDP address, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udp: Option<String>,
}

/// `GET /readyz`: whether the daemon can serve fully (200) or not (503), and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Readiness {
    /// `"ready"` or `"not_ready"`.
    pub status: String,
    pub checks: ReadinessChecks,
}

/// The checks behind [`Readiness`]; not ready when any is not `ok`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadinessChecks {
    /// A real write (committed and fsynced) through the database writer.
    pub database: Check,
    /// The voice SFU's UDP socket is bound and its task running (ok when voice is disabled
    /// by configuration).
    pub voice: Check,
    /// Free space on the data directory's file system is above `storage.min_free_mb`.
    pub disk: DiskCheck,
}

/// One readiness check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    pub ok: bool,
    /// What was found, in words (`"write committed in 3 ms"`, `"the disk is full"`).
    pub detail: String,
}

/// The disk-space readiness check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiskCheck {
    pub ok: bool,
    pub detail: String,
    /// Free bytes on the data directory's file system.
    pub free_bytes: u64,
    /// The configured floor (`storage.min_free_mb`), in bytes.
    pub min_free_bytes: u64,
}

/// `PATCH /members/{user_id}`: absent fields stay, `null` clears.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PatchMember {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub nick: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Id>>,
    /// RFC 3339 time until which the member is timed out; `null` lifts the timeout.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_until: Option<Option<String>>,
}

/// `PATCH /voice/members/{user_id}`: server mute/deafen, move (`channel_id`: a voice channel)
/// or disconnect (`channel_id: null`). Absent fields stay.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PatchVoiceMember {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaf: Option<bool>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_id: Option<Option<Id>>,
}

/// Role and ban bodies are shared with the admin API, where they were first written.
pub use crate::admin::{BanRequest, CreateRole, PatchRole, RolePosition};

/// `GET /search/messages` query (see `docs/api.md`); `q` may also hold `from:`, `in:` and the
/// other inline filters.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct SearchQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<Id>,
    /// `attachment`, `link` or `image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// A message id, a day (`YYYY-MM-DD`) or an RFC 3339 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

impl SearchQuery {
    /// Just the words (and inline filters) of `q`.
    pub fn text(q: &str) -> SearchQuery {
        SearchQuery {
            q: Some(q.to_owned()),
            ..Default::default()
        }
    }
}

/// `GET /audit-log` query: newest first, keyset-paginated on the id.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct AuditQuery {
    /// Only entries older than this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Id>,
    /// 1 to 100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only this action, e.g. `member.ban`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only entries by this member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Id>,
}

/// `POST /users/@me/channels`: open (or find) a direct message with these members.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct CreateDm {
    /// One user id for a `dm`, two to nine for a `group_dm` (the caller is not listed).
    pub recipients: Vec<Id>,
}

/// `PATCH /users/@me/settings` (absent fields are left alone).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PatchUserSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_dms: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_link_previews: Option<bool>,
}

/// `PATCH /emojis/{id}`: renames a custom emoji. (`POST /emojis` is `multipart/form-data`:
/// a `name` part and a `file` part.)
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PatchEmoji {
    pub name: String,
}
