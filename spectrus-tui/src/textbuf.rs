//! An editable text buffer with a cursor: the editing core shared by the composer, the login
//! fields and the channel switcher's query.
//!
//! The cursor is a byte offset that always sits on a `char` boundary. Lines are separated by
//! `'\n'`; cursor movement up and down keeps the column in characters.

/// Text plus a cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextBuffer {
    text: String,
    cursor: usize,
}

impl TextBuffer {
    /// An empty buffer.
    pub fn new() -> TextBuffer {
        TextBuffer::default()
    }

    /// A buffer holding `text`, with the cursor at its end.
    pub fn with_text(text: &str) -> TextBuffer {
        TextBuffer {
            text: text.to_owned(),
            cursor: text.len(),
        }
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor as a byte offset into [`TextBuffer::text`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.text.len();
    }

    /// Empties the buffer and returns what it held.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    /// Moves the cursor to a byte offset, clamped and snapped back to a char boundary.
    pub fn set_cursor(&mut self, at: usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        self.cursor = at;
    }

    /// Inserts a character at the cursor.
    pub fn insert_char(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    /// Inserts a string at the cursor (a paste). Carriage returns become newlines.
    pub fn insert_str(&mut self, s: &str) {
        let clean = s.replace("\r\n", "\n").replace('\r', "\n");
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    /// Replaces the byte range `start..self.cursor()` with `with`, leaving the cursor after it.
    pub fn replace_before_cursor(&mut self, start: usize, with: &str) {
        let start = start.min(self.cursor);
        self.text.replace_range(start..self.cursor, with);
        self.cursor = start + with.len();
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if let Some(prev) = self.prev_boundary(self.cursor) {
            self.text.replace_range(prev..self.cursor, "");
            self.cursor = prev;
        }
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) {
        if let Some(next) = self.next_boundary(self.cursor) {
            self.text.replace_range(self.cursor..next, "");
        }
    }

    /// Deletes from the start of the previous word to the cursor (Ctrl+W).
    pub fn delete_word_before(&mut self) {
        let start = self.word_left_of(self.cursor);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// One character left.
    pub fn left(&mut self) {
        if let Some(p) = self.prev_boundary(self.cursor) {
            self.cursor = p;
        }
    }

    /// One character right.
    pub fn right(&mut self) {
        if let Some(n) = self.next_boundary(self.cursor) {
            self.cursor = n;
        }
    }

    /// To the start of the current or previous word.
    pub fn word_left(&mut self) {
        self.cursor = self.word_left_of(self.cursor);
    }

    /// To the end of the current or next word.
    pub fn word_right(&mut self) {
        let rest = &self.text[self.cursor..];
        let mut seen_word = false;
        let mut offset = rest.len();
        for (i, c) in rest.char_indices() {
            if c.is_whitespace() {
                if seen_word {
                    offset = i;
                    break;
                }
            } else {
                seen_word = true;
            }
        }
        self.cursor += offset;
    }

    /// To the start of the current line.
    pub fn home(&mut self) {
        self.cursor = self.line_start(self.cursor);
    }

    /// To the end of the current line.
    pub fn end(&mut self) {
        self.cursor = self.line_end(self.cursor);
    }

    /// Whether the cursor is on the first line.
    pub fn on_first_line(&self) -> bool {
        !self.text[..self.cursor].contains('\n')
    }

    /// Whether the cursor is on the last line.
    pub fn on_last_line(&self) -> bool {
        !self.text[self.cursor..].contains('\n')
    }

    /// One line up, keeping the column; returns false on the first line.
    pub fn up(&mut self) -> bool {
        if self.on_first_line() {
            return false;
        }
        let col = self.column();
        let start = self.line_start(self.cursor);
        let prev_start = self.line_start(start - 1);
        self.cursor = self.advance_chars(prev_start, col, start - 1);
        true
    }

    /// One line down, keeping the column; returns false on the last line.
    pub fn down(&mut self) -> bool {
        if self.on_last_line() {
            return false;
        }
        let col = self.column();
        let next_start = self.line_end(self.cursor) + 1;
        let next_end = self.line_end(next_start);
        self.cursor = self.advance_chars(next_start, col, next_end);
        true
    }

    /// The cursor's line (0-based) and column in characters.
    pub fn cursor_line_col(&self) -> (usize, usize) {
        let line = self.text[..self.cursor].matches('\n').count();
        (line, self.column())
    }

    fn column(&self) -> usize {
        self.text[self.line_start(self.cursor)..self.cursor]
            .chars()
            .count()
    }

    fn advance_chars(&self, from: usize, n: usize, limit: usize) -> usize {
        let mut at = from;
        for (count, (i, c)) in self.text[from..limit].char_indices().enumerate() {
            if count == n {
                return from + i;
            }
            at = from + i + c.len_utf8();
        }
        at.min(limit)
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i)
    }

    fn prev_boundary(&self, at: usize) -> Option<usize> {
        self.text[..at].char_indices().next_back().map(|(i, _)| i)
    }

    fn next_boundary(&self, at: usize) -> Option<usize> {
        self.text[at..].chars().next().map(|c| at + c.len_utf8())
    }

    fn word_left_of(&self, at: usize) -> usize {
        let before = &self.text[..at];
        let mut seen_word = false;
        for (i, c) in before.char_indices().rev() {
            if c.is_whitespace() {
                if seen_word {
                    return i + c.len_utf8();
                }
            } else {
                seen_word = true;
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_keeps_the_cursor_on_char_boundaries() {
        let mut b = TextBuffer::new();
        for c in "héllo wörld".chars() {
            b.insert_char(c);
        }
        b.word_left();
        assert_eq!(&b.text()[b.cursor()..], "wörld");
        b.word_left();
        assert_eq!(b.cursor(), 0);
        b.word_right();
        assert_eq!(&b.text()[..b.cursor()], "héllo");
        b.right();
        b.right();
        b.right();
        b.backspace();
        assert_eq!(b.text(), "héllo wrld");
        b.delete();
        assert_eq!(b.text(), "héllo wld");
        b.end();
        b.delete_word_before();
        assert_eq!(b.text(), "héllo ");
    }

    #[test]
    fn up_and_down_keep_the_column() {
        let mut b = TextBuffer::with_text("abcdef\nxy\nlonger line");
        assert!(b.on_last_line());
        assert!(b.up());
        assert_eq!(b.cursor_line_col(), (1, 2));
        assert!(b.up());
        assert_eq!(b.cursor_line_col(), (0, 2));
        assert!(!b.up());
        b.end();
        assert!(b.down());
        assert_eq!(b.cursor_line_col(), (1, 2));
        b.home();
        assert_eq!(b.cursor_line_col(), (1, 0));
    }

    #[test]
    fn paste_normalises_line_endings() {
        let mut b = TextBuffer::new();
        b.insert_str("a\r\nb\rc");
        assert_eq!(b.text(), "a\nb\nc");
    }
}
