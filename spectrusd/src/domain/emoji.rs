//! Custom emoji names and their wire forms: `:name:` typed, `<:name:id>` in message text
//! and as a reaction key (`name:id` is accepted for a reaction too).

use spectrus_proto::Id;

/// Custom emoji names: 2 to 32 of `[a-z0-9_]`.
pub(crate) fn name(s: &str) -> Result<(), String> {
    let n = s.len();
    if !(2..=32).contains(&n) {
        return Err("must be 2 to 32 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err("may hold only lower-case letters, digits and _".into());
    }
    Ok(())
}

/// A custom emoji named in a reaction key (`<:name:id>`, `<a:name:id>` or `name:id`):
/// its name and id. `None`: not a custom emoji (a unicode one).
pub(crate) fn parse_ref(key: &str) -> Option<(&str, Id)> {
    let inner = key
        .strip_prefix("<:")
        .or_else(|| key.strip_prefix("<a:"))
        .and_then(|k| k.strip_suffix('>'))
        .unwrap_or(key);
    let (n, id) = inner.rsplit_once(':')?;
    let id: u64 = id.parse().ok()?;
    name(n).ok()?;
    Some((n, Id(id)))
}

/// The wire form of a custom emoji: `<:name:id>`.
pub(crate) fn wire(name: &str, id: Id) -> String {
    format!("<:{name}:{}>", id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refs() {
        assert!(name("party_parrot2").is_ok());
        assert!(name("a").is_err());
        assert!(name("Party").is_err());
        assert!(name("no-dash").is_err());
        assert!(name(&"x".repeat(33)).is_err());
        assert_eq!(parse_ref("<:blob:42>"), Some(("blob", Id(42))));
        assert_eq!(parse_ref("blob:42"), Some(("blob", Id(42))));
        assert_eq!(parse_ref("<a:blob:42>"), Some(("blob", Id(42))));
        assert_eq!(parse_ref("👍"), None);
        assert_eq!(parse_ref(":blob:"), None);
        assert_eq!(parse_ref("<:Blob:42>"), None);
        assert_eq!(wire("blob", Id(42)), "<:blob:42>");
    }
}
