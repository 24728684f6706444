//! Whom a message pings: `<@id>` members, `<@&id>` roles (mentionable ones, or any with
//! `messages:mention_everyone`), `@everyone` and `@here` (only with
//! `messages:mention_everyone`; without it the text stays and nobody is pinged). Only members
//! who can see the channel are pinged, never the author.

use spectrus_proto::{Id, Permission};

use crate::domain::mentions::{self, Broad};
use crate::state::AppState;
use crate::store::messages::Mentions;

/// At most this many members named `<@id>` count.
const MAX_USER_MENTIONS: usize = 50;

/// Resolves the mentions of `content`, posted by `author` in `channel`.
pub(crate) fn resolve(state: &AppState, author: Id, channel: Id, content: &str) -> Mentions {
    let users: Vec<Id> = mentions::parse_mentions(content)
        .into_iter()
        .filter(|u| state.access.is_member(*u))
        .take(MAX_USER_MENTIONS)
        .collect();
    let may_broad = state
        .access
        .require_in(author, channel, Permission::MessagesMentionEveryone)
        .is_ok();
    let roles: Vec<Id> = mentions::parse_role_mentions(content)
        .into_iter()
        .filter(|r| {
            state
                .access
                .role(*r)
                .is_some_and(|role| role.mentionable || may_broad)
        })
        .collect();
    let broad = mentions::broad_mention(content).filter(|_| may_broad);
    let mut implied: Vec<Id> = Vec::new();
    if broad.is_some() || !roles.is_empty() {
        let viewers = state.access.viewers(channel);
        let online = (broad == Some(Broad::Here)).then(|| state.hub.online_users());
        for v in viewers.iter() {
            if *v == author || users.contains(v) {
                continue;
            }
            let by_broad = match (broad, &online) {
                (Some(Broad::Everyone), _) => true,
                (Some(Broad::Here), Some(on)) => on.contains(v),
                _ => false,
            };
            let by_role = !roles.is_empty()
                && state
                    .access
                    .member_roles(*v)
                    .is_some_and(|rs| rs.iter().any(|r| roles.contains(r)));
            if by_broad || by_role {
                implied.push(*v);
            }
        }
        implied.sort_unstable();
    }
    Mentions {
        users,
        implied,
        everyone: broad.is_some(),
        roles,
    }
}
