//! The spectrusd(8) manual page: the clap definition ([`crate::cli::Args`]) plus every
//! configuration key (with its default, from [`Config::default`]) and environment variable
//! (from [`ENV_VARS`]). `cargo run -p xtask --bin gen-man` writes it; a test checks that the
//! committed `man/spectrusd.8` is up to date.

use clap::CommandFactory;
use spectrus_man::ManPage;

use crate::cli::Args;
use crate::config::{Config, ENV_VARS};

/// Where the committed manual page lives, relative to the workspace root.
pub const MAN_PAGE_PATH: &str = "man/spectrusd.8";

/// Every configuration key with what it does (the defaults come from the code).
pub const KEYS: &[(&str, &str)] = &[
    ("bind", "address of the HTTP and WebSocket listener"),
    (
        "data_dir",
        "the database, the generated JWT secret and (started by hand) the admin socket; under systemd $STATE_DIRECTORY",
    ),
    (
        "public_url",
        "the URL people reach the server at; invite links use it (default: derived from bind)",
    ),
    (
        "admin_socket",
        "path of the admin Unix socket (default: $RUNTIME_DIRECTORY/admin.sock under systemd, else <data_dir>/admin.sock)",
    ),
    (
        "registration",
        "who may register: invite (a valid invite is needed) or open; reloaded on SIGHUP",
    ),
    (
        "log",
        "tracing filter, e.g. info or spectrusd=debug; reloaded on SIGHUP",
    ),
    (
        "jwt_secret",
        "HS256 secret for access tokens, at least 32 characters (default: generated into <data_dir>/jwt_secret); redacted in every output",
    ),
    (
        "setup_code",
        "preset one-time setup code for the owner account (default: generated and logged); redacted in every output",
    ),
    (
        "server_name",
        "the server's display name until the owner changes it",
    ),
    ("voice.enabled", "whether voice is offered"),
    ("voice.udp", "the one UDP address every voice peer uses"),
    (
        "voice.drop_grace_ms",
        "how long a member whose gateway dropped without a close frame stays in voice waiting for a resume",
    ),
    (
        "voice.announced_ip",
        "the address put in ICE candidates (the public IP behind NAT)",
    ),
    (
        "limits.message_max_chars",
        "longest message, in characters; reloaded on SIGHUP",
    ),
    (
        "limits.body_max_bytes",
        "largest request body, in bytes (takes effect at restart)",
    ),
    (
        "limits.auth_per_minute",
        "login and register attempts allowed per IP address per minute (takes effect at restart)",
    ),
    (
        "gateway.heartbeat_interval_ms",
        "how often clients heartbeat; two missed intervals close the socket (1000..600000)",
    ),
    (
        "gateway.resume_buffer",
        "dispatches kept per session for resuming; at least gateway.outbound_queue, so a client closed for being too slow (4010) can resume",
    ),
    (
        "gateway.resume_window_secs",
        "how long a disconnected session can still be resumed",
    ),
    (
        "gateway.outbound_queue",
        "frames queued for one slow client before it is disconnected (it may resume)",
    ),
    (
        "limits.connections_per_ip",
        "open connections allowed per IP address, gateway sockets included; 0 for no limit (behind a reverse proxy every client has the proxy's address)",
    ),
    (
        "limits.new_connections_per_second",
        "new connections allowed per IP address per second after a burst of limits.new_connections_burst (20); beyond it a connection is held unread for a second, then gets 429 and is closed (reset at once, unanswered, while the address already has limits.connections_per_ip, at most 256, open or held); 0 for no limit; loopback is not exempt",
    ),
    (
        "limits.new_connections_burst",
        "new connections one IP address may open at once before limits.new_connections_per_second applies",
    ),
    (
        "limits.read_timeout_secs",
        "seconds a client may take to send a request's headers, and then its whole body (408 after that)",
    ),
    (
        "limits.rate_limits",
        "the per-account rate limits below and the login delay per username; false (SPECTRUS_RATE_LIMITS=off) for benchmarks and trusted LANs; connection and read bounds stay",
    ),
    (
        "limits.large_server_members",
        "above this many members the server is large: ready carries no member list and presence and member updates go only to sessions that watch the member (gateway op watch_members); reloaded on SIGHUP",
    ),
    (
        "limits.messages_per_minute",
        "messages per member per channel per minute, after a burst of limits.messages_burst",
    ),
    (
        "limits.messages_burst",
        "messages a member may post at once in one channel",
    ),
    (
        "limits.typing_per_minute",
        "typing notices per member per minute (a quarter of it at once, as for each limit below)",
    ),
    (
        "limits.reactions_per_minute",
        "reactions added or removed per member per minute",
    ),
    (
        "limits.invites_per_minute",
        "invites created per member per minute",
    ),
    (
        "limits.dms_per_minute",
        "new direct message conversations opened per member per minute",
    ),
    (
        "limits.voice_per_minute",
        "voice joins and voice state changes per member per minute",
    ),
    (
        "limits.requests_per_minute",
        "REST requests per account (per IP address without credentials) per minute",
    ),
    (
        "storage.synchronous",
        "SQLite synchronous mode: full (survives power loss) or normal (survives kill -9)",
    ),
    ("storage.readers", "read connections in the pool"),
    (
        "metrics.enabled",
        "whether /metrics (Prometheus text) is served",
    ),
    (
        "metrics.bind",
        "where /metrics listens (its own listener; keep it on loopback or a private network)",
    ),
    (
        "storage.min_free_mb",
        "free space (MiB) the data directory must keep: below it the daemon does not start and /readyz answers 503; 0 turns the check off",
    ),
    (
        "tls.cert",
        "PEM certificate chain (server certificate first); with tls.key, bind serves HTTPS (and HSTS). Re-read on SIGHUP",
    ),
    (
        "tls.key",
        "PEM private key of tls.cert. Re-read on SIGHUP; a pair that cannot be used is logged and the old one kept",
    ),
    (
        "tls.http_redirect_bind",
        "a plain-HTTP listener answering every request 308 to the https URL (path and query kept); with ACME it answers the HTTP-01 challenges, so it must be reachable on port 80",
    ),
    (
        "tls.acme_domain",
        "get and renew the certificate over ACME (HTTP-01) for this public name instead of tls.cert/tls.key; account and certificate are cached in the data directory",
    ),
    ("tls.acme_email", "contact address given to the ACME CA"),
    (
        "tls.acme_directory",
        "the ACME directory URL (Let's Encrypt production by default; its staging directory for trials)",
    ),
    (
        "tls.acme_ca_file",
        "a PEM CA certificate the ACME directory's HTTPS is checked against instead of the system's roots (test CAs only)",
    ),
    (
        "debug.voice_test_page",
        "serve the voice interop probe /voice-test.html (a developer's test page; 404 when off)",
    ),
    // The licence.
    (
        "license.keygen_url",
        "base URL of Keygen's API, where licence keys are validated and this server activated",
    ),
    (
        "license.keygen_account",
        "the Keygen account (id or slug) that issues Spectrus licences; needed for `spectrusctl license activate`",
    ),
    (
        "license.keygen_public_key",
        "the Keygen account's Ed25519 public key (64 hex digits) that signs offline licence files (`spectrusctl license import`)",
    ),
    (
        "debug.license_clock",
        "let POST /admin/v1/debug/license-clock move the licence service's clock ahead (tests of the 7-day offline grace; 404 when off)",
    ),
    (
        "limits.uploads_per_minute",
        "messages with files, avatar and icon uploads per member per minute",
    ),
    (
        "uploads.max_file_bytes",
        "largest attachment, in bytes; a larger one is refused with 413 and nothing kept",
    ),
    (
        "uploads.max_total_bytes",
        "most bytes all stored files may take together (each distinct file counted once); beyond it uploads are refused with 413",
    ),
    ("uploads.max_files_per_message", "most files on one message"),
    (
        "uploads.max_image_side",
        "widest or tallest image decoded for its size and thumbnail, in pixels; larger images are refused",
    ),
    // Plugins.
    (
        "plugins.github_raw_url",
        "where `spectrusctl plugins install OWNER/REPO[@REF]` fetches {url}/{owner}/{repo}/{ref}/spectrus-plugin.json (GitHub's raw content host by default)",
    ),
    (
        "plugins.webhook_retry_first_ms",
        "wait before retrying a failed plugin webhook delivery, in milliseconds; it doubles after each failure, at most an hour",
    ),
    (
        "plugins.webhook_give_up_secs",
        "how long a failing plugin webhook delivery is retried before it is dropped and counted, in seconds (24 h by default)",
    ),
    (
        "plugins.allow_private_webhooks",
        "let plugin webhooks be on loopback, private, link-local and unique-local addresses, for plugins on this host or network (refused by default: a manifest could otherwise make the server POST to internal services)",
    ),
    // Link previews.
    (
        "previews.enabled",
        "fetch an OpenGraph preview (title, description, image) for the first link of a message",
    ),
    (
        "previews.allow_private",
        "let link previews fetch loopback, private, link-local and unique-local addresses (tests only: it opens the server to SSRF)",
    ),
];

/// The default of `key` as text (`unset` for absent optional values).
fn default_of(defaults: &serde_json::Value, key: &str) -> String {
    let v = key
        .split('.')
        .try_fold(defaults, |v, part| v.get(part))
        .unwrap_or(&serde_json::Value::Null);
    match v {
        serde_json::Value::Null => "unset".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn configuration() -> String {
    let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
    let mut text = String::from(
        "Settings are read from built-in defaults, then the TOML file (--config PATH, else \
         /etc/spectrus/spectrusd.toml when it exists), then the environment; later layers win. \
         Dotted keys are TOML sections: voice.udp is udp = ... under [voice]. A bad value stops \
         the start with a message naming the key. SIGHUP re-reads the file and applies log, \
         registration and limits without dropping connections; other keys need a restart.",
    );
    for (key, what) in KEYS {
        let env: Vec<&str> = ENV_VARS
            .iter()
            .filter(|(_, k)| k == key)
            .map(|(v, _)| *v)
            .collect();
        let env = if env.is_empty() {
            String::new()
        } else {
            format!(" Environment: {}.", env.join(", "))
        };
        text.push_str(&format!(
            "\n\n{key} (default: {})\n\t{what}.{env}",
            default_of(&defaults, key)
        ));
    }
    text
}

fn environment() -> String {
    let mut text = String::from("Each configuration key's variable (see CONFIGURATION):");
    for (var, key) in ENV_VARS {
        text.push_str(&format!("\n\n{var}\n\tsets {key}."));
    }
    text.push_str(
        "\n\nSTATE_DIRECTORY, RUNTIME_DIRECTORY\n\tset by systemd: the default data_dir and the \
         directory of the admin socket.\n\n\
         NOTIFY_SOCKET, WATCHDOG_USEC\n\tset by systemd (Type=notify, WatchdogSec=): the daemon \
         sends READY=1 once the database is open and the listeners are bound, WATCHDOG=1 every \
         half WATCHDOG_USEC, RELOADING=1 on SIGHUP and STOPPING=1 at shutdown.\n\n\
         JOURNAL_STREAM\n\tset by systemd: log lines are written without timestamps.",
    );
    text
}

const SIGNALS: &str = "\
SIGTERM, SIGINT
\tdrain and stop within 5 s: gateways are closed with a reconnect code (clients resume \
elsewhere or later), the HTTP server stops, the database is checkpointed, the admin socket \
is removed.

SIGHUP
\tre-read the configuration file and apply log, registration and limits without dropping \
connections (systemctl reload spectrusd).";

const FILES: &str = "\
/etc/spectrus/spectrusd.toml
\tthe configuration file (config/spectrusd.toml.example lists every key).

/var/lib/spectrus/spectrus.db
\tthe database, with its -wal and -shm files while the daemon runs. Back it up online with \
spectrusctl backup; restore offline (see spectrusctl(8)).

/var/lib/spectrus/jwt_secret
\tthe generated access token secret (mode 0600).

/run/spectrus/admin.sock
\tthe admin socket (mode 0660): root, the daemon's user and members of its group may use it.";

const SEE_ALSO: &str = "spectrusctl(8), spectrus-tui(1), systemd.service(5), systemctl(1)";

/// The spectrusd(8) manual page.
pub fn man_page() -> ManPage {
    ManPage::new(Args::command(), "8")
        .section("Configuration", &configuration())
        .section("Environment", &environment())
        .section("Signals", SIGNALS)
        .section("Files", FILES)
        .section("See also", SEE_ALSO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        if let serde_json::Value::Object(map) = v {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if v.is_object() {
                    flatten(&key, v, out);
                } else {
                    out.push(key);
                }
            }
        }
    }

    #[test]
    fn every_key_and_variable_is_documented() {
        let mut keys = Vec::new();
        flatten(
            "",
            &serde_json::to_value(Config::default()).unwrap(),
            &mut keys,
        );
        let page = String::from_utf8(man_page().render().unwrap()).unwrap();
        for key in &keys {
            assert!(
                KEYS.iter().any(|(k, _)| k == key),
                "{key} has no description"
            );
            assert!(page.contains(key.as_str()), "{key} not in the page");
        }
        assert_eq!(KEYS.len(), keys.len(), "a documented key does not exist");
        for (var, _) in ENV_VARS {
            assert!(page.contains(var), "{var} not in the page");
        }
    }
}
