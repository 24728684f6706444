//! The composer: a multi-line input with a mode (new message, reply, edit), mentions picked by
//! completion, and the rules that turn its text into a message or a `/` command on Enter.
//! Drawing is in [`crate::ui::composer`]; which key does what is in [`crate::keymap`].

use spectrus_proto::Id;
use spectrus_proto::interactions::AvailableCommand;

use crate::commands::{self, CommandError, SlashCommand};
use crate::completion::{self, Completion, Mentionable};
use crate::keymap::Command;
use crate::textbuf::TextBuffer;

/// What Enter will do with the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComposeMode {
    /// Send a new message.
    #[default]
    New,
    /// Send a reply to this message.
    Reply(Id),
    /// Save an edit of this (our) message.
    Edit(Id),
}

/// What Enter produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Nothing to send.
    Nothing,
    /// A `/` command (or why it is wrong).
    Command(Result<SlashCommand, CommandError>),
    /// A new message or reply; mentions are `<@id>`.
    Message {
        /// The text.
        content: String,
        /// The replied-to message.
        reply_to: Option<Id>,
    },
    /// An edit of our message.
    Edit {
        /// The message.
        message: Id,
        /// The new text.
        content: String,
    },
}

/// The composer's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Composer {
    /// The text and cursor.
    pub buffer: TextBuffer,
    /// New, reply or edit.
    pub mode: ComposeMode,
    /// `@username` → user, for the mentions in the text.
    pub mentions: Vec<(String, Id)>,
    /// A Tab completion in progress.
    pub completion: Option<Completion>,
}

impl Composer {
    /// Applies an editing command; returns false for commands that are not plain editing
    /// (send, cancel, up on the first line...), which the reducer decides.
    pub fn edit(&mut self, cmd: Command) -> bool {
        let b = &mut self.buffer;
        match cmd {
            Command::Newline => b.insert_char('\n'),
            Command::CharLeft => b.left(),
            Command::CharRight => b.right(),
            Command::WordLeft => b.word_left(),
            Command::WordRight => b.word_right(),
            Command::LineStart => b.home(),
            Command::LineEnd => b.end(),
            Command::Backspace => b.backspace(),
            Command::DeleteChar => b.delete(),
            Command::DeleteWord => b.delete_word_before(),
            Command::LineUp => return b.up(),
            Command::LineDown => return b.down(),
            _ => return false,
        }
        self.completion = None;
        true
    }

    /// Types a character.
    pub fn insert_char(&mut self, c: char) {
        self.buffer.insert_char(c);
        self.completion = None;
    }

    /// Pastes text.
    pub fn paste(&mut self, text: &str) {
        self.buffer.insert_str(text);
        self.completion = None;
    }

    /// Completes the word before the cursor, or moves to the next candidate on a repeated
    /// Tab. Returns false when there is nothing to complete.
    pub fn complete(&mut self, people: &[Mentionable], plugins: &[AvailableCommand]) -> bool {
        if self
            .completion
            .as_ref()
            .is_some_and(|c| c.candidates.len() < 2)
        {
            self.completion = None;
        }
        if let Some(c) = &mut self.completion {
            c.index = (c.index + 1) % c.candidates.len();
            let (start, cand) = (c.start, c.candidates[c.index].clone());
            self.buffer.replace_before_cursor(start, &cand.insert);
            self.remember_mention(&cand);
            return true;
        }
        let before = &self.buffer.text()[..self.buffer.cursor()];
        let Some((start, candidates)) = completion::candidates(before, people, plugins) else {
            return false;
        };
        let first = candidates[0].clone();
        self.buffer.replace_before_cursor(start, &first.insert);
        self.remember_mention(&first);
        self.completion = Some(Completion {
            start,
            candidates,
            index: 0,
        });
        true
    }

    fn remember_mention(&mut self, cand: &completion::Candidate) {
        if let Some(id) = cand.user {
            let name = cand.insert.trim().to_owned();
            if !self.mentions.iter().any(|(n, _)| *n == name) {
                self.mentions.push((name, id));
            }
        }
    }

    /// Starts a reply to a message.
    pub fn start_reply(&mut self, message: Id) {
        if matches!(self.mode, ComposeMode::Edit(_)) {
            self.buffer.take();
        }
        self.mode = ComposeMode::Reply(message);
    }

    /// Starts editing one of our messages; `content` has its mentions as `<@id>` and `names`
    /// maps users to their usernames so the text reads `@name` while editing.
    pub fn start_edit(&mut self, message: Id, content: &str, names: &dyn Fn(Id) -> Option<String>) {
        let (text, mentions) = mentions_to_names(content, names);
        self.buffer.set(&text);
        self.mentions = mentions;
        self.mode = ComposeMode::Edit(message);
        self.completion = None;
    }

    /// Esc: leaves reply or edit mode (an edit's text goes too). Returns whether it did anything.
    pub fn cancel(&mut self) -> bool {
        self.completion = None;
        match self.mode {
            ComposeMode::New => false,
            ComposeMode::Reply(_) => {
                self.mode = ComposeMode::New;
                true
            }
            ComposeMode::Edit(_) => {
                self.mode = ComposeMode::New;
                self.buffer.take();
                self.mentions.clear();
                true
            }
        }
    }

    /// Enter: takes the text and tells what to do with it; the composer is left empty and in
    /// new-message mode (unless there was nothing to send).
    pub fn submit(&mut self) -> Submission {
        let raw = self.buffer.text().trim_end().to_owned();
        let mode = self.mode;
        if raw.trim().is_empty() {
            if let ComposeMode::Edit(_) = mode {
                self.cancel();
            }
            return Submission::Nothing;
        }
        let out = match (mode, commands::parse(&raw)) {
            (ComposeMode::Edit(message), _) => Submission::Edit {
                message,
                content: self.resolve_mentions(&raw),
            },
            (_, Some(cmd)) => Submission::Command(cmd),
            (mode, None) => Submission::Message {
                content: self.resolve_mentions(commands::unescape(&raw)),
                reply_to: match mode {
                    ComposeMode::Reply(id) => Some(id),
                    _ => None,
                },
            },
        };
        self.buffer.take();
        self.mentions.clear();
        self.completion = None;
        if !matches!(out, Submission::Command(Ok(SlashCommand::Reply(None)))) {
            self.mode = ComposeMode::New;
        }
        out
    }

    /// Replaces each completed `@username` by `<@id>`.
    pub fn resolve_mentions(&self, text: &str) -> String {
        let mut names = self.mentions.clone();
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        let mut out = text.to_owned();
        for (name, id) in names {
            out = replace_word(&out, &name, &format!("<@{id}>"));
        }
        out
    }
}

/// Replaces `word` where it stands as a whole word (not followed by a name character).
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let after = &rest[i + word.len()..];
        let boundary = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || "_.-".contains(c)));
        out.push_str(&rest[..i]);
        out.push_str(if boundary { with } else { word });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Turns `<@id>` into `@username` for editing, returning the mentions found.
pub fn mentions_to_names(
    content: &str,
    names: &dyn Fn(Id) -> Option<String>,
) -> (String, Vec<(String, Id)>) {
    let mut out = String::new();
    let mut mentions = Vec::new();
    let mut rest = content;
    while let Some(i) = rest.find("<@") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let parsed = tail.find('>').and_then(|end| {
            let id: Id = tail[..end].parse().ok()?;
            Some((id, end))
        });
        match parsed.and_then(|(id, end)| names(id).map(|n| (id, end, n))) {
            Some((id, end, name)) => {
                let at = format!("@{name}");
                out.push_str(&at);
                if !mentions.iter().any(|(n, _)| *n == at) {
                    mentions.push((at, id));
                }
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str("<@");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    (out, mentions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Composer {
        let mut c = Composer::default();
        c.paste(text);
        c
    }

    #[test]
    fn completed_mentions_become_ids_on_send() {
        let people = vec![Mentionable {
            id: Id(42),
            username: "alice".into(),
            aliases: vec![],
            online: true,
        }];
        let mut c = typed("hey @al");
        assert!(c.complete(&people, &[]));
        assert_eq!(c.buffer.text(), "hey @alice ");
        c.paste("and @alice, @alice.x @alicex");
        assert_eq!(
            c.submit(),
            Submission::Message {
                content: "hey <@42> and <@42>, @alice.x @alicex".into(),
                reply_to: None
            }
        );
        assert!(c.buffer.is_empty());
    }

    #[test]
    fn reply_mode_is_sent_along_and_esc_cancels() {
        let mut c = typed("ok");
        c.start_reply(Id(9));
        assert_eq!(
            c.submit(),
            Submission::Message {
                content: "ok".into(),
                reply_to: Some(Id(9))
            }
        );
        assert_eq!(c.mode, ComposeMode::New);
        c.start_reply(Id(9));
        assert!(c.cancel());
        assert_eq!(c.mode, ComposeMode::New);
        assert!(!c.cancel());
    }

    #[test]
    fn editing_shows_names_and_saves_ids() {
        let mut c = Composer::default();
        let names = |id: Id| (id == Id(7)).then(|| "bob".to_owned());
        c.start_edit(Id(3), "hi <@7> and <@8>", &names);
        assert_eq!(c.buffer.text(), "hi @bob and <@8>");
        c.paste("!");
        assert_eq!(
            c.submit(),
            Submission::Edit {
                message: Id(3),
                content: "hi <@7> and <@8>!".into()
            }
        );
        c.start_edit(Id(3), "x", &names);
        assert!(c.cancel());
        assert!(c.buffer.is_empty());
    }

    #[test]
    fn commands_and_escaped_slashes() {
        let mut c = typed("/react 🎉");
        assert_eq!(
            c.submit(),
            Submission::Command(Ok(SlashCommand::React("🎉".into())))
        );
        let mut c = typed("//shrug");
        assert_eq!(
            c.submit(),
            Submission::Message {
                content: "/shrug".into(),
                reply_to: None
            }
        );
        let mut c = typed("   ");
        assert_eq!(c.submit(), Submission::Nothing);
    }
}
