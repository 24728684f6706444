//! The moderation and server-settings commands: `members`, `voice`, `messages`, `server`.

use clap::{Args, Subcommand};

use crate::duration::{Since, TimeoutFor, parse_since, parse_timeout};

/// `members ...`
#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Remove a member from the server (sessions end at once; a new invite lets them back).
    Kick {
        /// Username or id.
        user: String,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Time a member out: they can read but not post, react, speak or join voice.
    Timeout {
        /// Username or id.
        user: String,
        /// How long, e.g. 10m, 1h, 7d (at most 28d); `off` lifts the timeout.
        #[arg(value_name = "DURATION|off", value_parser = parse_timeout)]
        duration: TimeoutFor,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Set a member's nickname, or clear it with --clear.
    Nick {
        /// Username or id.
        user: String,
        /// The new nickname.
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        nick: Option<String>,
        /// Remove the nickname (the display name shows again).
        #[arg(long)]
        clear: bool,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// `voice ...`
#[derive(Debug, Subcommand)]
pub enum VoiceCommand {
    /// Server-mute a member (kept across joins and restarts until unmuted).
    Mute(VoiceTarget),
    /// Lift a server mute.
    Unmute(VoiceTarget),
    /// Server-deafen a member (kept across joins and restarts until undeafened).
    Deafen(VoiceTarget),
    /// Lift a server deafen.
    Undeafen(VoiceTarget),
    /// Move a member who is in voice to another voice channel.
    Move {
        /// Username or id.
        user: String,
        /// Voice channel name or id.
        channel: String,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Disconnect a member from voice.
    Disconnect(VoiceTarget),
}

/// Who a voice action is for.
#[derive(Debug, Args)]
pub struct VoiceTarget {
    /// Username or id.
    pub user: String,
    /// Why, for the audit log.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `messages ...`
#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// Delete a channel's messages in bulk: by a user, since a time, or both (one audit entry
    /// with the count).
    Purge(PurgeArgs),
}

/// `messages purge CHANNEL ...`
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).multiple(true).args(["user", "since"]))]
pub struct PurgeArgs {
    /// Channel name or id.
    pub channel: String,
    /// Only this user's messages (username or id).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Only messages posted since then: a duration back from now (30m, 1h, 2d) or an RFC 3339
    /// time (2026-01-01T12:00:00Z).
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub since: Option<Since>,
    /// Why, for the audit log.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `server ...`
#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Show the server's name, description and owner.
    Show,
    /// Change a server setting.
    #[command(subcommand)]
    Set(ServerSet),
}

/// `server set ...`
#[derive(Debug, Subcommand)]
pub enum ServerSet {
    /// The server's name.
    Name {
        /// The new name.
        name: String,
    },
    /// The server's description ("" clears it).
    Description {
        /// The new description.
        text: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<Command, clap::error::ErrorKind> {
        Cli::try_parse_from(std::iter::once("spectrusctl").chain(args.iter().copied()))
            .map(|c| c.command)
            .map_err(|e| e.kind())
    }

    #[test]
    fn moderation_commands_parse() {
        assert!(matches!(
            parse(&["members", "timeout", "alice", "off"]),
            Ok(Command::Members(MembersCommand::Timeout {
                duration: TimeoutFor::Off,
                ..
            }))
        ));
        assert!(matches!(
            parse(&["members", "nick", "alice", "--clear"]),
            Ok(Command::Members(MembersCommand::Nick {
                nick: None,
                clear: true,
                ..
            }))
        ));
        assert_eq!(
            parse(&["members", "nick", "alice"]).err(),
            Some(clap::error::ErrorKind::MissingRequiredArgument)
        );
        assert!(matches!(
            parse(&["voice", "move", "bob", "Lounge"]),
            Ok(Command::Voice(VoiceCommand::Move { .. }))
        ));
        match parse(&["messages", "purge", "general", "--since", "2h"]) {
            Ok(Command::Messages(MessagesCommand::Purge(a))) => {
                assert_eq!(a.since, Some(Since::Ago(7_200)));
                assert_eq!(a.user, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(&["messages", "purge", "general"]).err(),
            Some(clap::error::ErrorKind::MissingRequiredArgument)
        );
        assert!(matches!(
            parse(&["server", "set", "description", ""]),
            Ok(Command::Server(ServerCommand::Set(
                ServerSet::Description { .. }
            )))
        ));
    }
}
