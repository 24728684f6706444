//! The saved servers file (`$XDG_DATA_HOME/spectrus/tui-servers.toml`): the rail's servers,
//! the username last used on each and the channel to reopen. Never a password or a token.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use spectrus_proto::Id;

/// The file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        source: toml::de::Error,
    },
    /// The list could not be written as TOML.
    #[error("cannot encode the saved servers: {0}")]
    Encode(#[from] toml::ser::Error),
}

/// One saved server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedServer {
    /// Base URL.
    pub url: String,
    /// Username last used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Channel to reopen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_channel: Option<Id>,
}

/// All saved servers, in rail order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedServers {
    /// The servers.
    #[serde(default)]
    pub servers: Vec<SavedServer>,
}

impl SavedServers {
    /// Reads the file; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<SavedServers, SavedError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|source| SavedError::Parse {
                path: path.to_owned(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SavedServers::default()),
            Err(source) => Err(SavedError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes the file (creating its folder), through a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<(), SavedError> {
        let io = |source| SavedError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = toml::to_string(self)?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Adds a server unless its URL is there already; returns whether it was added.
    pub fn add(&mut self, url: &str) -> bool {
        let url = url.trim_end_matches('/');
        if self.servers.iter().any(|s| s.url == url) {
            return false;
        }
        self.servers.push(SavedServer {
            url: url.to_owned(),
            username: None,
            last_channel: None,
        });
        true
    }

    /// The entry of a URL.
    pub fn get_mut(&mut self, url: &str) -> Option<&mut SavedServer> {
        self.servers.iter_mut().find(|s| s.url == url)
    }
}

/// `$XDG_DATA_HOME/spectrus/tui-servers.toml`, else `~/.local/share/spectrus/tui-servers.toml`.
pub fn default_path() -> Option<PathBuf> {
    crate::config::xdg_dir("XDG_DATA_HOME", ".local/share")
        .map(|d| d.join("spectrus").join("tui-servers.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_dedups() {
        let dir = std::env::temp_dir().join(format!("spectrus-tui-saved-{}", std::process::id()));
        let path = dir.join("servers.toml");
        let mut s = SavedServers::load(&path).expect("missing file is empty");
        assert!(s.add("https://a.example/"));
        assert!(!s.add("https://a.example"));
        if let Some(e) = s.get_mut("https://a.example") {
            e.last_channel = Some(Id(7));
        }
        s.save(&path).expect("saved");
        assert_eq!(SavedServers::load(&path).expect("loaded"), s);
        let _ = std::fs::remove_dir_all(dir);
    }
}
