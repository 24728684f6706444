//! `spectrusctl`, the admin CLI of Spectrus, as a library: the binary is a thin `main` over
//! [`cli`] (what the command line means), [`commands`] (one module per command group),
//! [`transport`] (HTTP over the admin Unix socket), [`output`] and [`table`] (what gets
//! printed), plus [`layout`] (JSON to TOML and back), [`locate`] (which socket), [`names`] (ids to names for people),
//! [`duration`] and [`man`] (the manual page generator). The admin API itself is described
//! in `docs/admin-api.md`.

pub mod cli;
pub mod commands;
pub mod duration;
pub mod error;
pub mod layout;
pub mod locate;
pub mod names;
/// The manual page generator (shared with spectrusd, in `spectrus-man`).
pub use spectrus_man as man;
pub mod output;
pub mod table;
pub mod transport;

pub use cli::Cli;
pub use error::{CtlError, EX_NOPERM, EX_UNAVAILABLE, EX_USAGE};
pub use transport::AdminClient;

/// Where the committed manual page lives, relative to the workspace root.
pub const MAN_PAGE_PATH: &str = "man/spectrusctl.8";

/// The spectrusctl(8) manual page: the clap definition plus the sections clap cannot know.
pub fn man_page() -> man::ManPage {
    man::ManPage::new(Cli::command(), "8")
        .section("Environment", ENVIRONMENT)
        .section("Files", FILES)
        .section("Exit status", EXIT_STATUS)
        .section("Backup and restore", BACKUP_AND_RESTORE)
        .section("Examples", EXAMPLES)
        .section("See also", SEE_ALSO)
}

const ENVIRONMENT: &str = "\
SPECTRUS_ADMIN_SOCKET
\tthe admin socket, when --socket is not given. With neither, spectrusctl uses the admin_socket \
of /etc/spectrus/spectrusd.toml, else the first that exists of /run/spectrus/admin.sock, that \
file's data_dir/admin.sock and ./spectrus-data/admin.sock (a daemon started by hand in the \
current directory), and otherwise says which to set.

SPECTRUSCTL_LOG
\tdiagnostics on standard error, as a tracing filter (default warn; try debug).";

const FILES: &str = "\
/run/spectrus/admin.sock
\tthe admin socket of spectrusd under systemd (RuntimeDirectory=spectrus), mode 0660, owned by \
the spectrus user and group. Started by hand, spectrusd puts it in its data directory.

/var/lib/spectrus/spectrus.db
\tthe database (with its -wal and -shm files while the daemon runs).

/etc/spectrus/spectrusd.toml
\tthe daemon's configuration; spectrusctl config prints the effective values.";

const EXIT_STATUS: &str = "\
0 on success.

1 when the daemon refuses the request (the one-line message on standard error quotes it) or a \
local file cannot be read or parsed.

64 (EX_USAGE) when the command line is wrong.

69 (EX_UNAVAILABLE) when the admin socket is missing, refuses connections or is not a socket: \
spectrusd is not running, or runs with another admin_socket.

77 (EX_NOPERM) when permission is denied: the socket's mode keeps the caller out, or the daemon \
refused the caller's credentials. Run as root or as a member of the spectrus group.";

const BACKUP_AND_RESTORE: &str = "\
spectrusctl backup PATH makes the daemon copy its database with SQLite's online backup API \
while it keeps serving; the copy is consistent and holds every acknowledged write up to the \
moment the backup finished. The stored files (attachments, avatars, the server icon) go \
beside it in PATH.files/, hard-linked when on the same file system, copied otherwise; none \
is deleted while the backup runs. The daemon writes both as its own user: under the shipped \
systemd unit only paths below /var/lib/spectrus are writable to it.

  spectrusctl backup /var/lib/spectrus/backups/spectrus-$(date +%F).db

To restore a copy, stop the daemon, replace the database and remove its old WAL files, put \
the files back, then start it again:

  systemctl stop spectrusd
  install -o spectrus -g spectrus -m 0640 BACKUP.db /var/lib/spectrus/spectrus.db
  rm -f /var/lib/spectrus/spectrus.db-wal /var/lib/spectrus/spectrus.db-shm
  rm -rf /var/lib/spectrus/files
  cp -a BACKUP.db.files /var/lib/spectrus/files
  chown -R spectrus:spectrus /var/lib/spectrus/files
  systemctl start spectrusd
  spectrusctl status

Never copy spectrus.db while the daemon runs: without its WAL the copy may be torn.";

const EXAMPLES: &str = "\
Claim a fresh server: print the setup code, then register the first account with it.

  spectrusctl setup-code

A locked-out owner gets a one-time password:

  spectrusctl users reset-password alice

Invite someone for a week, at most 5 times:

  spectrusctl invites create --max-uses 5 --expires 7d

Keep the community's structure in git and apply changes after review:

  spectrusctl layout export layout.toml
  spectrusctl layout apply layout.toml --dry-run
  spectrusctl layout apply layout.toml

Watch joins and voice activity as JSON lines:

  spectrusctl events --follow --type member_join --type voice_join --json";

const SEE_ALSO: &str = "spectrusd(8), spectrus-tui(1), systemctl(1), sqlite3(1)";
