//! The server's custom emoji in the terminal: `<:name:id>` (message text, reaction keys)
//! shown as `:name:`; typed `:name:` sent as `<:name:id>`; Tab completion of `:prefix`
//! (two characters at least) in the composer; `/react :name:` reacting with one.

use spectrus_proto::model::Emoji;

use crate::completion::{self, Candidate, Completion};
use crate::composer::Composer;

/// Is `s` a custom emoji name (`[a-z0-9_]{2,32}`)?
fn is_name(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The custom emoji wire form at the start of `s`: `(name, id, length)`.
fn wire_at(s: &str) -> Option<(&str, &str, usize)> {
    let rest = s.strip_prefix("<:").or_else(|| s.strip_prefix("<a:"))?;
    let skip = s.len() - rest.len();
    let end = rest.find('>')?;
    let (name, id) = rest[..end].split_once(':')?;
    (is_name(name) && !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()))
        .then_some((name, id, skip + end + 1))
}

/// Text with every `<:name:id>` as `:name:` (the emoji's current name when the server still
/// has it; the written one otherwise).
pub fn to_names(text: &str, emojis: &[Emoji]) -> String {
    if !text.contains("<:") && !text.contains("<a:") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some((name, id, len)) = wire_at(rest) {
            let current = emojis
                .iter()
                .find(|e| e.id.to_string() == id)
                .map_or(name, |e| e.name.as_str());
            out.push(':');
            out.push_str(current);
            out.push(':');
            i += len;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Text with every `:name:` of a custom emoji the server has as `<:name:id>` (not inside
/// inline code or code blocks).
pub fn expand(text: &str, emojis: &[Emoji]) -> String {
    if emojis.is_empty() || !text.contains(':') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for (n, part) in text.split('`').enumerate() {
        if n > 0 {
            out.push('`');
        }
        if n % 2 == 1 {
            // Inside `code` (or a ``` block, whose fences split into empty parts).
            out.push_str(part);
            continue;
        }
        let mut i = 0;
        while i < part.len() {
            let rest = &part[i..];
            if let Some((_, _, len)) = wire_at(rest) {
                out.push_str(&rest[..len]);
                i += len;
                continue;
            }
            if let Some(after) = rest.strip_prefix(':')
                && let Some(end) = after.find(':')
                && let Some(e) = emojis.iter().find(|e| e.name == after[..end])
            {
                out.push_str(&format!("<:{}:{}>", e.name, e.id));
                i += end + 2;
                continue;
            }
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// A reaction named in `/react`: `:name:` of a custom emoji becomes its `<:name:id>`.
pub fn reaction_key(arg: &str, emojis: &[Emoji]) -> String {
    arg.strip_prefix(':')
        .and_then(|a| a.strip_suffix(':'))
        .and_then(|n| emojis.iter().find(|e| e.name == n))
        .map_or_else(|| arg.to_owned(), |e| format!("<:{}:{}>", e.name, e.id))
}

/// Candidates for a `:prefix` (two characters at least) before the cursor: the custom emoji
/// whose names start with it, then those that contain it, as `:name: `.
pub fn candidates(before_cursor: &str, emojis: &[Emoji]) -> Option<(usize, Vec<Candidate>)> {
    let (start, word) = completion::current_word(before_cursor);
    let prefix = word.strip_prefix(':')?.to_lowercase();
    if prefix.len() < 2 || prefix.contains(':') {
        return None;
    }
    let mut found: Vec<&Emoji> = emojis.iter().filter(|e| e.name.contains(&prefix)).collect();
    found.sort_by_key(|e| (!e.name.starts_with(&prefix), e.name.clone()));
    let c: Vec<Candidate> = found
        .into_iter()
        .map(|e| Candidate {
            insert: format!(":{}: ", e.name),
            user: None,
            hint: None,
        })
        .collect();
    (!c.is_empty()).then_some((start, c))
}

/// Tab on a `:prefix`: inserts the first custom emoji (a repeated Tab cycles, as for names).
/// Returns false when there is nothing to complete.
pub fn complete(composer: &mut Composer, emojis: &[Emoji]) -> bool {
    let before = &composer.buffer.text()[..composer.buffer.cursor()];
    let Some((start, candidates)) = candidates(before, emojis) else {
        return false;
    };
    composer
        .buffer
        .replace_before_cursor(start, &candidates[0].insert);
    composer.completion = Some(Completion {
        start,
        candidates,
        index: 0,
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_proto::Id;

    fn list() -> Vec<Emoji> {
        ["party", "parrot", "blob"]
            .iter()
            .enumerate()
            .map(|(i, n)| Emoji {
                id: Id(10 + i as u64),
                name: (*n).into(),
                url: String::new(),
                animated: false,
                still_url: None,
                creator_id: None,
                created_at: String::new(),
            })
            .collect()
    }

    #[test]
    fn wire_form_reads_as_names_and_names_send_as_wire_form() {
        let l = list();
        assert_eq!(
            to_names("hi <:party:10> <:gone:99>!", &l),
            "hi :party: :gone:!"
        );
        assert_eq!(to_names("<:old:12>", &l), ":blob:", "the current name");
        assert_eq!(to_names("a < b <:x", &l), "a < b <:x");
        assert_eq!(
            expand("hi :party: and :nope: `:blob:` <:blob:12>", &l),
            "hi <:party:10> and :nope: `:blob:` <:blob:12>"
        );
        assert_eq!(expand("12:30 :blob:", &l), "12:30 <:blob:12>");
        assert_eq!(reaction_key(":blob:", &l), "<:blob:12>");
        assert_eq!(reaction_key("👍", &l), "👍");
    }

    #[test]
    fn colon_and_two_characters_complete_custom_emoji() {
        let l = list();
        let (start, c) = candidates("look :pa", &l).expect("matches");
        assert_eq!(start, 5);
        let names: Vec<&str> = c.iter().map(|c| c.insert.as_str()).collect();
        assert_eq!(names, [":parrot: ", ":party: "]);
        assert!(
            candidates("look :p", &l).is_none(),
            "two characters at least"
        );
        assert!(candidates("look :zz", &l).is_none());
        let mut comp = Composer::default();
        comp.paste("so :bl");
        assert!(complete(&mut comp, &l));
        assert_eq!(comp.buffer.text(), "so :blob: ");
    }
}
