//! `~/.config/spectrus/tui.toml`: key overrides and colours.
//!
//! ```toml
//! [keys]
//! toggle_mute = ["M"]
//! switcher = ["ctrl+k", "ctrl+p"]
//!
//! [colors]
//! accent = "#5865f2"
//! mention = "yellow"
//! ```
//! Colours are names (`red`, `lightblue`), `#rrggbb`, or a 256-colour index. The accent of the
//! server's branding, when the server sets one, wins over `accent`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

use crate::keymap::{Keymap, KeymapError};

/// The settings file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading the file failed (other than it not existing).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown fields.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        source: toml::de::Error,
    },
    /// A key binding is wrong.
    #[error("{path}: {source}")]
    Keys {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: KeymapError,
    },
    /// A colour is not a colour.
    #[error("{path}: colour {name} = {value:?} is not a colour name, #rrggbb or 0-255")]
    Color {
        /// The file.
        path: PathBuf,
        /// Which colour setting.
        name: String,
        /// What it said.
        value: String,
    },
}

/// The contents of `tui.toml`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Command name → keys; see [`crate::keymap::Command::name`].
    pub keys: BTreeMap<String, Vec<String>>,
    /// Colour overrides.
    pub colors: Colors,
}

/// Colour settings as written; `None` keeps the default.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Colors {
    /// Focused borders, selection, the active server (the server's branding wins).
    pub accent: Option<String>,
    /// Mentions of you.
    pub mention: Option<String>,
    /// Unread badges.
    pub unread: Option<String>,
    /// Dim text: times, separators, offline members.
    pub dim: Option<String>,
    /// Errors and the new-message marker.
    pub error: Option<String>,
    /// Presence dot of online members and the speaking marker.
    pub online: Option<String>,
}

/// Resolved colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// See [`Colors::accent`].
    pub accent: Color,
    /// See [`Colors::mention`].
    pub mention: Color,
    /// See [`Colors::unread`].
    pub unread: Color,
    /// See [`Colors::dim`].
    pub dim: Color,
    /// See [`Colors::error`].
    pub error: Color,
    /// See [`Colors::online`].
    pub online: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            accent: Color::Cyan,
            mention: Color::Yellow,
            unread: Color::White,
            dim: Color::DarkGray,
            error: Color::Red,
            online: Color::Green,
        }
    }
}

/// Parses a colour as `tui.toml` or a server's branding writes it.
pub fn parse_color(s: &str) -> Option<Color> {
    Color::from_str(s.trim()).ok()
}

impl Config {
    /// Reads the file; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Config::parse(&text, path)
    }

    /// Parses and checks the text of a settings file (`path` only labels errors).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        Keymap::with_overrides(&cfg.keys).map_err(|source| ConfigError::Keys {
            path: path.to_owned(),
            source,
        })?;
        let c = &cfg.colors;
        for (name, value) in [
            ("accent", &c.accent),
            ("mention", &c.mention),
            ("unread", &c.unread),
            ("dim", &c.dim),
            ("error", &c.error),
            ("online", &c.online),
        ] {
            if let Some(v) = value
                && parse_color(v).is_none()
            {
                return Err(ConfigError::Color {
                    path: path.to_owned(),
                    name: name.to_owned(),
                    value: v.clone(),
                });
            }
        }
        Ok(cfg)
    }

    /// The colours, with the server's branding accent (`#rrggbb`) when it has one.
    pub fn theme(&self, branding_accent: Option<&str>) -> Theme {
        let d = Theme::default();
        let pick =
            |v: &Option<String>, def: Color| v.as_deref().and_then(parse_color).unwrap_or(def);
        let accent = branding_accent
            .and_then(parse_color)
            .unwrap_or_else(|| pick(&self.colors.accent, d.accent));
        Theme {
            accent,
            mention: pick(&self.colors.mention, d.mention),
            unread: pick(&self.colors.unread, d.unread),
            dim: pick(&self.colors.dim, d.dim),
            error: pick(&self.colors.error, d.error),
            online: pick(&self.colors.online, d.online),
        }
    }
}

/// Where the settings file lives: `$XDG_CONFIG_HOME/spectrus/tui.toml`, else
/// `~/.config/spectrus/tui.toml`.
pub fn default_path() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("spectrus").join("tui.toml"))
}

/// `$VAR`, else `$HOME/<fallback>`.
pub fn xdg_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_colours() {
        let cfg = Config::parse(
            "[keys]\ntoggle_mute = [\"M\"]\n[colors]\naccent = \"#112233\"\nmention = \"magenta\"\n",
            Path::new("t.toml"),
        )
        .expect("valid");
        assert_eq!(cfg.keys["toggle_mute"], vec!["M".to_owned()]);
        let t = cfg.theme(None);
        assert_eq!(t.accent, Color::Rgb(0x11, 0x22, 0x33));
        assert_eq!(t.mention, Color::Magenta);
        assert_eq!(cfg.theme(Some("#ff0000")).accent, Color::Rgb(255, 0, 0));
    }

    #[test]
    fn mistakes_are_reported_with_the_file() {
        let p = Path::new("t.toml");
        assert!(matches!(
            Config::parse("[colors]\naccent = \"nope\"", p),
            Err(ConfigError::Color { .. })
        ));
        assert!(matches!(
            Config::parse("[keys]\nquit = [\"hyper+q\"]", p),
            Err(ConfigError::Keys { .. })
        ));
        assert!(matches!(
            Config::parse("colour = 1", p),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn a_missing_file_is_the_defaults() {
        let cfg = Config::load(Path::new("/nonexistent/spectrus/tui.toml")).expect("defaults");
        assert_eq!(cfg, Config::default());
    }
}
