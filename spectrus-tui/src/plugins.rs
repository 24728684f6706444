//! Plugin slash commands in the terminal client: completion candidates for the installed
//! commands (after the built-in ones) and their options, turning `/name option:value …`
//! (quotes allowed) into an invocation typed as the manifest says, and the words for a
//! refused or deferred one. The list comes from `GET /commands` after each `ready`.

use std::collections::BTreeMap;

use serde_json::Value;
use spectrus_proto::interactions::AvailableCommand;

use crate::candidate::{Candidate, current_word};
use crate::commands::COMMANDS;

/// A deferred command waiting for its bot's follow-up ("Echo is thinking…").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thinking {
    /// The interaction (a snowflake: the answer is newer).
    pub id: spectrus_proto::Id,
    /// Where it was run.
    pub channel: spectrus_proto::Id,
    /// The plugin's name.
    pub plugin: String,
    /// Its bot, the author of the answer.
    pub bot: spectrus_proto::Id,
    /// When to stop waiting (app clock, ms).
    pub until_ms: u64,
}

/// How long a deferred command may take: its follow-up token's life.
pub const THINKING_MS: u64 = 15 * 60 * 1000;

/// `(name, rest)` of `/name rest`, or `None` when the text is not a command.
pub fn split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    Some(match rest.split_once(char::is_whitespace) {
        Some((n, r)) => (n, r.trim()),
        None => (rest.trim(), ""),
    })
}

/// True for a built-in command's name (they win over a plugin's command of the same name).
pub fn is_builtin(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    COMMANDS.iter().any(|(n, _, _)| *n == name) || ["deaf", "find", "vol"].contains(&name.as_str())
}

/// The plugin command `name`, unless a built-in has that name.
pub fn find<'a>(commands: &'a [AvailableCommand], name: &str) -> Option<&'a AvailableCommand> {
    if is_builtin(name) {
        return None;
    }
    commands.iter().find(|c| c.name == name)
}

/// One line about a command: `/echo text:<string> — Repeat text (Echo)`; optional options
/// in brackets.
pub fn usage(cmd: &AvailableCommand) -> String {
    let mut out = format!("/{}", cmd.name);
    for o in &cmd.options {
        let opt = format!("{}:<{}>", o.name, o.kind);
        if o.required {
            out.push_str(&format!(" {opt}"));
        } else {
            out.push_str(&format!(" [{opt}]"));
        }
    }
    format!("{out} — {} ({})", cmd.description, cmd.plugin_name)
}

/// Completion after the built-ins: plugin command names while `/name` is typed, then the
/// command's options not given yet.
pub fn candidates(before_cursor: &str, commands: &[AvailableCommand]) -> Vec<Candidate> {
    let Some((name, rest)) = split(before_cursor) else {
        return Vec::new();
    };
    let typing_name = !before_cursor[1..].contains(char::is_whitespace);
    if typing_name {
        let prefix = name.to_lowercase();
        return commands
            .iter()
            .filter(|c| c.name.starts_with(&prefix) && !is_builtin(&c.name))
            .map(|c| Candidate {
                insert: format!("/{} ", c.name),
                user: None,
                hint: Some(usage(c)),
            })
            .collect();
    }
    let Some(cmd) = find(commands, name) else {
        return Vec::new();
    };
    let (_, word) = current_word(before_cursor);
    if word.contains(':') || word.starts_with('"') {
        return Vec::new();
    }
    let given = pairs(rest).map(|p| p.0).unwrap_or_default();
    cmd.options
        .iter()
        .filter(|o| o.name.starts_with(word) && !given.contains(&o.name))
        .map(|o| Candidate {
            insert: format!("{}:", o.name),
            user: None,
            hint: Some(format!(
                "{}: {} {} — {}",
                o.name,
                if o.required { "required" } else { "optional" },
                o.kind,
                o.description
            )),
        })
        .collect()
}

/// `name:value` pairs (a value may be "quoted"), and words that are not pairs.
#[allow(clippy::type_complexity)]
fn pairs(rest: &str) -> Result<(Vec<String>, Vec<(String, String)>), String> {
    let mut names = Vec::new();
    let mut out = Vec::new();
    let mut chars = rest.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == ':' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        if chars.next_if_eq(&':').is_none() {
            return Err(name);
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(c);
            }
        }
        names.push(name.clone());
        out.push((name, value));
    }
    Ok((names, out))
}

/// The options of `/cmd rest`, typed as the manifest says, or words saying what is wrong.
/// With a single string option, bare text is that option (`/echo hello there`).
pub fn options(cmd: &AvailableCommand, rest: &str) -> Result<BTreeMap<String, Value>, String> {
    let single = match cmd.options.as_slice() {
        [o] if o.kind == "string" && !rest.starts_with(&format!("{}:", o.name)) => Some(o),
        _ => None,
    };
    let given = match (single, pairs(rest)) {
        (Some(o), _) if !rest.trim().is_empty() => vec![(o.name.clone(), rest.trim().to_owned())],
        (_, Ok((_, p))) => p,
        (_, Err(word)) => {
            return Err(format!(
                "/{} does not understand {word:?}: give options as name:value",
                cmd.name
            ));
        }
    };
    let mut out = BTreeMap::new();
    for (name, raw) in given {
        let Some(o) = cmd.options.iter().find(|o| o.name == name) else {
            return Err(format!("/{} has no option {name}:", cmd.name));
        };
        let value = match o.kind.as_str() {
            "integer" => Value::from(
                raw.parse::<i64>()
                    .map_err(|_| format!("{name}: must be a whole number"))?,
            ),
            "boolean" => match raw.to_ascii_lowercase().as_str() {
                "true" | "yes" => Value::Bool(true),
                "false" | "no" => Value::Bool(false),
                _ => return Err(format!("{name}: must be true or false")),
            },
            "user" | "channel" => Value::String(
                raw.trim_start_matches("<@")
                    .trim_start_matches("<#")
                    .trim_end_matches('>')
                    .to_owned(),
            ),
            _ => Value::String(raw),
        };
        out.insert(name, value);
    }
    let missing: Vec<String> = cmd
        .options
        .iter()
        .filter(|o| o.required && out.get(&o.name).is_none_or(|v| v.as_str() == Some("")))
        .map(|o| format!("{}:", o.name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing option {} (required by /{})",
            missing.join(", "),
            cmd.name
        ));
    }
    Ok(out)
}

/// Words for a refused invocation, by the error code the server gave.
pub fn refusal(plugin: &str, command: &str, code: Option<&str>, message: &str) -> String {
    match code {
        Some("unknown_command") => format!("unknown command /{command}"),
        Some("plugin_unavailable") => {
            format!("{plugin} is not answering right now (plugin unavailable)")
        }
        Some("invalid_options") => format!("/{command}: {message}"),
        _ => format!("/{command} failed: {message}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;
    use spectrus_proto::Id;
    use spectrus_proto::admin::CommandOption;

    fn echo() -> AvailableCommand {
        AvailableCommand {
            plugin_id: "echo".into(),
            plugin_name: "Echo".into(),
            bot_id: Id(9),
            name: "echo".into(),
            description: "Repeat text".into(),
            options: vec![CommandOption {
                name: "text".into(),
                description: "What to say".into(),
                kind: "string".into(),
                required: true,
            }],
        }
    }

    fn roll() -> AvailableCommand {
        AvailableCommand {
            name: "roll".into(),
            description: "Roll dice".into(),
            options: vec![
                CommandOption {
                    name: "sides".into(),
                    description: "How many".into(),
                    kind: "integer".into(),
                    required: true,
                },
                CommandOption {
                    name: "loud".into(),
                    description: "Shout".into(),
                    kind: "boolean".into(),
                    required: false,
                },
            ],
            ..echo()
        }
    }

    #[test]
    fn options_parse_with_quotes_types_and_errors() {
        let got = options(&echo(), r#"text:"hello there""#).unwrap();
        assert_eq!(got["text"], json!("hello there"));
        assert_eq!(
            options(&echo(), "hello there").unwrap()["text"],
            json!("hello there")
        );
        let got = options(&roll(), "sides:6 loud:true").unwrap();
        assert_eq!(got["sides"], json!(6));
        assert_eq!(got["loud"], json!(true));
        assert_eq!(
            options(&roll(), "loud:true").unwrap_err(),
            "missing option sides: (required by /roll)"
        );
        assert_eq!(
            options(&roll(), "sides:many").unwrap_err(),
            "sides: must be a whole number"
        );
        assert!(
            options(&roll(), "size:6")
                .unwrap_err()
                .contains("no option size:")
        );
    }

    #[test]
    fn completion_offers_commands_then_missing_options() {
        let cmds = [echo(), roll()];
        let c = candidates("/e", &cmds);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].insert, "/echo ");
        assert_eq!(
            c[0].hint.as_deref(),
            Some("/echo text:<string> — Repeat text (Echo)")
        );
        let c = candidates("/roll sides:6 ", &cmds);
        assert_eq!(
            c.iter().map(|c| c.insert.as_str()).collect::<Vec<_>>(),
            ["loud:"]
        );
        assert!(candidates("/roll sides:", &cmds).is_empty());
        // A built-in's name is never taken over.
        let join = AvailableCommand {
            name: "join".into(),
            ..echo()
        };
        assert!(find(&[join], "join").is_none());
    }
}
