//! What a Tab completion offers ([`Candidate`]) and the word it replaces
//! ([`current_word`]): shared by the completion engine and the sources it asks
//! ([`crate::plugins`]), so neither imports the other.

use spectrus_proto::Id;

/// One completion: the text to insert and, for a mention, who it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What replaces the word being completed (ends with a space).
    pub insert: String,
    /// The user, for `@` completions.
    pub user: Option<Id>,
    /// What it is, shown in the status line while it is inserted (plugin commands).
    pub hint: Option<String>,
}

/// The word being typed: `(start, word)` for the text before the cursor.
pub fn current_word(before_cursor: &str) -> (usize, &str) {
    let start = before_cursor.rfind(char::is_whitespace).map_or(0, |i| {
        i + before_cursor[i..].chars().next().map_or(1, char::len_utf8)
    });
    (start, &before_cursor[start..])
}
