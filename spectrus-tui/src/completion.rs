//! Tab-completion in the composer: `@names` of members, `/command` names (the built-in ones
//! first, then the plugins' with their options: [`crate::plugins`]).

use spectrus_proto::Id;

use spectrus_proto::interactions::AvailableCommand;

pub use crate::candidate::{Candidate, current_word};
use crate::commands::COMMANDS;

/// Someone who can be mentioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentionable {
    /// The user.
    pub id: Id,
    /// Their username (inserted as `@username`; unique and without spaces).
    pub username: String,
    /// Other names they go by (display name, nick), also matched.
    pub aliases: Vec<String>,
    /// Online members are offered first.
    pub online: bool,
}

/// A completion in progress: repeated Tab cycles through `candidates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset where the completed word starts.
    pub start: usize,
    /// The choices.
    pub candidates: Vec<Candidate>,
    /// The one inserted now.
    pub index: usize,
}

/// Candidates for the word before the cursor, or none when it is not completable.
pub fn candidates(
    before_cursor: &str,
    people: &[Mentionable],
    plugins: &[AvailableCommand],
) -> Option<(usize, Vec<Candidate>)> {
    let (start, word) = current_word(before_cursor);
    if let Some(prefix) = word.strip_prefix('@') {
        let prefix = prefix.to_lowercase();
        let mut found: Vec<&Mentionable> = people
            .iter()
            .filter(|p| {
                std::iter::once(&p.username)
                    .chain(p.aliases.iter())
                    .any(|n| n.to_lowercase().starts_with(&prefix))
            })
            .collect();
        found.sort_by_key(|p| (!p.online, p.username.clone()));
        let c: Vec<Candidate> = found
            .into_iter()
            .map(|p| Candidate {
                insert: format!("@{} ", p.username),
                user: Some(p.id),
                hint: None,
            })
            .collect();
        return (!c.is_empty()).then_some((start, c));
    }
    if start == 0
        && let Some(prefix) = word.strip_prefix('/')
    {
        let mut c: Vec<Candidate> = COMMANDS
            .iter()
            .filter(|(name, _, _)| name.starts_with(&prefix.to_lowercase()))
            .map(|(name, _, _)| Candidate {
                insert: format!("/{name} "),
                user: None,
                hint: None,
            })
            .collect();
        c.extend(crate::plugins::candidates(before_cursor, plugins));
        return (!c.is_empty()).then_some((start, c));
    }
    let c = crate::plugins::candidates(before_cursor, plugins);
    (!c.is_empty()).then_some((start, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<Mentionable> {
        vec![
            Mentionable {
                id: Id(1),
                username: "alice".into(),
                aliases: vec!["Alice A".into()],
                online: false,
            },
            Mentionable {
                id: Id(2),
                username: "alfred".into(),
                aliases: vec![],
                online: true,
            },
            Mentionable {
                id: Id(3),
                username: "bob".into(),
                aliases: vec!["Captain".into()],
                online: true,
            },
        ]
    }

    #[test]
    fn completes_names_online_first() {
        let (start, c) = candidates("hi @al", &people(), &[]).expect("matches");
        assert_eq!(start, 3);
        assert_eq!(c[0].insert, "@alfred ");
        assert_eq!(c[1].insert, "@alice ");
        let (_, c) = candidates("@capt", &people(), &[]).expect("alias matches");
        assert_eq!(
            c,
            vec![Candidate {
                insert: "@bob ".into(),
                user: Some(Id(3)),
                hint: None,
            }]
        );
        assert!(candidates("hello", &people(), &[]).is_none());
    }

    #[test]
    fn completes_commands_only_at_the_start() {
        let (_, c) = candidates("/re", &[], &[]).expect("commands");
        let names: Vec<&str> = c.iter().map(|c| c.insert.as_str()).collect();
        assert_eq!(names, vec!["/reply ", "/react "]);
        assert!(candidates("say /re", &[], &[]).is_none());
    }
}
