//! The command line, as clap definitions. The man page and the shell completions are generated
//! from these too, so the help texts here are the documentation.

use std::path::PathBuf;

use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use spectrus_proto::Permission;

use crate::duration::parse_duration;

mod moderation;

pub use moderation::{
    MembersCommand, MessagesCommand, PurgeArgs, ServerCommand, ServerSet, VoiceCommand, VoiceTarget,
};

/// Text for the end of `--help` and for the man page's extra sections.
pub const AFTER_HELP: &str = "\
Exit status: 0 on success; 1 when the daemon refuses the request or a local file is bad; \
64 on a usage error; 69 when the admin socket cannot be reached or the daemon does not answer \
within --timeout; 77 when permission is denied (the socket's mode, or the daemon's peer check).";

/// `spectrusctl`: administer a running spectrusd over its admin socket.
#[derive(Debug, Parser)]
#[command(
    name = "spectrusctl",
    version,
    about = "Administer a running spectrusd over its admin socket",
    long_about = "Administer a running spectrusd over its admin socket.\n\n\
        spectrusctl talks HTTP/JSON to the daemon's Unix socket; access is granted by the \
        socket's mode (0660) and checked again by the daemon from the peer's credentials: \
        root, the daemon's own user, or a member of its group. No password or token is \
        involved.\n\n\
        Output is a table or a sentence for people; with --json it is the daemon's JSON \
        document, stable for scripts, and an error is one JSON line on standard error, \
        {\"error\": {\"code\", \"message\"}}, with the same exit code.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Path of the daemon's admin socket. Without it: the `admin_socket` of
    /// /etc/spectrus/spectrusd.toml, else the first that exists of /run/spectrus/admin.sock
    /// (systemd), that file's data_dir and ./spectrus-data/admin.sock (started by hand here).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "SPECTRUS_ADMIN_SOCKET"
    )]
    pub socket: Option<PathBuf>,

    /// Seconds to wait for the daemon's answer before giving up (0: no limit; backups never
    /// time out).
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "SPECTRUSCTL_TIMEOUT",
        default_value_t = 60.0
    )]
    pub timeout: f64,

    /// Print the daemon's JSON instead of tables (events: one JSON document per line).
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The clap command, for the man page and completion generators.
    pub fn command() -> clap::Command {
        <Cli as CommandFactory>::command()
    }
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Version, uptime, members online, voice rooms, database size and licence state.
    Status,
    /// Print the one-time code that claims the owner account of a fresh server.
    SetupCode,
    /// Print the daemon's effective configuration (secrets redacted).
    Config,
    /// Manage user accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage roles and who holds them.
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Create, list and revoke invites.
    #[command(subcommand)]
    Invites(InvitesCommand),
    /// Manage channels and categories.
    #[command(subcommand)]
    Channels(ChannelsCommand),
    /// Ban and unban users.
    #[command(subcommand)]
    Bans(BansCommand),
    /// Moderate members: kick, time out, set nicknames.
    #[command(subcommand)]
    Members(MembersCommand),
    /// Moderate voice: mute, deafen, move, disconnect.
    #[command(subcommand)]
    Voice(VoiceCommand),
    /// Delete messages in bulk.
    #[command(subcommand)]
    Messages(MessagesCommand),
    /// Show or change the server's name and description.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Write a consistent copy of the database and the stored files while the daemon keeps serving.
    #[command(
        long_about = "Write a consistent copy of the database while the daemon keeps \
        serving (SQLite's online backup), and the stored files (attachments, avatars) beside \
        it in PATH.files/.\n\n\
        The daemon writes the file as its own user, so PATH must be writable by it; under the \
        shipped systemd unit that means a path under /var/lib/spectrus (e.g. \
        /var/lib/spectrus/backups/spectrus-2026-01-01.db). A relative PATH is taken from the \
        current directory."
    )]
    Backup {
        /// Where the daemon writes the copy.
        path: PathBuf,
    },
    /// Export or apply the community's structure as one TOML file.
    #[command(subcommand)]
    Layout(LayoutCommand),
    /// Print server events (joins, leaves, message metadata, voice, moderation).
    Events(EventsArgs),
    /// Print the audit log: who changed what, newest first.
    #[command(
        long_about = "Print the audit log: who changed what, newest first.\n\n\
        Members, channels and roles appear by name (by id once deleted; --json keeps the ids); \
        changes made through the admin socket appear as \"admin (uid N)\", N being the uid of \
        the process that made them (root is 0)."
    )]
    Audit(AuditArgs),
    /// Activate, check, import or deactivate the premium licence (Keygen).
    #[command(
        subcommand,
        long_about = "Activate, check, import or deactivate the premium licence (Keygen).\n\n\
        The core is free; a licence unlocks premium features (custom branding). `activate` \
        checks the key with Keygen (license.keygen_url, license.keygen_account) and activates \
        this server; the daemon checks it again at start and every 24 hours, and keeps \
        premium for 7 days while Keygen cannot be reached. Air-gapped servers `import` a \
        signed offline licence file instead (license.keygen_public_key)."
    )]
    License(LicenseCommand),
    /// Install, list and remove plugins (spectrus-plugin.json in a GitHub repository).
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// List, add, rename and delete the server's custom emoji.
    #[command(subcommand)]
    Emoji(EmojiCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: CompletionShell,
    },
}

/// `emoji ...`
#[derive(Debug, Subcommand)]
pub enum EmojiCommand {
    /// List the custom emoji: name, id, who added it and when.
    List,
    /// Add a custom emoji from an image file.
    #[command(
        long_about = "Add a custom emoji from an image file: PNG, JPEG, GIF or WebP, at most \
        256 KiB; the daemon scales it to fit 128 pixels and keeps it as PNG. A server holds at \
        most 50 custom emoji."
    )]
    Add {
        /// Its name, used as :NAME: (2 to 32 of lower-case letters, digits and _).
        name: String,
        /// The image file.
        file: PathBuf,
    },
    /// Rename a custom emoji; messages and reactions that use it follow.
    Rename {
        /// The emoji's name (or id).
        name: String,
        /// Its new name.
        new: String,
    },
    /// Delete a custom emoji (messages that used it show :name: instead).
    Delete {
        /// The emoji's name (or id).
        name: String,
    },
}

/// `license ...`
#[derive(Debug, Subcommand)]
pub enum LicenseCommand {
    /// Check a licence key with Keygen, activate this server for it and keep it.
    Activate {
        /// The licence key.
        key: String,
    },
    /// Show the licence: state, plan, when premium lapses, and what to do.
    Status,
    /// Check the licence key with Keygen now (the daemon does it every 24 hours).
    Refresh,
    /// Release this server from the licence on Keygen and forget the key or file.
    Deactivate,
    /// Import a signed Keygen offline licence file (for servers without Internet access).
    Import {
        /// The licence file (-----BEGIN LICENSE FILE----- ...).
        file: PathBuf,
        /// The licence key, for an encrypted file (aes-256-gcm+ed25519); else the activated
        /// key, if any, is used.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
}

/// `plugins ...`
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Fetch OWNER/REPO[@REF]'s spectrus-plugin.json (plugins.github_raw_url), show what it
    /// asks for, and install it once confirmed. Free servers install up to 3 plugins.
    Install {
        /// OWNER/REPO, optionally @BRANCH, @TAG or @COMMIT (the default branch otherwise).
        source: String,
        /// Install without asking (for scripts; needed with --json).
        #[arg(long)]
        yes: bool,
    },
    /// Fetch an installed plugin's manifest again from where it came from, show what changed
    /// in what it asks for, and update it once confirmed.
    Update {
        /// The plugin's id.
        id: String,
        /// Update without asking (for scripts; needed with --json).
        #[arg(long)]
        yes: bool,
    },
    /// List installed plugins.
    List,
    /// Show one plugin: its manifest, what it was granted, whether it is on.
    Show {
        /// The plugin's id.
        id: String,
    },
    /// Turn a plugin on.
    Enable {
        /// The plugin's id.
        id: String,
    },
    /// Turn a plugin off (it keeps its settings).
    Disable {
        /// The plugin's id.
        id: String,
    },
    /// Remove a plugin.
    Remove {
        /// The plugin's id.
        id: String,
    },
    /// Give the plugin's bot a new token (shown once; the old one stops working at once).
    Token {
        /// The plugin's id.
        id: String,
    },
}

/// `users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List every account.
    List,
    /// Show one account.
    Show {
        /// Username or id.
        user: String,
    },
    /// Create an account; prints a generated password unless --password-stdin.
    Create {
        /// The username (2-32 of a-z 0-9 _ . -).
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The display name (defaults to the username).
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
    },
    /// Set a new password and close the account's sessions; prints a one-time password
    /// unless --password-stdin. This is how a locked-out owner gets back in.
    ResetPassword {
        /// Username or id.
        user: String,
        /// Read the new password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it cannot log in and its sessions are closed.
    Disable {
        /// Username or id.
        user: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Username or id.
        user: String,
    },
    /// Delete an account (its messages stay, shown as a deleted user).
    Delete {
        /// Username or id.
        user: String,
    },
    /// Make this account the server's owner (the previous owner stays a member).
    SetOwner {
        /// Username or id.
        user: String,
    },
}

/// `roles ...`
#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// List roles, highest first.
    List,
    /// Show one role and its permissions.
    Show {
        /// Role name or id.
        role: String,
    },
    /// Create a role.
    Create {
        /// The role's name.
        name: String,
        /// A permission to grant (repeatable); `spectrusctl roles perms` lists them.
        #[arg(long = "perm", value_name = "PERMISSION", value_parser = parse_permission)]
        perms: Vec<Permission>,
        /// Colour as #rrggbb.
        #[arg(long, value_name = "COLOR", value_parser = parse_color)]
        color: Option<String>,
        /// Show its members apart in the member list.
        #[arg(long)]
        hoist: bool,
        /// Let everyone mention it.
        #[arg(long)]
        mentionable: bool,
    },
    /// Change a role.
    Edit(RoleEditArgs),
    /// Delete a role (@everyone cannot be deleted).
    Delete {
        /// Role name or id.
        role: String,
    },
    /// Give a role to a user.
    Grant {
        /// Username or id.
        user: String,
        /// Role name or id.
        role: String,
    },
    /// Take a role from a user.
    Revoke {
        /// Username or id.
        user: String,
        /// Role name or id.
        role: String,
    },
    /// Move a role to a position (higher ranks higher; @everyone stays at 0).
    Move {
        /// Role name or id.
        role: String,
        /// The new position, 1 or more.
        #[arg(value_parser = clap::value_parser!(i64).range(1..))]
        position: i64,
    },
    /// List every permission with what it allows.
    Perms,
}

/// `roles edit ROLE ...`
#[derive(Debug, Args)]
pub struct RoleEditArgs {
    /// Role name or id.
    pub role: String,
    /// Rename the role.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Replace the permissions with these (repeatable).
    #[arg(long = "perm", value_name = "PERMISSION", value_parser = parse_permission,
        conflicts_with_all = ["add_perms", "remove_perms"])]
    pub perms: Vec<Permission>,
    /// Add a permission (repeatable).
    #[arg(long = "add-perm", value_name = "PERMISSION", value_parser = parse_permission)]
    pub add_perms: Vec<Permission>,
    /// Remove a permission (repeatable).
    #[arg(long = "remove-perm", value_name = "PERMISSION", value_parser = parse_permission)]
    pub remove_perms: Vec<Permission>,
    /// Remove every permission.
    #[arg(long, conflicts_with_all = ["perms", "add_perms", "remove_perms"])]
    pub no_perms: bool,
    /// Colour as #rrggbb.
    #[arg(long, value_name = "COLOR", value_parser = parse_color)]
    pub color: Option<String>,
    /// Remove the colour.
    #[arg(long, conflicts_with = "color")]
    pub no_color: bool,
    /// Show its members apart in the member list.
    #[arg(long, value_name = "BOOL", action = ArgAction::Set)]
    pub hoist: Option<bool>,
    /// Let everyone mention it.
    #[arg(long, value_name = "BOOL", action = ArgAction::Set)]
    pub mentionable: Option<bool>,
}

/// `invites ...`
#[derive(Debug, Subcommand)]
pub enum InvitesCommand {
    /// Create an invite; prints its spectrus:// link and its web link.
    Create {
        /// How many accounts may use it (unlimited when absent).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_uses: Option<u32>,
        /// How long it stays valid, e.g. 30m, 1h, 7d, 2w (the daemon's default when absent).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        expires: Option<u64>,
    },
    /// List invites.
    List,
    /// Revoke an invite.
    Revoke {
        /// The invite code.
        code: String,
    },
}

/// `channels ...`
#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// List channels in order, categories with their channels.
    List,
    /// Create a text channel, or a voice channel or category.
    Create {
        /// The channel's name.
        name: String,
        /// Make a voice channel.
        #[arg(long, conflicts_with = "category")]
        voice: bool,
        /// Make a category.
        #[arg(long, conflicts_with = "parent")]
        category: bool,
        /// The category to put it in (name or id).
        #[arg(long, value_name = "CATEGORY")]
        parent: Option<String>,
    },
    /// Delete a channel or an empty category.
    Delete {
        /// Channel name or id.
        channel: String,
    },
    /// Move a channel to a position, optionally into another category.
    Move {
        /// Channel name or id.
        channel: String,
        /// The new position among its siblings (0 is first).
        #[arg(value_parser = clap::value_parser!(i64).range(0..))]
        position: i64,
        /// Move it into this category (name or id).
        #[arg(long, value_name = "CATEGORY")]
        parent: Option<String>,
        /// Take it out of its category.
        #[arg(long, conflicts_with = "parent")]
        no_parent: bool,
    },
}

/// `bans ...`
#[derive(Debug, Subcommand)]
pub enum BansCommand {
    /// List bans.
    List,
    /// Ban a user (closes their sessions).
    Add {
        /// Username or id.
        user: String,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Lift a ban.
    Remove {
        /// Username or id.
        user: String,
    },
}

/// `layout ...`
#[derive(Debug, Subcommand)]
pub enum LayoutCommand {
    /// Write the structure (categories, channels, roles, overwrites) as TOML.
    Export {
        /// Write here instead of standard output.
        file: Option<PathBuf>,
    },
    /// Make the server match a layout file, in one transaction.
    #[command(
        long_about = "Make the server match a layout file, in one transaction: \
        what the file lists is created, updated or reordered to match; roles and \
        channels it does not name are left alone. A file whose name ends in .json is read as JSON, \
        anything else as TOML. Applying the same file twice changes nothing the second time."
    )]
    Apply {
        /// The layout file (TOML, or JSON when named *.json).
        file: PathBuf,
        /// Print the changes it would make, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `events ...`
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Keep printing events as they happen (until interrupted).
    #[arg(long, short)]
    pub follow: bool,
    /// Only events of this type (repeatable), e.g. member_join, message_create, voice_join.
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
}

/// `audit ...`
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// How many entries (1 to 100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Only this action, e.g. member.ban or role.create.
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only entries older than this entry id (the next page).
    #[arg(long, value_name = "ID")]
    pub before: Option<u64>,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// GNU Bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

/// Value parser for `--perm`: one of the contract's permission names.
pub fn parse_permission(text: &str) -> Result<Permission, String> {
    text.parse::<Permission>().map_err(|_| {
        format!("unknown permission {text:?}; `spectrusctl roles perms` lists the valid ones")
    })
}

/// Value parser for `--color`: `#rrggbb` (lower-cased).
pub fn parse_color(text: &str) -> Result<String, String> {
    let hex = text.strip_prefix('#').unwrap_or(text);
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("#{}", hex.to_ascii_lowercase()))
    } else {
        Err(format!(
            "{text:?} is not a colour; use #rrggbb, e.g. #e67e22"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("spectrusctl").chain(args.iter().copied()))
    }

    fn ok(args: &[&str]) -> Command {
        match parse(args) {
            Ok(cli) => cli.command,
            Err(e) => panic!("{args:?} should parse: {e}"),
        }
    }

    fn bad(args: &[&str]) -> clap::error::ErrorKind {
        match parse(args) {
            Ok(cli) => panic!("{args:?} should not parse: {cli:?}"),
            Err(e) => e.kind(),
        }
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = parse(&["--socket", "/tmp/a.sock", "status", "--json"]).unwrap();
        assert_eq!(cli.socket, Some(PathBuf::from("/tmp/a.sock")));
        assert!(cli.json);
        assert!(matches!(cli.command, Command::Status));
    }

    #[test]
    fn top_level_commands() {
        assert!(matches!(ok(&["status"]), Command::Status));
        assert!(matches!(ok(&["setup-code"]), Command::SetupCode));
        assert!(matches!(ok(&["config"]), Command::Config));
        assert!(
            matches!(ok(&["backup", "/var/lib/spectrus/b.db"]), Command::Backup { path } if path == std::path::Path::new("/var/lib/spectrus/b.db"))
        );
        assert!(matches!(
            ok(&["completions", "zsh"]),
            Command::Completions {
                shell: CompletionShell::Zsh
            }
        ));
        assert_eq!(
            bad(&["completions", "powershell"]),
            clap::error::ErrorKind::InvalidValue
        );
        assert_eq!(
            bad(&["backup"]),
            clap::error::ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            bad(&["frobnicate"]),
            clap::error::ErrorKind::InvalidSubcommand
        );
        assert_eq!(
            bad(&[]),
            clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
    }

    #[test]
    fn users_commands() {
        assert!(matches!(
            ok(&["users", "list"]),
            Command::Users(UsersCommand::List)
        ));
        assert!(
            matches!(ok(&["users", "show", "alice"]), Command::Users(UsersCommand::Show { user }) if user == "alice")
        );
        match ok(&[
            "users",
            "create",
            "bob",
            "--password-stdin",
            "--display-name",
            "Bob B",
        ]) {
            Command::Users(UsersCommand::Create {
                name,
                password_stdin,
                display_name,
            }) => {
                assert_eq!(name, "bob");
                assert!(password_stdin);
                assert_eq!(display_name.as_deref(), Some("Bob B"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ok(&["users", "reset-password", "alice"]),
            Command::Users(UsersCommand::ResetPassword {
                password_stdin: false,
                ..
            })
        ));
        assert!(matches!(
            ok(&["users", "reset-password", "alice", "--password-stdin"]),
            Command::Users(UsersCommand::ResetPassword {
                password_stdin: true,
                ..
            })
        ));
        assert!(matches!(
            ok(&["users", "disable", "1"]),
            Command::Users(UsersCommand::Disable { .. })
        ));
        assert!(matches!(
            ok(&["users", "enable", "1"]),
            Command::Users(UsersCommand::Enable { .. })
        ));
        assert!(matches!(
            ok(&["users", "delete", "1"]),
            Command::Users(UsersCommand::Delete { .. })
        ));
        assert!(matches!(
            ok(&["users", "set-owner", "x"]),
            Command::Users(UsersCommand::SetOwner { .. })
        ));
        assert_eq!(
            bad(&["users", "create"]),
            clap::error::ErrorKind::MissingRequiredArgument
        );
    }

    #[test]
    fn roles_commands() {
        assert!(matches!(
            ok(&["roles", "list"]),
            Command::Roles(RolesCommand::List)
        ));
        assert!(matches!(
            ok(&["roles", "show", "Mod"]),
            Command::Roles(RolesCommand::Show { .. })
        ));
        match ok(&[
            "roles",
            "create",
            "Mod",
            "--perm",
            "members:kick",
            "--perm",
            "messages:manage",
            "--color",
            "#E67E22",
            "--hoist",
        ]) {
            Command::Roles(RolesCommand::Create {
                name,
                perms,
                color,
                hoist,
                mentionable,
            }) => {
                assert_eq!(name, "Mod");
                assert_eq!(
                    perms,
                    vec![Permission::MembersKick, Permission::MessagesManage]
                );
                assert_eq!(color.as_deref(), Some("#e67e22"));
                assert!(hoist);
                assert!(!mentionable);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            bad(&["roles", "create", "Mod", "--perm", "fly"]),
            clap::error::ErrorKind::ValueValidation
        );
        assert_eq!(
            bad(&["roles", "create", "Mod", "--color", "red"]),
            clap::error::ErrorKind::ValueValidation
        );
        match ok(&[
            "roles",
            "edit",
            "Mod",
            "--add-perm",
            "voice:speak",
            "--remove-perm",
            "members:kick",
            "--no-color",
            "--hoist",
            "false",
        ]) {
            Command::Roles(RolesCommand::Edit(e)) => {
                assert_eq!(e.add_perms, vec![Permission::VoiceSpeak]);
                assert_eq!(e.remove_perms, vec![Permission::MembersKick]);
                assert!(e.no_color);
                assert_eq!(e.hoist, Some(false));
                assert_eq!(e.mentionable, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            bad(&[
                "roles",
                "edit",
                "Mod",
                "--perm",
                "voice:speak",
                "--add-perm",
                "voice:connect"
            ]),
            clap::error::ErrorKind::ArgumentConflict
        );
        assert_eq!(
            bad(&["roles", "edit", "Mod", "--color", "#000000", "--no-color"]),
            clap::error::ErrorKind::ArgumentConflict
        );
        assert!(matches!(
            ok(&["roles", "delete", "Mod"]),
            Command::Roles(RolesCommand::Delete { .. })
        ));
        assert!(
            matches!(ok(&["roles", "grant", "alice", "Mod"]), Command::Roles(RolesCommand::Grant { user, role }) if user == "alice" && role == "Mod")
        );
        assert!(matches!(
            ok(&["roles", "revoke", "alice", "Mod"]),
            Command::Roles(RolesCommand::Revoke { .. })
        ));
        assert!(matches!(
            ok(&["roles", "move", "Mod", "3"]),
            Command::Roles(RolesCommand::Move { position: 3, .. })
        ));
        assert_eq!(
            bad(&["roles", "move", "Mod", "0"]),
            clap::error::ErrorKind::ValueValidation
        );
        assert!(matches!(
            ok(&["roles", "perms"]),
            Command::Roles(RolesCommand::Perms)
        ));
    }

    #[test]
    fn invites_commands() {
        match ok(&["invites", "create", "--max-uses", "5", "--expires", "7d"]) {
            Command::Invites(InvitesCommand::Create { max_uses, expires }) => {
                assert_eq!(max_uses, Some(5));
                assert_eq!(expires, Some(604_800));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ok(&["invites", "create"]),
            Command::Invites(InvitesCommand::Create {
                max_uses: None,
                expires: None
            })
        ));
        assert_eq!(
            bad(&["invites", "create", "--expires", "7"]),
            clap::error::ErrorKind::ValueValidation
        );
        assert_eq!(
            bad(&["invites", "create", "--max-uses", "0"]),
            clap::error::ErrorKind::ValueValidation
        );
        assert!(matches!(
            ok(&["invites", "list"]),
            Command::Invites(InvitesCommand::List)
        ));
        assert!(
            matches!(ok(&["invites", "revoke", "abc"]), Command::Invites(InvitesCommand::Revoke { code }) if code == "abc")
        );
    }

    #[test]
    fn channels_commands() {
        assert!(matches!(
            ok(&["channels", "list"]),
            Command::Channels(ChannelsCommand::List)
        ));
        assert!(matches!(
            ok(&[
                "channels", "create", "Lounge", "--voice", "--parent", "General"
            ]),
            Command::Channels(ChannelsCommand::Create {
                voice: true,
                category: false,
                parent: Some(_),
                ..
            })
        ));
        assert!(matches!(
            ok(&["channels", "create", "General", "--category"]),
            Command::Channels(ChannelsCommand::Create { category: true, .. })
        ));
        assert_eq!(
            bad(&["channels", "create", "x", "--voice", "--category"]),
            clap::error::ErrorKind::ArgumentConflict
        );
        assert_eq!(
            bad(&["channels", "create", "x", "--category", "--parent", "y"]),
            clap::error::ErrorKind::ArgumentConflict
        );
        assert!(matches!(
            ok(&["channels", "delete", "x"]),
            Command::Channels(ChannelsCommand::Delete { .. })
        ));
        assert!(matches!(
            ok(&["channels", "move", "x", "0", "--no-parent"]),
            Command::Channels(ChannelsCommand::Move {
                position: 0,
                no_parent: true,
                parent: None,
                ..
            })
        ));
        assert_eq!(
            bad(&["channels", "move", "x", "-1"]),
            clap::error::ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn bans_commands() {
        assert!(matches!(
            ok(&["bans", "list"]),
            Command::Bans(BansCommand::List)
        ));
        assert!(matches!(
            ok(&["bans", "add", "troll", "--reason", "spam"]),
            Command::Bans(BansCommand::Add { user, reason: Some(r) }) if user == "troll" && r == "spam"
        ));
        assert!(matches!(
            ok(&["bans", "remove", "troll"]),
            Command::Bans(BansCommand::Remove { .. })
        ));
    }

    #[test]
    fn layout_and_events_commands() {
        assert!(matches!(
            ok(&["layout", "export"]),
            Command::Layout(LayoutCommand::Export { file: None })
        ));
        assert!(matches!(
            ok(&["layout", "export", "l.toml"]),
            Command::Layout(LayoutCommand::Export { file: Some(_) })
        ));
        assert!(matches!(
            ok(&["layout", "apply", "l.toml", "--dry-run"]),
            Command::Layout(LayoutCommand::Apply { dry_run: true, .. })
        ));
        assert_eq!(
            bad(&["layout", "apply"]),
            clap::error::ErrorKind::MissingRequiredArgument
        );
        match ok(&[
            "events",
            "-f",
            "--type",
            "member_join",
            "--type",
            "voice_join",
        ]) {
            Command::Events(e) => {
                assert!(e.follow);
                assert_eq!(e.types, vec!["member_join", "voice_join"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn audit_takes_a_bounded_limit() {
        match ok(&["audit", "--limit", "5", "--action", "member.ban"]) {
            Command::Audit(a) => {
                assert_eq!(a.limit, 5);
                assert_eq!(a.action.as_deref(), Some("member.ban"));
                assert_eq!(a.before, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            bad(&["audit", "--limit", "0"]),
            clap::error::ErrorKind::ValueValidation
        );
    }

    #[test]
    fn colours_are_normalised() {
        assert_eq!(parse_color("#ABCDEF"), Ok("#abcdef".to_owned()));
        assert_eq!(parse_color("00ff00"), Ok("#00ff00".to_owned()));
        assert!(parse_color("#abc").is_err());
        assert!(parse_color("#gggggg").is_err());
    }
}
