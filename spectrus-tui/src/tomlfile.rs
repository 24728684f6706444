//! The TOML files the client keeps besides its settings (the saved servers, the token
//! fallback): reading one, where a missing file means "nothing yet", encoding one, and the
//! error that names the file.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A kept file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML (or not what it should hold).
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        source: toml::de::Error,
    },
    /// The contents could not be written as TOML.
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// What was being written, for people.
        what: &'static str,
        /// The encoder's complaint.
        source: toml::ser::Error,
    },
}

impl FileError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> FileError {
        FileError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Reads `path`; a missing file is `T::default()`.
pub fn read<T: DeserializeOwned + Default>(path: &Path) -> Result<T, FileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|source| FileError::Parse {
            path: path.to_owned(),
            source,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(FileError::io(path, source)),
    }
}

/// `value` as TOML; `what` names it in the error.
pub fn encode<T: Serialize>(value: &T, what: &'static str) -> Result<String, FileError> {
    toml::to_string(value).map_err(|source| FileError::Encode { what, source })
}
