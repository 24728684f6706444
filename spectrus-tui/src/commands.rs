//! `/` commands typed in the composer.

use spectrus_proto::Id;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlashCommand {
    /// `/join [channel]`: join a voice channel (the open/selected one without a name).
    Join(Option<String>),
    /// `/leave`: leave voice.
    Leave,
    /// `/mute`: toggle the microphone.
    Mute,
    /// `/deafen`: toggle deafen.
    Deafen,
    /// `/nick [NAME]`: set (or, without a name, clear) your nickname.
    Nick(Option<String>),
    /// `/reply [text]`: reply to the selected message (send `text` at once if given).
    Reply(Option<String>),
    /// `/react EMOJI`: react to the selected message (the newest when none is selected).
    React(String),
    /// `/invite`: create an invite and show its link.
    Invite,
    /// `/search TEXT`: search messages (the server's query language: `from:`, `in:#`…).
    Search(String),
    /// `/pins`: the open channel's pinned messages.
    Pins,
    /// `/dm NAME`: open (or start) a direct message with a member.
    Dm(String),
    /// `/jump LINK`: open a message link (`…/channels/<cid>/<mid>`) in context.
    Jump(String),
    /// `/upload PATH`: post the file at PATH in the open channel.
    Upload(String),
    /// `/volume @name PERCENT`: how loud one participant plays (0 to [`MAX_VOLUME`]).
    Volume {
        /// The name as typed, without `@`.
        name: String,
        /// Percent (100 = as sent).
        percent: u16,
    },
}

/// The loudest `/volume` (percent).
pub const MAX_VOLUME: u16 = 200;

/// What is wrong with a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No such command.
    #[error(
        "unknown command /{0} (try /join, /leave, /mute, /deafen, /volume, /nick, /reply, /react, /invite, /search, /pins, /jump, /dm, /upload)"
    )]
    Unknown(String),
    /// A required argument is missing.
    #[error("/{command} needs {what}")]
    MissingArgument {
        /// The command.
        command: &'static str,
        /// What it needs.
        what: &'static str,
    },
    /// `/volume` with a level that is not a number from 0 to [`MAX_VOLUME`].
    #[error("/volume takes a level from 0 to {MAX_VOLUME} (percent), not {0:?}")]
    BadVolume(String),
}

/// Every command with its usage and what it does (completion and help read this).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("join", "/join [channel]", "join a voice channel"),
    ("leave", "/leave", "leave voice"),
    ("mute", "/mute", "mute or unmute the microphone"),
    ("deafen", "/deafen", "deafen or undeafen"),
    (
        "volume",
        "/volume @name 0-200",
        "how loud one participant plays (100 = normal)",
    ),
    ("nick", "/nick [name]", "set or clear your nickname"),
    ("reply", "/reply [text]", "reply to the selected message"),
    ("react", "/react emoji", "react to the selected message"),
    ("invite", "/invite", "create an invite link"),
    (
        "search",
        "/search text",
        "search messages (from: in:# has:link …)",
    ),
    ("pins", "/pins", "the channel's pinned messages"),
    ("dm", "/dm name", "open a direct message with a member"),
    ("jump", "/jump link", "open a message link in context"),
    ("upload", "/upload path", "post a file in this channel"),
];

/// Parses composer text: `None` when it is not a command (a message; `//x` sends `/x`).
pub fn parse(text: &str) -> Option<Result<SlashCommand, CommandError>> {
    let rest = text.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    let (name, arg) = match rest.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (rest.trim(), ""),
    };
    let arg = (!arg.is_empty()).then(|| arg.to_owned());
    Some(match name.to_ascii_lowercase().as_str() {
        "join" => Ok(SlashCommand::Join(
            arg.map(|a| a.trim_start_matches('#').to_owned()),
        )),
        "leave" => Ok(SlashCommand::Leave),
        "mute" => Ok(SlashCommand::Mute),
        "deafen" | "deaf" => Ok(SlashCommand::Deafen),
        "nick" => Ok(SlashCommand::Nick(arg)),
        "reply" => Ok(SlashCommand::Reply(arg)),
        "react" => arg
            .map(SlashCommand::React)
            .ok_or(CommandError::MissingArgument {
                command: "react",
                what: "an emoji",
            }),
        "invite" => Ok(SlashCommand::Invite),
        "search" | "find" => arg
            .map(SlashCommand::Search)
            .ok_or(CommandError::MissingArgument {
                command: "search",
                what: "words or filters",
            }),
        "pins" => Ok(SlashCommand::Pins),
        "dm" => match arg {
            Some(a) => Ok(SlashCommand::Dm(a.trim_start_matches('@').to_owned())),
            None => Err(CommandError::MissingArgument {
                command: "dm",
                what: "a member's name",
            }),
        },
        "jump" => arg
            .map(SlashCommand::Jump)
            .ok_or(CommandError::MissingArgument {
                command: "jump",
                what: "a message link",
            }),
        "upload" => arg.map(|a| SlashCommand::Upload(expand_home(&a))).ok_or(
            CommandError::MissingArgument {
                command: "upload",
                what: "a file path",
            },
        ),
        "volume" | "vol" => parse_volume(arg.as_deref().unwrap_or("")),
        other => Err(CommandError::Unknown(other.to_owned())),
    })
}

/// `@name PERCENT` (the `@` and a trailing `%` are optional; names may hold spaces).
fn parse_volume(arg: &str) -> Result<SlashCommand, CommandError> {
    let missing = CommandError::MissingArgument {
        command: "volume",
        what: "a name and a level, e.g. /volume @alice 150",
    };
    let (name, level) = arg
        .trim()
        .rsplit_once(char::is_whitespace)
        .ok_or(missing.clone())?;
    let name = name.trim().trim_start_matches('@').trim();
    if name.is_empty() {
        return Err(missing);
    }
    let percent = level
        .trim_end_matches('%')
        .parse::<u16>()
        .ok()
        .filter(|p| *p <= MAX_VOLUME)
        .ok_or_else(|| CommandError::BadVolume(level.to_owned()))?;
    Ok(SlashCommand::Volume {
        name: name.to_owned(),
        percent,
    })
}

/// `~/x` as `$HOME/x` (the shell is not there to expand it); quotes around a path dropped.
fn expand_home(path: &str) -> String {
    let p = path.trim().trim_matches('"').trim_matches('\'');
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if !home.is_empty() => format!("{home}/{rest}"),
        _ => p.to_owned(),
    }
}

/// The channel and message of a link `…/channels/<cid>/<mid>` (or `<cid>/<mid>`).
pub fn message_link(link: &str) -> Option<(Id, Id)> {
    let tail = link.rsplit_once("/channels/").map_or(link, |(_, t)| t);
    let mut parts = tail.trim().trim_end_matches('/').split('/');
    let cid = parts.next()?.parse::<Id>().ok()?;
    let mid = parts.next()?.parse::<Id>().ok()?;
    parts.next().is_none().then_some((cid, mid))
}

/// The text a message that starts with `//` really sends.
pub fn unescape(text: &str) -> &str {
    if text.starts_with("//") {
        &text[1..]
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_links_name_a_channel_and_a_message() {
        assert_eq!(
            message_link("https://chat.example.org/channels/12/345"),
            Some((Id(12), Id(345)))
        );
        assert_eq!(message_link("12/345/"), Some((Id(12), Id(345))));
        assert_eq!(message_link("https://x/channels/12"), None);
        assert_eq!(message_link("https://x/channels/12/345/6"), None);
        assert_eq!(message_link("nonsense"), None);
        assert_eq!(
            parse("/search"),
            Some(Err(CommandError::MissingArgument {
                command: "search",
                what: "words or filters"
            }))
        );
    }

    #[test]
    fn parses_every_command() {
        assert_eq!(parse("/join"), Some(Ok(SlashCommand::Join(None))));
        assert_eq!(
            parse("/join #lounge"),
            Some(Ok(SlashCommand::Join(Some("lounge".into()))))
        );
        assert_eq!(parse("/leave"), Some(Ok(SlashCommand::Leave)));
        assert_eq!(parse("/mute"), Some(Ok(SlashCommand::Mute)));
        assert_eq!(parse("/deafen"), Some(Ok(SlashCommand::Deafen)));
        assert_eq!(
            parse("/nick  Captain Al "),
            Some(Ok(SlashCommand::Nick(Some("Captain Al".into()))))
        );
        assert_eq!(parse("/nick"), Some(Ok(SlashCommand::Nick(None))));
        assert_eq!(
            parse("/reply sure!"),
            Some(Ok(SlashCommand::Reply(Some("sure!".into()))))
        );
        assert_eq!(
            parse("/react 👍"),
            Some(Ok(SlashCommand::React("👍".into())))
        );
        assert_eq!(parse("/invite"), Some(Ok(SlashCommand::Invite)));
    }

    #[test]
    fn volume_takes_a_name_and_a_percentage() {
        let vol = |name: &str, percent| {
            Some(Ok(SlashCommand::Volume {
                name: name.into(),
                percent,
            }))
        };
        assert_eq!(parse("/volume @alice 150"), vol("alice", 150));
        assert_eq!(parse("/volume bob 0%"), vol("bob", 0));
        assert_eq!(parse("/vol @Captain Al 200"), vol("Captain Al", 200));
        assert_eq!(
            parse("/volume @alice 201"),
            Some(Err(CommandError::BadVolume("201".into())))
        );
        assert_eq!(
            parse("/volume @alice loud"),
            Some(Err(CommandError::BadVolume("loud".into())))
        );
        assert!(matches!(
            parse("/volume @alice"),
            Some(Err(CommandError::MissingArgument { .. }))
        ));
        assert!(matches!(
            parse("/volume"),
            Some(Err(CommandError::MissingArgument { .. }))
        ));
        assert!(matches!(
            parse("/volume 50"),
            Some(Err(CommandError::MissingArgument { .. }))
        ));
    }

    #[test]
    fn non_commands_and_mistakes() {
        assert_eq!(parse("hello /join"), None);
        assert_eq!(parse("//join is a command"), None);
        assert_eq!(unescape("//join"), "/join");
        assert_eq!(
            parse("/fly"),
            Some(Err(CommandError::Unknown("fly".into())))
        );
        assert!(matches!(
            parse("/react"),
            Some(Err(CommandError::MissingArgument { .. }))
        ));
    }
}
