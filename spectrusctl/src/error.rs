//! The one error type of the library, and the process exit code each variant maps to.

use std::io;
use std::path::PathBuf;

/// `sysexits.h` EX_USAGE: the command line was wrong (clap's own errors).
pub const EX_USAGE: u8 = 64;
/// `sysexits.h` EX_UNAVAILABLE: the daemon cannot be reached.
pub const EX_UNAVAILABLE: u8 = 69;
/// `sysexits.h` EX_NOPERM: the socket or the daemon refused us.
pub const EX_NOPERM: u8 = 77;

/// Everything that can make a `spectrusctl` command fail.
#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    /// The socket is missing, refuses connections, or is not a socket.
    #[error("cannot connect to {}: {reason} (is spectrusd running?)", path.display())]
    Unavailable {
        /// The socket path tried.
        path: PathBuf,
        /// Why, in a few words.
        reason: String,
    },
    /// No socket was named and none exists where daemons put theirs.
    #[error(
        "no admin socket found (looked for {}): is spectrusd running? Name its socket with \
         --socket PATH or SPECTRUS_ADMIN_SOCKET=PATH (spectrusd logs the path at start)",
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NoSocket {
        /// The places looked at, in order.
        tried: Vec<PathBuf>,
    },
    /// The daemon took the connection but did not answer in time (hung or overloaded).
    #[error(
        "spectrusd did not answer on {} within {secs} s (is it hung? --timeout changes the limit)",
        path.display()
    )]
    TimedOut {
        /// The socket path tried.
        path: PathBuf,
        /// The limit, in seconds.
        secs: f64,
    },
    /// The socket's mode keeps us out.
    #[error(
        "permission denied on {}: run as root or as a member of the daemon's group (usually spectrus)",
        path.display()
    )]
    SocketPermission {
        /// The socket path tried.
        path: PathBuf,
    },
    /// The daemon answered with an error body (or a bare error status).
    #[error("{message} ({code})")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The machine-readable code, e.g. `not_found`.
        code: String,
        /// The daemon's sentence.
        message: String,
    },
    /// The daemon answered something this version cannot read.
    #[error("unexpected answer from spectrusd: {0}")]
    Protocol(String),
    /// A local file or stdin could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing, e.g. `reading layout.toml`.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// Writing the command's output failed (a closed pipe among others).
    #[error("writing output: {0}")]
    Output(#[source] io::Error),
    /// The user's input is not usable, e.g. a layout file that does not parse.
    #[error("{0}")]
    Invalid(String),
}

impl CtlError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CtlError::Unavailable { .. }
            | CtlError::NoSocket { .. }
            | CtlError::TimedOut { .. } => EX_UNAVAILABLE,
            CtlError::SocketPermission { .. } => EX_NOPERM,
            CtlError::Api { status: 403, .. } => EX_NOPERM,
            _ => 1,
        }
    }

    /// A machine-readable code: the daemon's for its refusals, else one naming the failure
    /// (`unavailable`, `timed_out`, `permission_denied`, `protocol`, `io`, `output`, `invalid`).
    pub fn code(&self) -> &str {
        match self {
            CtlError::Unavailable { .. } | CtlError::NoSocket { .. } => "unavailable",
            CtlError::TimedOut { .. } => "timed_out",
            CtlError::SocketPermission { .. } => "permission_denied",
            CtlError::Api { code, .. } => code,
            CtlError::Protocol(_) => "protocol",
            CtlError::Io { .. } => "io",
            CtlError::Output(_) => "output",
            CtlError::Invalid(_) => "invalid",
        }
    }

    /// The sentence without the code (the daemon's own message for its refusals).
    pub fn message(&self) -> String {
        match self {
            CtlError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// Whether this is the reader of our output going away (`spectrusctl ... | head`), which
    /// is not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CtlError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> CtlError {
        CtlError::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<io::Error> for CtlError {
    /// Bare I/O errors in command code come from writing output.
    fn from(e: io::Error) -> Self {
        CtlError::Output(e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = CtlError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_sysexits() {
        let unavailable = CtlError::Unavailable {
            path: "/x".into(),
            reason: "no such file".into(),
        };
        assert_eq!(unavailable.exit_code(), 69);
        assert!(unavailable.to_string().contains("/x"));
        assert!(unavailable.to_string().contains("is spectrusd running?"));
        assert_eq!(
            CtlError::SocketPermission { path: "/x".into() }.exit_code(),
            77
        );
        let forbidden = CtlError::Api {
            status: 403,
            code: "forbidden".into(),
            message: "no".into(),
        };
        assert_eq!(forbidden.exit_code(), 77);
        let missing = CtlError::Api {
            status: 404,
            code: "not_found".into(),
            message: "no user named bob".into(),
        };
        assert_eq!(missing.exit_code(), 1);
        assert_eq!(missing.to_string(), "no user named bob (not_found)");
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let e = CtlError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(e.is_broken_pipe());
        assert!(!CtlError::Invalid("x".into()).is_broken_pipe());
    }
}
