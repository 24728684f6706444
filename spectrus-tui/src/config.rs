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
//!
//! [voice]
//! mode = "vad"          # "vad" (voice activity), "ptt" (push-to-talk) or "open"
//! vad_threshold = 0.01  # RMS level (0-1) that opens the VAD gate; 0.01 is about -40 dBFS
//! vad_hangover_ms = 300 # how long the gate stays open after speech
//! ```
//! Colours are names (`red`, `lightblue`), `#rrggbb`, or a 256-colour index. The accent of the
//! server's branding, when the server sets one, wins over `accent`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ratatui::style::Color;
use serde::Deserialize;
use spectrus_voice::GateMode;

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
    /// A `[voice]` setting is out of range.
    #[error("{path}: [voice] {message}")]
    Voice {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
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
    /// How the microphone is gated.
    pub voice: VoiceConfig,
}

/// What decides when the microphone is sent.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VoiceMode {
    /// Voice activity detection: sent while the level is above the threshold.
    #[default]
    Vad,
    /// Push-to-talk: sent while the key is held (or toggled on).
    Ptt,
    /// Always sent (unless muted).
    Open,
}

/// The `[voice]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    /// VAD, push-to-talk or open.
    pub mode: VoiceMode,
    /// RMS level, 0 to 1, that opens the VAD gate.
    pub vad_threshold: f32,
    /// How long the VAD gate stays open after the level drops (ms).
    pub vad_hangover_ms: u32,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            mode: VoiceMode::Vad,
            vad_threshold: 0.01,
            vad_hangover_ms: 300,
        }
    }
}

impl VoiceConfig {
    /// The engine's gate; push-to-talk follows `ptt` (which the key handler sets).
    pub fn gate(&self, ptt: Arc<AtomicBool>) -> GateMode {
        match self.mode {
            VoiceMode::Vad => GateMode::Vad {
                threshold: self.vad_threshold,
                hangover_frames: self.vad_hangover_ms.div_ceil(20),
            },
            VoiceMode::Ptt => GateMode::PushToTalk(ptt),
            VoiceMode::Open => GateMode::Open,
        }
    }
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
        let t = cfg.voice.vad_threshold;
        if !(0.0..=1.0).contains(&t) {
            return Err(ConfigError::Voice {
                path: path.to_owned(),
                message: format!("vad_threshold = {t} is not between 0 and 1"),
            });
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
    fn voice_mode_picks_the_gate() {
        let p = Path::new("t.toml");
        let flag = Arc::new(AtomicBool::new(false));
        // The default: voice activity at 0.01 with 300 ms (15 frames) of hangover.
        match Config::default().voice.gate(flag.clone()) {
            GateMode::Vad {
                threshold,
                hangover_frames,
            } => {
                assert_eq!(threshold, 0.01);
                assert_eq!(hangover_frames, 15);
            }
            other => panic!("default gate is {other:?}"),
        }
        let cfg = Config::parse("[voice]\nmode = \"vad\"\nvad_threshold = 0.2\n", p).expect("vad");
        assert!(
            matches!(cfg.voice.gate(flag.clone()), GateMode::Vad { threshold, .. } if threshold == 0.2)
        );
        let cfg = Config::parse("[voice]\nmode = \"ptt\"\n", p).expect("ptt");
        match cfg.voice.gate(flag.clone()) {
            GateMode::PushToTalk(f) => assert!(Arc::ptr_eq(&f, &flag), "follows the key's flag"),
            other => panic!("ptt gate is {other:?}"),
        }
        let cfg = Config::parse("[voice]\nmode = \"open\"\n", p).expect("open");
        assert!(matches!(cfg.voice.gate(flag), GateMode::Open));
        assert!(matches!(
            Config::parse("[voice]\nvad_threshold = 3.0\n", p),
            Err(ConfigError::Voice { .. })
        ));
        assert!(matches!(
            Config::parse("[voice]\nmode = \"shout\"\n", p),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn a_missing_file_is_the_defaults() {
        let cfg = Config::load(Path::new("/nonexistent/spectrus/tui.toml")).expect("defaults");
        assert_eq!(cfg, Config::default());
    }
}
