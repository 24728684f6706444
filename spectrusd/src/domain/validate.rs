//! Input validation: the contract's limits, as pure functions returning field errors.

use std::collections::BTreeMap;

/// Field name → why it was refused.
pub(crate) type FieldErrors = BTreeMap<String, String>;

/// Collects field errors; `finish` turns them into a result.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    errors: FieldErrors,
}

impl Checker {
    /// A checker with no errors.
    pub(crate) fn new() -> Checker {
        Checker::default()
    }

    /// Records `why` for `field` when `ok` is false.
    pub(crate) fn check(&mut self, field: &str, ok: bool, why: impl Into<String>) -> &mut Self {
        if !ok && !self.errors.contains_key(field) {
            self.errors.insert(field.to_owned(), why.into());
        }
        self
    }

    /// Records the result of a field validator.
    pub(crate) fn field(&mut self, field: &str, r: Result<(), String>) -> &mut Self {
        if let Err(why) = r {
            self.errors.entry(field.to_owned()).or_insert(why);
        }
        self
    }

    /// Ok when nothing was recorded.
    pub(crate) fn finish(&mut self) -> Result<(), FieldErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(std::mem::take(&mut self.errors))
        }
    }
}

fn chars_between(s: &str, min: usize, max: usize, what: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n < min || n > max {
        Err(format!("{what} must be {min} to {max} characters"))
    } else {
        Ok(())
    }
}

/// 2..32 of `[a-z0-9_.-]`.
pub(crate) fn username(s: &str) -> Result<(), String> {
    chars_between(s, 2, 32, "username")?;
    if s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
    {
        Ok(())
    } else {
        Err("username may only use a-z, 0-9, '_', '.' and '-'".into())
    }
}

/// Characters a name may not hold: control characters (NUL included), zero-width
/// characters and bidirectional controls (which can make a name read as another, or
/// reorder the text around it).
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The one rule for every name people see (channel, role, nickname, display name, server):
/// not blank, and no control, zero-width or bidirectional control characters.
pub(crate) fn visible_name(s: &str, what: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("{what} must not be blank"));
    }
    if s.chars().any(invisible) {
        return Err(format!(
            "{what} must be visible text: no control, zero-width or text-direction characters"
        ));
    }
    Ok(())
}

/// 1..64 characters of visible text.
pub(crate) fn display_name(s: &str) -> Result<(), String> {
    chars_between(s, 1, 64, "display name")?;
    visible_name(s, "display name")
}

/// 8..256 characters.
pub(crate) fn password(s: &str) -> Result<(), String> {
    chars_between(s, 8, 256, "password")
}

/// 1..100 characters of visible text.
pub(crate) fn channel_name(s: &str) -> Result<(), String> {
    chars_between(s, 1, 100, "channel name")?;
    visible_name(s, "channel name")
}

/// 0..1024 characters.
pub(crate) fn topic(s: &str) -> Result<(), String> {
    chars_between(s, 0, 1024, "topic")
}

/// 1..`max` characters and not only white space.
pub(crate) fn message_content(s: &str, max: usize) -> Result<(), String> {
    chars_between(s, 1, max, "content")?;
    if s.trim().is_empty() {
        return Err("content must not be blank".into());
    }
    Ok(())
}

/// A reaction: one to 32 characters, no white space or control characters (an emoji or `:name:`).
pub(crate) fn emoji(s: &str) -> Result<(), String> {
    chars_between(s, 1, 32, "emoji")?;
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err("emoji must not contain spaces, slashes or control characters".into());
    }
    Ok(())
}

/// A nonce: up to 64 characters.
pub(crate) fn nonce(s: &str) -> Result<(), String> {
    chars_between(s, 1, 64, "nonce")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("alice_01").is_ok());
        assert!(username("a").is_err());
        assert!(username("Alice").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("al ice").is_err());
    }

    #[test]
    fn content_limits_count_characters_not_bytes() {
        assert!(message_content(&"é".repeat(4000), 4000).is_ok());
        assert!(message_content(&"é".repeat(4001), 4000).is_err());
        assert!(message_content("   ", 4000).is_err());
        assert!(message_content("", 4000).is_err());
    }

    #[test]
    fn checker_collects_fields() {
        let mut c = Checker::new();
        c.field("username", username("A"))
            .field("password", password("short"));
        let e = c.finish().unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(Checker::new().field("x", Ok(())).finish().is_ok());
    }

    #[test]
    fn other_limits() {
        assert!(display_name("Alice").is_ok());
        assert!(display_name(" ").is_err());
        assert!(channel_name("general").is_ok());
        assert!(channel_name("").is_err());
        assert!(emoji("👍").is_ok());
        assert!(emoji("a b").is_err());
        assert!(password("12345678").is_ok());
    }
}

/// A role name: 1 to 100 characters, not blank, and not `@everyone` (that one exists once).
pub(crate) fn role_name(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if s.trim().is_empty() || n > 100 {
        return Err("must be 1 to 100 characters".into());
    }
    if s.trim() == "@everyone" {
        return Err("@everyone already exists".into());
    }
    visible_name(s, "role name")
}

/// A role colour: `#rrggbb`.
pub(crate) fn color(s: &str) -> Result<(), String> {
    let ok = s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err("must be #rrggbb".into())
    }
}

/// A nickname: 1 to 64 characters, not blank.
pub(crate) fn nick(s: &str) -> Result<(), String> {
    if s.trim().is_empty() || s.chars().count() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    visible_name(s, "nickname")
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_refuse_invisible_and_direction_characters() {
        for bad in [
            "a\u{0}b",
            "tab\there",
            "zero\u{200B}width",
            "joiner\u{200D}",
            "\u{202E}txet.exe",
            "isolate\u{2066}x",
            "\u{FEFF}bom",
            "   ",
        ] {
            assert!(channel_name(bad).is_err(), "{bad:?}");
            assert!(display_name(bad).is_err(), "{bad:?}");
            assert!(role_name(bad).is_err(), "{bad:?}");
            assert!(nick(bad).is_err(), "{bad:?}");
        }
        for good in ["general", "Zoë's café", "日本語", "emoji 🎉 ❤️", "عربي"] {
            assert!(channel_name(good).is_ok(), "{good:?}");
            assert!(display_name(good).is_ok(), "{good:?}");
            assert!(role_name(good).is_ok(), "{good:?}");
            assert!(nick(good).is_ok(), "{good:?}");
        }
    }
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn role_fields() {
        assert!(role_name("Moderators").is_ok());
        assert!(role_name("  ").is_err());
        assert!(role_name("@everyone").is_err());
        assert!(role_name(&"x".repeat(101)).is_err());
        assert!(color("#a1B2c3").is_ok());
        assert!(color("a1b2c3").is_err());
        assert!(color("#a1b2c").is_err());
        assert!(color("#gggggg").is_err());
        assert!(nick("Bob").is_ok());
        assert!(nick("").is_err());
    }
}
