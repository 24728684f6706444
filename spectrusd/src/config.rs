//! Layered configuration: built-in defaults < TOML file < environment.
//!
//! The file is `--config PATH`, else `/etc/spectrus/spectrusd.toml` when it exists. Every key
//! has an environment variable (`SPECTRUS_*`). A bad value is an error naming the key.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use spectrus_proto::model::RegistrationPolicy;

/// The configuration file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/spectrus/spectrusd.toml";

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML of the right shape.
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// One key has a bad value.
    #[error("invalid value for {key}: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.into(),
    }
}

/// How SQLite syncs commits to disk.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// fsync at every commit (group commit amortizes it): survives power loss and `kill -9`.
    Full,
    /// fsync at checkpoints only: survives `kill -9`, may lose the last commits on power loss.
    Normal,
}

/// Voice settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceConfig {
    /// Whether voice is offered at all.
    pub enabled: bool,
    /// The one UDP address every voice peer uses.
    pub udp: SocketAddr,
    /// The address put in ICE candidates (the public IP behind NAT).
    pub announced_ip: Option<IpAddr>,
    /// How long a member whose gateway dropped without a close frame stays in voice, waiting
    /// for the client to resume, before leaving (milliseconds).
    pub drop_grace_ms: u64,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            enabled: true,
            udp: ([0, 0, 0, 0], 10000).into(),
            announced_ip: None,
            drop_grace_ms: 3000,
        }
    }
}

/// Size limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Longest message, in characters.
    pub message_max_chars: usize,
    /// Largest request body, in bytes.
    pub body_max_bytes: usize,
    /// Login and register attempts allowed per IP address per minute.
    pub auth_per_minute: u32,
    /// Open connections allowed per IP address, gateway sockets included; 0: no limit.
    pub connections_per_ip: usize,
    /// New connections allowed per IP address per second, after a burst of
    /// `new_connections_burst` (0: no limit); beyond it a connection is answered 429 and
    /// closed at once. Loopback is not exempt.
    pub new_connections_per_second: u32,
    pub new_connections_burst: u32,
    /// Seconds a client may take to send a request's headers, and then its whole body.
    pub read_timeout_secs: u64,
    /// The per-account rate limits below (and the login delay per username); off for
    /// benchmarks and trusted LANs. The connection and read bounds above stay.
    pub rate_limits: bool,
    /// Messages per member per channel per minute, after a burst of `messages_burst`.
    pub messages_per_minute: u32,
    pub messages_burst: u32,
    /// Typing notices per member per minute (a quarter of a minute's worth at once, as for
    /// every limit below).
    pub typing_per_minute: u32,
    /// Reactions added or removed per member per minute.
    pub reactions_per_minute: u32,
    /// Invites created per member per minute.
    pub invites_per_minute: u32,
    /// New direct messages (conversations, not messages) opened per member per minute.
    pub dms_per_minute: u32,
    /// Voice joins and voice state changes per member per minute.
    pub voice_per_minute: u32,
    /// REST requests per account (per IP address without credentials) per minute.
    pub requests_per_minute: u32,
    /// Messages with files (and avatar or icon uploads) per member per minute.
    pub uploads_per_minute: u32,
    /// Above this many members the server is "large": `ready` carries no member list and
    /// presence and member updates go only to sessions watching the member
    /// (`watch_members`). Reloaded on SIGHUP. The default, 250, is Discord's largest
    /// `large_threshold`: at 1,000 members in small-server mode every login sent its presence
    /// to every session (4.76 ms of CPU per login, 238 KiB per member; docs/benchmarks.md).
    pub large_server_members: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            message_max_chars: 4000,
            body_max_bytes: 1024 * 1024,
            auth_per_minute: 30,
            connections_per_ip: 256,
            new_connections_per_second: 10,
            new_connections_burst: 20,
            read_timeout_secs: 30,
            rate_limits: true,
            messages_per_minute: 60,
            messages_burst: 5,
            typing_per_minute: 20,
            reactions_per_minute: 60,
            invites_per_minute: 10,
            dms_per_minute: 10,
            voice_per_minute: 30,
            requests_per_minute: 1200,
            uploads_per_minute: 10,
            large_server_members: 250,
        }
    }
}

/// Gateway settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    /// How often clients must heartbeat; two missed intervals close the socket.
    pub heartbeat_interval_ms: u64,
    /// Dispatches kept per session for resuming; at least `outbound_queue`, so that a client
    /// closed for being too slow (4010) can always resume.
    pub resume_buffer: usize,
    /// How long a disconnected session can still be resumed.
    pub resume_window_secs: u64,
    /// Frames queued for one slow client before it is disconnected (it may resume).
    pub outbound_queue: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            heartbeat_interval_ms: 41_250,
            resume_buffer: 2048,
            resume_window_secs: 300,
            outbound_queue: 1024,
        }
    }
}

/// Storage settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// SQLite `synchronous` mode.
    pub synchronous: Synchronous,
    /// Read connections in the pool.
    pub readers: usize,
    /// Free space (MiB) the data directory's file system must keep: below it the daemon
    /// does not start and `/readyz` answers 503. 0 turns the check off.
    pub min_free_mb: u64,
}

impl StorageConfig {
    /// [`StorageConfig::min_free_mb`] in bytes.
    pub fn min_free_bytes(&self) -> u64 {
        self.min_free_mb.saturating_mul(1024 * 1024)
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            synchronous: Synchronous::Full,
            readers: 4,
            min_free_mb: 100,
        }
    }
}

/// The `/metrics` endpoint (Prometheus text format), on its own listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Whether metrics are kept and served.
    pub enabled: bool,
    /// Where `/metrics` listens; loopback unless set otherwise.
    pub bind: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: false,
            bind: ([127, 0, 0, 1], 9464).into(),
        }
    }
}

/// HTTPS on the main listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain (the server's certificate first); with `key`, turns HTTPS on.
    /// Re-read on SIGHUP.
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert` (PKCS#8, PKCS#1 or SEC1). Re-read on SIGHUP.
    pub key: Option<PathBuf>,
    /// A plain-HTTP listener that redirects (308) every request to the https URL; with
    /// ACME it also answers the HTTP-01 challenges (it must then be reachable on port 80).
    pub http_redirect_bind: Option<SocketAddr>,
    /// A public DNS name to get a certificate for over ACME instead of `cert`/`key`.
    pub acme_domain: Option<String>,
    /// Contact address given to the ACME CA (expiry and policy mail).
    pub acme_email: Option<String>,
    /// The ACME directory URL.
    pub acme_directory: String,
    /// A PEM CA certificate the ACME directory's HTTPS is checked against instead of the
    /// system's roots (a test CA such as Pebble's).
    pub acme_ca_file: Option<PathBuf>,
}

/// Let's Encrypt's production ACME directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            cert: None,
            key: None,
            http_redirect_bind: None,
            acme_domain: None,
            acme_email: None,
            acme_directory: LETS_ENCRYPT.into(),
            acme_ca_file: None,
        }
    }
}

impl TlsConfig {
    /// Whether the main listener speaks HTTPS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.acme_domain.is_some()
    }
}

/// File uploads (attachments).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UploadsConfig {
    /// Largest file, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes all stored files together may take (each distinct file counted once).
    pub max_total_bytes: u64,
    /// Most files on one message.
    pub max_files_per_message: usize,
    /// Largest image decoded for its size and thumbnail, in pixels on a side; larger images
    /// are refused (a decompression bomb is small on disk and huge in memory).
    pub max_image_side: u32,
}

impl Default for UploadsConfig {
    fn default() -> Self {
        UploadsConfig {
            max_file_bytes: 25 * 1024 * 1024,
            max_total_bytes: 10 * 1024 * 1024 * 1024,
            max_files_per_message: 10,
            max_image_side: 12_000,
        }
    }
}

/// Development aids, off in production.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DebugConfig {
    /// Serve the voice interop probe `/voice-test.html` (and its script); 404 otherwise.
    pub voice_test_page: bool,
    /// Let `POST /admin/v1/debug/license-clock` move the licence service's clock ahead
    /// (tests of the offline grace); 404 otherwise.
    pub license_clock: bool,
}

/// The premium licence (Keygen.sh).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LicenseConfig {
    /// Base URL of Keygen's API.
    pub keygen_url: String,
    /// The Keygen account (id or slug) that issues Spectrus licences.
    pub keygen_account: Option<String>,
    /// The account's Ed25519 public key (64 hex digits), which signs offline licence files.
    pub keygen_public_key: Option<String>,
}

/// Plugins (issue 16).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PluginsConfig {
    /// Where `OWNER/REPO@REF`'s `spectrus-plugin.json` is fetched from:
    /// `{github_raw_url}/{owner}/{repo}/{ref}/spectrus-plugin.json`.
    pub github_raw_url: String,
    /// The wait before retrying a failed webhook delivery, in milliseconds; it doubles
    /// after each failure (at most an hour).
    pub webhook_retry_first_ms: u64,
    /// How long a failing webhook delivery is retried before it is dropped, in seconds.
    pub webhook_give_up_secs: u64,
    /// Whether plugin webhooks may be on loopback, private, link-local and unique-local
    /// addresses (a plugin on this host or network); refused by default.
    pub allow_private_webhooks: bool,
}

/// GitHub's raw content host.
pub const GITHUB_RAW: &str = "https://raw.githubusercontent.com";

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig {
            github_raw_url: GITHUB_RAW.into(),
            webhook_retry_first_ms: 1000,
            webhook_give_up_secs: 24 * 3600,
            allow_private_webhooks: false,
        }
    }
}

/// Keygen's public API.
pub const KEYGEN_API: &str = "https://api.keygen.sh";

impl Default for LicenseConfig {
    fn default() -> Self {
        LicenseConfig {
            keygen_url: KEYGEN_API.into(),
            keygen_account: None,
            keygen_public_key: None,
        }
    }
}

/// Link previews (`[previews]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PreviewsConfig {
    /// Whether the server fetches link previews at all.
    pub enabled: bool,
    /// Whether loopback, private and link-local addresses may be fetched (tests only).
    pub allow_private: bool,
}

impl Default for PreviewsConfig {
    fn default() -> Self {
        PreviewsConfig {
            enabled: true,
            allow_private: false,
        }
    }
}

/// The daemon's whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address of the HTTP + WebSocket listener.
    pub bind: SocketAddr,
    /// Where the database, the generated secret and (by hand) the admin socket live.
    pub data_dir: PathBuf,
    /// The URL people reach the server at (invite links use it).
    pub public_url: Option<String>,
    /// Path of the admin Unix socket.
    pub admin_socket: Option<PathBuf>,
    /// Who may register.
    pub registration: RegistrationPolicy,
    /// tracing filter, e.g. `info` or `spectrusd=debug`.
    pub log: String,
    /// HS256 secret for access tokens; generated and kept in the data dir when unset.
    pub jwt_secret: Option<String>,
    /// Preset one-time setup code for the owner account.
    pub setup_code: Option<String>,
    /// The server's display name until the owner changes it.
    pub server_name: String,
    pub voice: VoiceConfig,
    pub limits: LimitsConfig,
    pub gateway: GatewayConfig,
    pub storage: StorageConfig,
    pub metrics: MetricsConfig,
    pub tls: TlsConfig,
    pub debug: DebugConfig,
    pub license: LicenseConfig,
    pub uploads: UploadsConfig,
    pub plugins: PluginsConfig,
    pub previews: PreviewsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: ([0, 0, 0, 0], 3000).into(),
            data_dir: PathBuf::from("./spectrus-data"),
            public_url: None,
            admin_socket: None,
            registration: RegistrationPolicy::Invite,
            log: "info".into(),
            jwt_secret: None,
            setup_code: None,
            server_name: "Spectrus".into(),
            voice: VoiceConfig::default(),
            limits: LimitsConfig::default(),
            gateway: GatewayConfig::default(),
            storage: StorageConfig::default(),
            metrics: MetricsConfig::default(),
            tls: TlsConfig::default(),
            debug: DebugConfig::default(),
            license: LicenseConfig::default(),
            uploads: UploadsConfig::default(),
            plugins: PluginsConfig::default(),
            previews: PreviewsConfig::default(),
        }
    }
}

impl Config {
    fn validate_license(&self) -> Result<(), ConfigError> {
        let url = &self.license.keygen_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid(
                "license.keygen_url",
                format!("{url:?} must start with http:// or https://"),
            ));
        }
        let raw = &self.plugins.github_raw_url;
        if !(raw.starts_with("http://") || raw.starts_with("https://")) {
            return Err(invalid(
                "plugins.github_raw_url",
                format!("{raw:?} must start with http:// or https://"),
            ));
        }
        if let Some(pk) = &self.license.keygen_public_key
            && (pk.len() != 64 || !pk.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(invalid(
                "license.keygen_public_key",
                "must be the Ed25519 public key as 64 hex digits",
            ));
        }
        Ok(())
    }
}

/// Environment variables and the keys they set, for docs and `--help`.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("SPECTRUS_BIND", "bind"),
    ("SPECTRUS_DATA_DIR", "data_dir"),
    ("SPECTRUS_PUBLIC_URL", "public_url"),
    ("SPECTRUS_ADMIN_SOCKET", "admin_socket"),
    ("SPECTRUS_REGISTRATION", "registration"),
    ("SPECTRUS_LOG", "log"),
    ("SPECTRUS_JWT_SECRET", "jwt_secret"),
    ("SPECTRUS_SETUP_CODE", "setup_code"),
    ("SPECTRUS_SERVER_NAME", "server_name"),
    ("SPECTRUS_VOICE_UDP", "voice.udp"),
    ("SPECTRUS_ANNOUNCED_IP", "voice.announced_ip"),
    ("MEDIASOUP_ANNOUNCED_IP", "voice.announced_ip"),
    ("SPECTRUS_VOICE_ENABLED", "voice.enabled"),
    ("SPECTRUS_VOICE_DROP_GRACE_MS", "voice.drop_grace_ms"),
    (
        "SPECTRUS_HEARTBEAT_INTERVAL_MS",
        "gateway.heartbeat_interval_ms",
    ),
    ("SPECTRUS_RESUME_BUFFER", "gateway.resume_buffer"),
    ("SPECTRUS_OUTBOUND_QUEUE", "gateway.outbound_queue"),
    ("SPECTRUS_SYNCHRONOUS", "storage.synchronous"),
    ("SPECTRUS_MIN_FREE_MB", "storage.min_free_mb"),
    ("SPECTRUS_METRICS_ENABLED", "metrics.enabled"),
    ("SPECTRUS_METRICS_BIND", "metrics.bind"),
    ("SPECTRUS_AUTH_PER_MINUTE", "limits.auth_per_minute"),
    ("SPECTRUS_MESSAGE_MAX_CHARS", "limits.message_max_chars"),
    ("SPECTRUS_CONNECTIONS_PER_IP", "limits.connections_per_ip"),
    (
        "SPECTRUS_NEW_CONNECTIONS_PER_SECOND",
        "limits.new_connections_per_second",
    ),
    (
        "SPECTRUS_NEW_CONNECTIONS_BURST",
        "limits.new_connections_burst",
    ),
    ("SPECTRUS_READ_TIMEOUT_SECS", "limits.read_timeout_secs"),
    ("SPECTRUS_RATE_LIMITS", "limits.rate_limits"),
    (
        "SPECTRUS_LARGE_SERVER_MEMBERS",
        "limits.large_server_members",
    ),
    ("SPECTRUS_TLS_CERT", "tls.cert"),
    ("SPECTRUS_TLS_KEY", "tls.key"),
    ("SPECTRUS_TLS_HTTP_REDIRECT", "tls.http_redirect_bind"),
    ("SPECTRUS_ACME_DOMAIN", "tls.acme_domain"),
    ("SPECTRUS_ACME_EMAIL", "tls.acme_email"),
    ("SPECTRUS_ACME_DIRECTORY", "tls.acme_directory"),
    ("SPECTRUS_ACME_CA", "tls.acme_ca_file"),
    ("SPECTRUS_VOICE_TEST_PAGE", "debug.voice_test_page"),
    // The licence.
    ("SPECTRUS_KEYGEN_URL", "license.keygen_url"),
    ("SPECTRUS_KEYGEN_ACCOUNT", "license.keygen_account"),
    ("SPECTRUS_KEYGEN_PUBLIC_KEY", "license.keygen_public_key"),
    ("SPECTRUS_DEBUG_LICENSE_CLOCK", "debug.license_clock"),
    ("SPECTRUS_UPLOADS_PER_MINUTE", "limits.uploads_per_minute"),
    ("SPECTRUS_UPLOAD_MAX_FILE_BYTES", "uploads.max_file_bytes"),
    ("SPECTRUS_UPLOAD_MAX_TOTAL_BYTES", "uploads.max_total_bytes"),
    ("SPECTRUS_UPLOAD_MAX_FILES", "uploads.max_files_per_message"),
    ("SPECTRUS_UPLOAD_MAX_IMAGE_SIDE", "uploads.max_image_side"),
    // Plugins.
    ("SPECTRUS_GITHUB_RAW_URL", "plugins.github_raw_url"),
    (
        "SPECTRUS_WEBHOOK_RETRY_FIRST_MS",
        "plugins.webhook_retry_first_ms",
    ),
    (
        "SPECTRUS_WEBHOOK_GIVE_UP_SECS",
        "plugins.webhook_give_up_secs",
    ),
    (
        "SPECTRUS_PLUGINS_ALLOW_PRIVATE_WEBHOOKS",
        "plugins.allow_private_webhooks",
    ),
    // Link previews.
    ("SPECTRUS_PREVIEWS_ENABLED", "previews.enabled"),
    ("SPECTRUS_PREVIEWS_ALLOW_PRIVATE", "previews.allow_private"),
];

impl Config {
    /// Loads the layers. `file` is `--config`; `env` is the process environment (passed in so
    /// tests need no global state).
    pub fn load(file: Option<&Path>, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                Self::from_file(Path::new(DEFAULT_CONFIG_PATH))?
            }
            None => {
                let mut c = Config::default();
                if let Some(state) = env.get("STATE_DIRECTORY").filter(|s| !s.is_empty()) {
                    // systemd may pass several, colon-separated: the first is ours.
                    let first = state.split(':').next().unwrap_or(state);
                    c.data_dir = PathBuf::from(first);
                }
                c
            }
        };
        config.apply_env(env)?;
        if config.admin_socket.is_none()
            && let Some(rt) = env.get("RUNTIME_DIRECTORY").filter(|s| !s.is_empty())
        {
            let first = rt.split(':').next().unwrap_or(rt);
            config.admin_socket = Some(PathBuf::from(first).join("admin.sock"));
        }
        config.validate()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a TOML document over the defaults.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.message().to_owned())
    }

    fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        // MEDIASOUP_ANNOUNCED_IP first so SPECTRUS_ANNOUNCED_IP wins when both are set.
        for (var, key) in ENV_VARS.iter().rev() {
            if let Some(value) = env.get(*var) {
                self.set(key, value).map_err(|m| invalid(var, m))?;
            }
        }
        Ok(())
    }

    /// Sets one key from its text form (environment variables use this).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        fn parse<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, String> {
            v.trim().parse().map_err(|_| format!("{v:?} is not {what}"))
        }
        let opt = |v: &str| {
            if v.is_empty() {
                None
            } else {
                Some(v.to_owned())
            }
        };
        match key {
            "bind" => self.bind = parse(value, "a socket address like 0.0.0.0:3000")?,
            "data_dir" => self.data_dir = PathBuf::from(value),
            "public_url" => self.public_url = opt(value),
            "admin_socket" => self.admin_socket = opt(value).map(PathBuf::from),
            "registration" => {
                self.registration = match value {
                    "invite" => RegistrationPolicy::Invite,
                    "open" => RegistrationPolicy::Open,
                    other => return Err(format!("{other:?} is not one of invite, open")),
                }
            }
            "log" => self.log = value.to_owned(),
            "jwt_secret" => self.jwt_secret = opt(value),
            "setup_code" => self.setup_code = opt(value),
            "server_name" => self.server_name = value.to_owned(),
            "voice.udp" => self.voice.udp = parse(value, "a socket address like 0.0.0.0:10000")?,
            "voice.announced_ip" => {
                self.voice.announced_ip = if value.is_empty() {
                    None
                } else {
                    Some(parse(value, "an IP address")?)
                }
            }
            "voice.enabled" => self.voice.enabled = parse(value, "true or false")?,
            "voice.drop_grace_ms" => {
                self.voice.drop_grace_ms = parse(value, "a number of milliseconds")?
            }
            "gateway.heartbeat_interval_ms" => {
                self.gateway.heartbeat_interval_ms = parse(value, "a number of milliseconds")?
            }
            "gateway.resume_buffer" => self.gateway.resume_buffer = parse(value, "a number")?,
            "gateway.outbound_queue" => self.gateway.outbound_queue = parse(value, "a number")?,
            "limits.auth_per_minute" => self.limits.auth_per_minute = parse(value, "a number")?,
            "limits.message_max_chars" => self.limits.message_max_chars = parse(value, "a number")?,
            "limits.connections_per_ip" => {
                self.limits.connections_per_ip = parse(value, "a number (0: no limit)")?
            }
            "limits.new_connections_per_second" => {
                self.limits.new_connections_per_second = parse(value, "a number (0: no limit)")?
            }
            "limits.new_connections_burst" => {
                self.limits.new_connections_burst = parse(value, "a number")?
            }
            "limits.rate_limits" => {
                self.limits.rate_limits = match value.trim() {
                    "on" | "true" | "1" => true,
                    "off" | "false" | "0" => false,
                    other => return Err(format!("{other:?} is not on or off")),
                }
            }
            "limits.large_server_members" => {
                self.limits.large_server_members = parse(value, "a number of members")?
            }
            "limits.read_timeout_secs" => {
                self.limits.read_timeout_secs = parse(value, "a number of seconds")?
            }
            "metrics.enabled" => self.metrics.enabled = parse(value, "true or false")?,
            "debug.voice_test_page" => self.debug.voice_test_page = parse(value, "true or false")?,
            "metrics.bind" => {
                self.metrics.bind = parse(value, "a socket address like 127.0.0.1:9464")?
            }
            "storage.min_free_mb" => self.storage.min_free_mb = parse(value, "a number of MiB")?,
            "storage.synchronous" => {
                self.storage.synchronous = match value {
                    "full" => Synchronous::Full,
                    "normal" => Synchronous::Normal,
                    other => return Err(format!("{other:?} is not one of full, normal")),
                }
            }
            "tls.cert" => self.tls.cert = opt(value).map(PathBuf::from),
            "tls.key" => self.tls.key = opt(value).map(PathBuf::from),
            "tls.http_redirect_bind" => {
                self.tls.http_redirect_bind = if value.is_empty() {
                    None
                } else {
                    Some(parse(value, "a socket address like 0.0.0.0:80")?)
                }
            }
            "tls.acme_domain" => self.tls.acme_domain = opt(value),
            "tls.acme_email" => self.tls.acme_email = opt(value),
            "tls.acme_directory" => self.tls.acme_directory = value.to_owned(),
            "tls.acme_ca_file" => self.tls.acme_ca_file = opt(value).map(PathBuf::from),
            "license.keygen_url" => self.license.keygen_url = value.trim().to_owned(),
            "license.keygen_account" => self.license.keygen_account = opt(value.trim()),
            "license.keygen_public_key" => self.license.keygen_public_key = opt(value.trim()),
            "debug.license_clock" => self.debug.license_clock = parse(value, "true or false")?,
            "limits.uploads_per_minute" => {
                self.limits.uploads_per_minute = parse(value, "a number")?
            }
            "uploads.max_file_bytes" => {
                self.uploads.max_file_bytes = parse(value, "a number of bytes")?
            }
            "uploads.max_total_bytes" => {
                self.uploads.max_total_bytes = parse(value, "a number of bytes")?
            }
            "uploads.max_files_per_message" => {
                self.uploads.max_files_per_message = parse(value, "a number")?
            }
            "uploads.max_image_side" => {
                self.uploads.max_image_side = parse(value, "a number of pixels")?
            }
            "plugins.github_raw_url" => self.plugins.github_raw_url = value.trim().to_owned(),
            "plugins.webhook_retry_first_ms" => {
                self.plugins.webhook_retry_first_ms = parse(value, "a number of milliseconds")?
            }
            "plugins.webhook_give_up_secs" => {
                self.plugins.webhook_give_up_secs = parse(value, "a number of seconds")?
            }
            "plugins.allow_private_webhooks" => {
                self.plugins.allow_private_webhooks = parse(value, "true or false")?
            }
            "previews.enabled" => self.previews.enabled = parse(value, "true or false")?,
            "previews.allow_private" => {
                self.previews.allow_private = parse(value, "true or false")?
            }
            other => return Err(format!("unknown key {other}")),
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.validate_license()?;
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(invalid(
                "public_url",
                format!("{url:?} must start with http:// or https://"),
            ));
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(invalid("jwt_secret", "must be at least 32 characters"));
        }
        if let Some(code) = &self.setup_code
            && code.trim().len() < 6
        {
            return Err(invalid("setup_code", "must be at least 6 characters"));
        }
        if !(1000..=600_000).contains(&self.gateway.heartbeat_interval_ms) {
            return Err(invalid(
                "gateway.heartbeat_interval_ms",
                "must be between 1000 and 600000",
            ));
        }
        if self.gateway.outbound_queue < 16 {
            return Err(invalid("gateway.outbound_queue", "must be at least 16"));
        }
        if self.gateway.resume_buffer < self.gateway.outbound_queue {
            return Err(invalid(
                "gateway.resume_buffer",
                format!(
                    "must be at least gateway.outbound_queue ({}): a client closed for being \
                     too slow resumes from it",
                    self.gateway.outbound_queue
                ),
            ));
        }
        if self.limits.message_max_chars == 0 || self.limits.body_max_bytes < 1024 {
            return Err(invalid(
                "limits",
                "message_max_chars must be > 0 and body_max_bytes >= 1024",
            ));
        }
        if !(1..=3600).contains(&self.limits.read_timeout_secs) {
            return Err(invalid(
                "limits.read_timeout_secs",
                "must be between 1 and 3600",
            ));
        }
        match (&self.tls.cert, &self.tls.key) {
            (Some(_), None) => return Err(invalid("tls.key", "tls.cert needs tls.key")),
            (None, Some(_)) => return Err(invalid("tls.cert", "tls.key needs tls.cert")),
            _ => {}
        }
        if self.tls.acme_domain.is_some() {
            if self.tls.cert.is_some() {
                return Err(invalid(
                    "tls.acme_domain",
                    "use either ACME or tls.cert/tls.key, not both",
                ));
            }
            if self.tls.http_redirect_bind.is_none() {
                return Err(invalid(
                    "tls.acme_domain",
                    "ACME answers its HTTP-01 challenges on tls.http_redirect_bind (port 80): set it",
                ));
            }
            if !self.tls.acme_directory.starts_with("https://") {
                return Err(invalid("tls.acme_directory", "must be an https:// URL"));
            }
        }
        if self.tls.http_redirect_bind.is_some() && !self.tls.enabled() {
            return Err(invalid(
                "tls.http_redirect_bind",
                "redirects to HTTPS, which needs tls.cert and tls.key or tls.acme_domain",
            ));
        }
        if self.storage.readers == 0 {
            return Err(invalid("storage.readers", "must be at least 1"));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log)
            .map_err(|e| invalid("log", e.to_string()))?;
        Ok(())
    }

    /// The tracing filter in force: `log` plus, unless it logs at `debug` or `trace` or names
    /// them, the WebRTC stack's crates held to errors ([`QUIET_TARGETS`]): at the default
    /// `info` the log carries Spectrus's own events, not ICE, DTLS and SCTP internals.
    pub fn log_filter(&self) -> String {
        log_filter(&self.log)
    }

    /// The admin socket path: configured, else `<data dir>/admin.sock`.
    pub fn admin_socket_path(&self) -> PathBuf {
        self.admin_socket
            .clone()
            .unwrap_or_else(|| self.data_dir.join("admin.sock"))
    }

    /// The public base URL: configured, else derived from the bind address.
    pub fn public_base_url(&self) -> String {
        self.public_base_url_at(self.bind)
    }

    /// [`Config::public_base_url`] for the address actually bound (`bind` may name port 0).
    pub fn public_base_url_at(&self, bound: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => {
                let host = if bound.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    bound.ip().to_string()
                };
                let scheme = if self.tls.enabled() { "https" } else { "http" };
                format!("{scheme}://{host}:{}", bound.port())
            }
        }
    }

    /// The configuration as TOML with secrets replaced by `"<redacted>"`.
    pub fn redacted_toml(&self) -> String {
        let mut c = self.clone();
        if c.jwt_secret.is_some() {
            c.jwt_secret = Some("<redacted>".into());
        }
        if c.setup_code.is_some() {
            c.setup_code = Some("<redacted>".into());
        }
        toml::to_string_pretty(&c).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }

    /// The configuration as JSON with secrets redacted.
    pub fn redacted_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        for key in ["jwt_secret", "setup_code"] {
            if let Some(slot) = v.get_mut(key)
                && !slot.is_null()
            {
                *slot = serde_json::Value::String("<redacted>".into());
            }
        }
        v
    }
}

/// The WebRTC stack's log targets (prefixes: `rtc` covers `rtc_ice`, `rtc_dtls`, `rtc_sctp`
/// and the rest; `webrtc` likewise).
pub const QUIET_TARGETS: &[&str] = &["rtc", "webrtc"];

/// See [`Config::log_filter`].
pub fn log_filter(log: &str) -> String {
    let directives: Vec<&str> = log.split(',').map(str::trim).collect();
    let verbose = directives
        .iter()
        .any(|d| matches!(d.to_ascii_lowercase().as_str(), "debug" | "trace"));
    if verbose {
        return log.to_owned();
    }
    let mut filter = log.to_owned();
    for target in QUIET_TARGETS {
        let named = directives.iter().any(|d| {
            let t = d.split(['=', '[']).next().unwrap_or_default();
            t == *target
                || t.starts_with(&format!("{target}_"))
                || t.starts_with(&format!("{target}::"))
        });
        if !named {
            if !filter.is_empty() {
                filter.push(',');
            }
            filter.push_str(target);
            filter.push_str("=error");
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_file() {
        let c = Config::load(None, &env(&[])).unwrap();
        assert_eq!(c.bind.port(), 3000);
        assert_eq!(c.registration, RegistrationPolicy::Invite);
    }

    #[test]
    fn env_beats_file_and_mediasoup_name_works() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:4000\"\nregistration = \"open\"\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            &env(&[
                ("SPECTRUS_BIND", "127.0.0.1:5000"),
                ("MEDIASOUP_ANNOUNCED_IP", "192.0.2.7"),
            ]),
        )
        .unwrap();
        assert_eq!(c.bind.port(), 5000);
        assert_eq!(c.registration, RegistrationPolicy::Open);
        assert_eq!(c.voice.announced_ip, Some("192.0.2.7".parse().unwrap()));
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = Config::load(None, &env(&[("SPECTRUS_BIND", "nope")])).unwrap_err();
        assert!(e.to_string().contains("SPECTRUS_BIND"), "{e}");
        let e = Config::load(None, &env(&[("SPECTRUS_REGISTRATION", "closed")])).unwrap_err();
        assert!(e.to_string().contains("SPECTRUS_REGISTRATION"), "{e}");
        assert!(
            Config::from_toml("bogus_key = 1")
                .unwrap_err()
                .contains("bogus_key")
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config {
            jwt_secret: Some("x".repeat(40)),
            ..Default::default()
        };
        assert!(!c.redacted_toml().contains("xxxx"));
        assert_eq!(c.redacted_json()["jwt_secret"], "<redacted>");
    }

    #[test]
    fn systemd_directories_are_used() {
        let c = Config::load(
            None,
            &env(&[
                ("STATE_DIRECTORY", "/var/lib/spectrus"),
                ("RUNTIME_DIRECTORY", "/run/spectrus"),
            ]),
        )
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/spectrus"));
        assert_eq!(
            c.admin_socket_path(),
            PathBuf::from("/run/spectrus/admin.sock")
        );
    }

    #[test]
    fn the_webrtc_stack_is_quiet_unless_asked() {
        assert_eq!(log_filter("info"), "info,rtc=error,webrtc=error");
        assert_eq!(
            log_filter("warn,spectrusd=info"),
            "warn,spectrusd=info,rtc=error,webrtc=error"
        );
        assert_eq!(log_filter("debug"), "debug");
        assert_eq!(
            log_filter("info,rtc_ice=debug"),
            "info,rtc_ice=debug,webrtc=error"
        );
        assert_eq!(
            log_filter("info,webrtc::peer=trace"),
            "info,webrtc::peer=trace,rtc=error"
        );
        assert!(tracing_subscriber::EnvFilter::try_new(log_filter("info")).is_ok());
    }
}
