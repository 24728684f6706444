//! The command line, and what a server argument means (URL or `spectrus://join/...` link).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The Spectrus terminal client.
#[derive(Debug, Parser)]
#[command(
    name = "spectrus-tui",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A server URL (`https://chat.example.org`) or an invite link (`spectrus://join/<host>/<code>`
    /// or `https://<host>/invite/<code>`).
    pub target: Option<String>,
    /// What to do instead of opening the client.
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// Log in to this server without the form (with --user; password from SPECTRUS_PASSWORD
    /// or asked on the login screen).
    #[arg(long, requires = "user")]
    pub server: Option<String>,
    /// Username for --server.
    #[arg(long, requires = "server")]
    pub user: Option<String>,
    /// Microphone to use: a name, part of a name or an id listed by `spectrus-tui devices`
    /// (default: the system's default input).
    #[arg(long, value_name = "NAME")]
    pub input_device: Option<String>,
    /// Speakers to use: a name, part of a name or an id listed by `spectrus-tui devices`
    /// (default: the system's default output).
    #[arg(long, value_name = "NAME")]
    pub output_device: Option<String>,
    /// Send this WAV file (any rate, mono or stereo; looped) as the microphone instead of
    /// capturing from a sound card.
    #[arg(long, value_name = "FILE.wav")]
    pub headless_audio: Option<PathBuf>,
    /// Write what voice plays to this WAV file (48 kHz mono) instead of a sound card.
    #[arg(long, value_name = "FILE.wav")]
    pub record_to: Option<PathBuf>,
    /// Also trust the CA certificates in this PEM file for https:// servers (a private CA,
    /// or a server's self-signed certificate).
    #[arg(long, env = "SPECTRUS_CA_FILE", value_name = "FILE.pem")]
    pub ca_file: Option<PathBuf>,
    /// Settings file (default: ~/.config/spectrus/tui.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log file (default: ~/.local/state/spectrus/tui.log); the terminal is never logged to.
    #[arg(long)]
    pub log_file: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Save a server to the rail.
    Add {
        /// Its URL or an invite link.
        url: String,
    },
    /// List audio input and output devices (names for --input-device / --output-device).
    Devices,
}

/// Voice options passed to the voice engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioOptions {
    /// `--input-device`.
    pub input_device: Option<String>,
    /// `--output-device`.
    pub output_device: Option<String>,
    /// `--headless-audio`.
    pub headless_audio: Option<PathBuf>,
    /// `--record-to`.
    pub record_to: Option<PathBuf>,
}

impl Cli {
    /// The audio options.
    pub fn audio(&self) -> AudioOptions {
        AudioOptions {
            input_device: self.input_device.clone(),
            output_device: self.output_device.clone(),
            headless_audio: self.headless_audio.clone(),
            record_to: self.record_to.clone(),
        }
    }
}

/// A server argument, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The server's base URL.
    pub url: String,
    /// The invite code, for a join link.
    pub invite: Option<String>,
}

/// What a target argument is wrong about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// A `spectrus://` link that is not `spectrus://join/<host>/<code>`.
    #[error("not an invite link: {0} (expected spectrus://join/<host>/<code>)")]
    BadLink(String),
    /// Empty.
    #[error("empty server address")]
    Empty,
}

/// Reads `https://host`, `host[:port]`, `spectrus://join/<host>/<code>` or a web invite link
/// `http(s)://host/invite/<code>`. Local hosts get `http://`, others `https://`.
pub fn parse_target(s: &str) -> Result<Target, TargetError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(TargetError::Empty);
    }
    if let Some(rest) = s.strip_prefix("spectrus://") {
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        return match parts.as_slice() {
            ["join", host, code] if !host.is_empty() && !code.is_empty() => Ok(Target {
                url: with_scheme(host),
                invite: Some((*code).to_owned()),
            }),
            _ => Err(TargetError::BadLink(s.to_owned())),
        };
    }
    let url = if s.contains("://") {
        s.to_owned()
    } else {
        with_scheme(s)
    };
    // A web invite link (`https://host/invite/CODE`, as `spectrusctl invites create` and the
    // browser client print it): the server is the origin, without the path.
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((host, path)) = rest.split_once('/')
    {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if let ["invite", code] = parts.as_slice()
            && !host.is_empty()
            && !code.is_empty()
        {
            return Ok(Target {
                url: format!("{scheme}://{host}"),
                invite: Some((*code).to_owned()),
            });
        }
    }
    Ok(Target {
        url: url.trim_end_matches('/').to_owned(),
        invite: None,
    })
}

fn with_scheme(host: &str) -> String {
    let local =
        host.starts_with("localhost") || host.starts_with("127.") || host.starts_with("[::1]");
    format!("{}://{host}", if local { "http" } else { "https" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("spectrus://join/chat.example.org/abc123"),
            Ok(Target {
                url: "https://chat.example.org".into(),
                invite: Some("abc123".into())
            })
        );
        assert_eq!(
            parse_target("localhost:8080").map(|t| t.url),
            Ok("http://localhost:8080".into())
        );
        assert_eq!(
            parse_target("https://x.org/").map(|t| t.url),
            Ok("https://x.org".into())
        );
        assert!(parse_target("spectrus://nope").is_err());
    }

    #[test]
    fn web_invite_links_are_the_origin_and_the_code() {
        for (link, url) in [
            (
                "https://chat.example.org/invite/aB3x",
                "https://chat.example.org",
            ),
            (
                "http://127.0.0.1:3000/invite/aB3x/",
                "http://127.0.0.1:3000",
            ),
            (
                "chat.example.org/invite/aB3x?x=1",
                "https://chat.example.org",
            ),
        ] {
            assert_eq!(
                parse_target(link),
                Ok(Target {
                    url: url.into(),
                    invite: Some("aB3x".into())
                }),
                "{link}"
            );
        }
        // Other paths are kept (a server behind a path prefix).
        assert_eq!(
            parse_target("https://x.org/chat").map(|t| (t.url, t.invite)),
            Ok(("https://x.org/chat".into(), None))
        );
    }

    #[test]
    fn command_line_shapes() {
        let c = Cli::try_parse_from(["spectrus-tui", "add", "https://a.org"]).expect("add");
        assert!(matches!(c.command, Some(Sub::Add { .. })));
        let c = Cli::try_parse_from(["spectrus-tui", "https://a.org", "--headless-audio", "t.wav"])
            .expect("url");
        assert_eq!(c.target.as_deref(), Some("https://a.org"));
        assert!(Cli::try_parse_from(["spectrus-tui", "--server", "x"]).is_err());
    }
}
