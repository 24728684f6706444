//! Mentions in message content: users `<@id>`, roles `<@&id>`, `@everyone` and `@here`.
//! (Channel links `<#id>` ping nobody; clients render them.)

use spectrus_proto::Id;

/// The distinct user ids mentioned as `<@id>`, in order of first appearance.
pub(crate) fn parse_mentions(content: &str) -> Vec<Id> {
    let mut out: Vec<Id> = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('>') else { break };
        if let Ok(id) = rest[..end].parse::<Id>() {
            if !out.contains(&id) {
                out.push(id);
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The distinct role ids mentioned as `<@&id>`, in order of first appearance.
pub(crate) fn parse_role_mentions(content: &str) -> Vec<Id> {
    let mut out: Vec<Id> = Vec::new();
    for piece in content.split("<@&").skip(1) {
        if let Some((id, _)) = piece.split_once('>')
            && let Ok(id) = id.parse::<Id>()
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

/// Which broad mention the content makes, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broad {
    /// `@everyone`: every member who can see the channel.
    Everyone,
    /// `@here`: those of them who are online.
    Here,
}

/// `@everyone` (wins) or `@here`, as whole words.
pub(crate) fn broad_mention(content: &str) -> Option<Broad> {
    let word = |w: &str| {
        content.match_indices(w).any(|(i, _)| {
            let before = content[..i].chars().next_back();
            let after = content[i + w.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '@')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    if word("@everyone") {
        Some(Broad::Everyone)
    } else if word("@here") {
        Some(Broad::Here)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_role_and_broad_mentions() {
        assert_eq!(
            parse_role_mentions("<@&7> <@8> <@&7> <@&x> <@&9>"),
            vec![Id(7), Id(9)]
        );
        assert_eq!(parse_mentions("<@&7>"), Vec::<Id>::new());
        assert_eq!(broad_mention("hey @everyone!"), Some(Broad::Everyone));
        assert_eq!(broad_mention("@here and @everyone"), Some(Broad::Everyone));
        assert_eq!(broad_mention("@here"), Some(Broad::Here));
        assert_eq!(broad_mention("mail me@everyone.org"), None);
        assert_eq!(broad_mention("@everyones @heretic"), None);
        assert_eq!(broad_mention("plain"), None);
    }

    #[test]
    fn finds_each_mention_once() {
        assert_eq!(
            parse_mentions("hi <@12> and <@34>, <@12>!"),
            vec![Id(12), Id(34)]
        );
        assert!(parse_mentions("<@> <@x> <@12 no close").is_empty());
        assert_eq!(parse_mentions("<@<@5>"), vec![Id(5)]);
    }
}
