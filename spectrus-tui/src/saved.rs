//! The saved servers file (`$XDG_DATA_HOME/spectrus/tui-servers.toml`): the rail's servers,
//! the username last used on each and the channel to reopen. Never a password or a token.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use spectrus_proto::Id;

use crate::tomlfile::{self, FileError};

/// The file could not be read or written.
pub type SavedError = FileError;

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
        tomlfile::read(path)
    }

    /// Writes the file (creating its folder), through a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<(), SavedError> {
        let io = |source| FileError::io(path, source);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = tomlfile::encode(self, "the saved servers")?;
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
