//! Bodies of the admin API (`/admin/v1/` on the daemon's Unix socket), where they differ from
//! the public API's. Resources the two share (roles, channels, invites, bans) use [`crate::model`].
//!
//! The contract is written down in `docs/admin-api.md`.

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::permissions::{Permission, PermissionSet};

/// The path prefix of every admin route.
pub const ADMIN_PREFIX: &str = "/admin/v1";

/// Where `spectrusctl` and the daemon look for the admin socket when nothing else is said.
pub const DEFAULT_ADMIN_SOCKET: &str = "/run/spectrus/admin.sock";

/// State of the licence as the daemon last checked it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum LicenseState {
    /// No licence key configured.
    #[default]
    None,
    /// A licence that checked out.
    Valid,
    /// A licence past its end date.
    Expired,
    /// A key that failed verification.
    Invalid,
    /// A licence whose last good online check is older than the 7-day offline grace.
    Lapsed,
}

impl LicenseState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseState::None => "none",
            LicenseState::Valid => "valid",
            LicenseState::Expired => "expired",
            LicenseState::Invalid => "invalid",
            LicenseState::Lapsed => "lapsed",
        }
    }
}

/// The licence part of [`Status`], and `GET /admin/v1/license`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct LicenseStatus {
    pub state: LicenseState,
    /// Whether premium features are unlocked.
    pub premium: bool,
    /// `online` (a key checked against Keygen) or `file` (an offline licence file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The key as `KEY-…last4` (never whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The plan's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The last check's code: Keygen's (`VALID`, `SUSPENDED`, …) or the daemon's
    /// (`UNREACHABLE`, `GRACE_OVER`, `FILE_EXPIRED`, `NOT_CONFIGURED`).
    #[serde(default)]
    pub code: String,
    /// What the state means and what to do, in a sentence.
    #[serde(default)]
    pub message: String,
    /// When the licence itself expires (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// When premium ends unless a good check moves it on: the licence's expiry, the offline
    /// file's, or the end of the 7-day offline grace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lapses_at: Option<String>,
    /// The last time the licence checked out as valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_valid_at: Option<String>,
    /// The last time it was checked at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_checked_at: Option<String>,
}

/// `POST /admin/v1/license/activate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivateLicense {
    pub key: String,
}

/// `POST /admin/v1/license/import`: a Keygen offline licence file's text, and its licence key
/// when the file is encrypted (else the activated key, if any, is tried).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportLicense {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `POST /admin/v1/debug/license-clock` (only with `debug.license_clock`): moves the licence
/// service's clock ahead, for tests of the offline grace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdvanceClock {
    pub seconds: i64,
}

/// `GET /admin/v1/status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Status {
    pub version: String,
    pub uptime_seconds: u64,
    /// Accounts that are members of the server.
    pub members: u64,
    /// Members with at least one live gateway session.
    pub online: u64,
    /// Voice channels with at least one participant.
    pub voice_rooms: u64,
    pub voice_participants: u64,
    /// Whether voice runs, and on which UDP address (absent from daemons before 0.1.x that
    /// did not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<crate::rest::VoiceStatus>,
    /// Size of the database files on disk (main file plus WAL).
    pub database_bytes: u64,
    pub license: LicenseStatus,
}

/// `GET /admin/v1/setup-code`: `None` once the owner account has been claimed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SetupCode {
    pub setup_code: Option<String>,
}

/// A user as the admin API shows it (more than the public [`crate::model::User`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdminUser {
    pub id: Id,
    pub username: String,
    pub display_name: String,
    pub owner: bool,
    /// A disabled account cannot log in and its sessions are closed.
    pub disabled: bool,
    pub created_at: String,
}

/// `POST /admin/v1/users`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateUser {
    pub username: String,
    /// Generated by the daemon (and returned once) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// What `POST /admin/v1/users` returns: the user, plus the password when the daemon made it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: AdminUser,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `POST /admin/v1/users/{user}/reset-password`: a new password is generated when absent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ResetPassword {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// The answer to a password reset: the password now in force (show it once).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PasswordReset {
    pub password: String,
}

/// `POST /admin/v1/roles` (and the public `POST /roles`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CreateRole {
    pub name: String,
    #[serde(default)]
    pub permissions: PermissionSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoist: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentionable: Option<bool>,
}

/// `PATCH /admin/v1/roles/{role}`: absent fields are left alone, a `null` color clears it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PatchRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionSet>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub color: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoist: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentionable: Option<bool>,
}

/// One entry of `PATCH /admin/v1/roles` (reorder in one transaction).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RolePosition {
    pub id: Id,
    pub position: i64,
}

/// One entry of `GET /admin/v1/permissions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PermissionInfo {
    pub name: String,
    pub description: String,
}

impl From<Permission> for PermissionInfo {
    fn from(p: Permission) -> Self {
        PermissionInfo {
            name: p.as_str().to_owned(),
            description: p.description().to_owned(),
        }
    }
}

/// `PUT /admin/v1/bans/{user}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct BanRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /admin/v1/members/{member}/kick`.
pub type KickRequest = BanRequest;

/// `PATCH /admin/v1/members/{member}`: a nickname (`null` clears it) and a timeout (RFC 3339;
/// `null` lifts it), with the audit log's reason. Absent fields are left alone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ModerateMember {
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub nick: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_until: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `PATCH /admin/v1/voice/{member}`: server-mute, server-deafen, move to a voice channel (by
/// name or id) or disconnect (`channel: null`). Absent fields are left alone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ModerateVoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaf: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::patch::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /admin/v1/channels/{channel}/purge`: deletes the channel's messages by `user`
/// (username or id) and/or posted at or after `since` (RFC 3339); at least one is required.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to a purge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PurgeResult {
    /// How many messages were deleted.
    pub deleted: u64,
}

/// `POST /admin/v1/backup`: `path` is absolute and written by the daemon's own user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupRequest {
    pub path: String,
}

/// The answer to a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupResult {
    /// The database copy.
    pub path: String,
    pub bytes: u64,
    /// The stored files (attachments, avatars, icons), beside the database as `PATH.files`.
    #[serde(default)]
    pub files_path: String,
    #[serde(default)]
    pub files: u64,
    #[serde(default)]
    pub files_bytes: u64,
}

/// `POST /admin/v1/layout/apply`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayoutApply {
    /// The layout document, in the shape `GET /admin/v1/layout` returns.
    pub layout: serde_json::Value,
    /// When true nothing is written; `changes` says what would be.
    #[serde(default)]
    pub dry_run: bool,
}

/// The answer to a layout apply: one human line per change, empty when nothing differs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayoutChanges {
    pub changes: Vec<String>,
}

/// One line of `GET /admin/v1/events`: a type, a time, and the event's own fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AdminEvent {
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339 UTC.
    pub at: String,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_user_flattens_and_hides_absent_password() {
        let u = CreatedUser {
            user: AdminUser {
                id: Id(7),
                username: "ann".into(),
                display_name: "Ann".into(),
                owner: false,
                disabled: false,
                created_at: "2026-01-01T00:00:00Z".into(),
            },
            password: None,
        };
        let v = serde_json::to_value(&u).unwrap();
        assert_eq!(v["id"], "7");
        assert!(v.get("password").is_none());
    }

    #[test]
    fn events_keep_their_own_fields() {
        let e: AdminEvent =
            serde_json::from_str(r#"{"type":"member_join","at":"t","user_id":"1"}"#).unwrap();
        assert_eq!(e.kind, "member_join");
        assert_eq!(e.fields["user_id"], "1");
    }

    #[test]
    fn patch_role_null_color_clears() {
        let p: PatchRole = serde_json::from_str(r#"{"color":null}"#).unwrap();
        assert_eq!(p.color, Some(None));
        let p: PatchRole = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(p.color, None);
    }
}

/// A plugin's `spectrus-plugin.json`, as validated by the daemon.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PluginManifest {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub author: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Permission names the plugin's bot asks for.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Gateway event names delivered to its webhook.
    #[serde(default)]
    pub events: Vec<String>,
    pub webhook_url: String,
    #[serde(default)]
    pub commands: Vec<SlashCommand>,
}

/// A slash command a plugin offers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SlashCommand {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub options: Vec<CommandOption>,
}

/// One option of a [`SlashCommand`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommandOption {
    pub name: String,
    pub description: String,
    /// `string`, `integer`, `boolean`, `user` or `channel`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
}

/// `POST /admin/v1/plugins/preview` and `POST /admin/v1/plugins`: `OWNER/REPO[@REF]`;
/// installing may name the manifest's `sha256` from the preview, so what is installed is what
/// was confirmed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PluginSource {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// A fetched and validated manifest, before installing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PluginPreview {
    pub source: String,
    /// SHA-256 (hex) of the manifest's bytes.
    pub sha256: String,
    pub manifest: PluginManifest,
}

/// An installed plugin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plugin {
    pub id: String,
    pub source: String,
    pub enabled: bool,
    pub installed_at: String,
    pub manifest: PluginManifest,
    /// The plugin's bot user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_id: Option<Id>,
    /// `false` once several webhook deliveries in a row failed (until one succeeds).
    #[serde(default = "yes")]
    pub healthy: bool,
    /// The server's Ed25519 public key (hex) that signs webhook POSTs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

fn yes() -> bool {
    true
}

/// `POST /admin/v1/plugins`: the installed plugin; a new install also carries its bot's
/// token, shown this once, and the public key that signs webhook deliveries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PluginInstalled {
    pub plugin: Plugin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<String>,
    pub public_key: String,
}

/// `POST /admin/v1/plugins/{id}/token`: the bot's new token (the old one stops working).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BotToken {
    pub plugin_id: String,
    pub bot_token: String,
    pub public_key: String,
}

/// `POST /admin/v1/emojis`: a custom emoji from an image file (PNG, JPEG, GIF or WebP, up to
/// 256 KiB), sent as standard base64 since the admin API speaks JSON only. Renaming is
/// [`crate::rest::PatchEmoji`], as on the public API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateEmoji {
    pub name: String,
    /// The image's bytes, standard base64 (padding optional).
    pub image: String,
}
