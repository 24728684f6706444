//! Mentions: `<@id>` in message content.

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

#[cfg(test)]
mod tests {
    use super::*;

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
