//! Where refresh tokens are kept between runs: the OS keychain (`keyring`), or, where there
//! is none (a headless box without a secret service), a file readable only by its owner
//! (mode 0600) under the XDG data dir. Passwords are never stored.
//!
//! Every call may block (D-Bus, disk): call from a blocking task, never from the draw path.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tomlfile::{self, FileError};

/// The keychain service name entries are filed under; the account is the server URL.
pub const KEYRING_SERVICE: &str = "spectrus-tui";

/// What went wrong keeping a token.
pub type TokenError = FileError;

/// Whether to try the OS keychain at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringMode {
    /// Use the keychain when there is one, else the file.
    Auto,
    /// Only the file (tests, or users who ask for it).
    FileOnly,
}

/// Where a token ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// In the OS keychain.
    Keyring,
    /// In the 0600 fallback file, with the reason the keychain was not used.
    File {
        /// The file.
        path: PathBuf,
        /// Why not the keychain.
        reason: String,
    },
}

/// Refresh tokens by server URL.
#[derive(Debug, Clone)]
pub struct TokenStore {
    file: PathBuf,
    mode: KeyringMode,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct TokenFile {
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

impl TokenStore {
    /// A store whose fallback file is `file`.
    pub fn new(file: PathBuf, mode: KeyringMode) -> TokenStore {
        TokenStore { file, mode }
    }

    /// `$XDG_DATA_HOME/spectrus/tui-tokens.toml` (else under `~/.local/share`).
    pub fn default_file() -> Option<PathBuf> {
        crate::config::xdg_dir("XDG_DATA_HOME", ".local/share")
            .map(|d| d.join("spectrus").join("tui-tokens.toml"))
    }

    /// The fallback file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn entry(&self, url: &str) -> Result<keyring::Entry, String> {
        match self.mode {
            KeyringMode::FileOnly => Err("the keychain is turned off".into()),
            KeyringMode::Auto => keyring::Entry::new(KEYRING_SERVICE, url)
                .map_err(|e| format!("no OS keychain ({e})")),
        }
    }

    /// Keeps `token` for `url`: in the keychain if it takes it, else in the file.
    pub fn save(&self, url: &str, token: &str) -> Result<Stored, TokenError> {
        let reason = match self.entry(url).and_then(|e| {
            e.set_password(token)
                .map_err(|e| format!("the OS keychain refused the token ({e})"))
        }) {
            Ok(()) => {
                // A token left in the file from an earlier run would be stale.
                self.edit_file(|f| f.tokens.remove(url).is_some())?;
                return Ok(Stored::Keyring);
            }
            Err(reason) => reason,
        };
        self.edit_file(|f| {
            f.tokens.insert(url.to_owned(), token.to_owned());
            true
        })?;
        Ok(Stored::File {
            path: self.file.clone(),
            reason,
        })
    }

    /// The token kept for `url`, from the keychain or the file.
    pub fn load(&self, url: &str) -> Result<Option<String>, TokenError> {
        if let Ok(entry) = self.entry(url)
            && let Ok(token) = entry.get_password()
        {
            return Ok(Some(token));
        }
        Ok(self.read_file()?.tokens.remove(url))
    }

    /// Forgets the token of `url` everywhere.
    pub fn forget(&self, url: &str) -> Result<(), TokenError> {
        if let Ok(entry) = self.entry(url) {
            // No entry is fine: there is nothing to forget.
            let _ = entry.delete_credential();
        }
        self.edit_file(|f| f.tokens.remove(url).is_some())
    }

    fn read_file(&self) -> Result<TokenFile, TokenError> {
        tomlfile::read(&self.file)
    }

    /// Applies `change`; writes the file (0600, through a rename) only if it changed.
    fn edit_file(&self, change: impl FnOnce(&mut TokenFile) -> bool) -> Result<(), TokenError> {
        let mut file = self.read_file()?;
        if !change(&mut file) {
            return Ok(());
        }
        let text = tomlfile::encode(&file, "the token file")?;
        write_private(&self.file, text.as_bytes()).map_err(|e| FileError::io(&self.file, e))
    }
}

/// Writes `bytes` to `path` so that only the owner can ever read it: the temporary file is
/// created with mode 0600 before anything is written, then renamed over the old one.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("toml.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_round_trips_with_mode_0600() {
        let dir = std::env::temp_dir().join(format!("spectrus-tui-tokens-{}", std::process::id()));
        let store = TokenStore::new(dir.join("t.toml"), KeyringMode::FileOnly);
        let stored = store.save("http://a", "tok1").expect("saved");
        assert!(matches!(stored, Stored::File { .. }));
        assert_eq!(
            store.load("http://a").expect("load").as_deref(),
            Some("tok1")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.file())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.forget("http://a").expect("forget");
        assert_eq!(store.load("http://a").expect("load"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
