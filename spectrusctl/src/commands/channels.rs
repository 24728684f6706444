//! `channels ...`: channels and categories, their order and nesting.

use hyper::Method;
use spectrus_proto::Id;
use spectrus_proto::model::{Channel, ChannelType};
use spectrus_proto::rest::{ChannelPosition, CreateChannel};

use crate::cli::ChannelsCommand;
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::table::Table;
use crate::transport::{decode, segment};

/// Runs one `channels` subcommand.
pub async fn run(cmd: &ChannelsCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        ChannelsCommand::List => {
            super::show(ctx, "/channels", |channels: &Vec<Channel>| {
                channels_table(channels)
            })
            .await
        }
        ChannelsCommand::Create {
            name,
            voice,
            category,
            parent,
        } => {
            let kind = if *voice {
                ChannelType::Voice
            } else if *category {
                ChannelType::Category
            } else {
                ChannelType::Text
            };
            let parent_id = match parent {
                Some(p) => {
                    let all: Vec<Channel> = ctx.client.get_as("/channels").await?;
                    Some(resolve(&all, p, true)?.id)
                }
                None => None,
            };
            let body = CreateChannel {
                parent_id,
                ..CreateChannel::new(name.clone(), kind)
            };
            let value = ctx
                .client
                .call(Method::POST, "/channels", Some(&body))
                .await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let channel: Channel = decode(value)?;
            ctx.out.line(format!(
                "created {} channel {} (id {})",
                channel.kind.as_str(),
                channel.name,
                channel.id
            ))
        }
        ChannelsCommand::Delete { channel } => {
            let route = format!("/channels/{}", segment(channel));
            let value = ctx.client.call(Method::DELETE, &route, None::<&()>).await?;
            ctx.out
                .either(&value, |out| out.line(format!("channel {channel} deleted")))
        }
        ChannelsCommand::Move {
            channel,
            position,
            parent,
            no_parent,
        } => {
            let all: Vec<Channel> = ctx.client.get_as("/channels").await?;
            let target = resolve(&all, channel, false)?;
            let parent_id = match (parent, no_parent) {
                (Some(p), _) => Some(Some(resolve(&all, p, true)?.id)),
                (None, true) => Some(None),
                (None, false) => None,
            };
            let body = [ChannelPosition {
                id: target.id,
                position: *position,
                parent_id,
            }];
            let value = ctx
                .client
                .call(Method::PATCH, "/channels", Some(&body))
                .await?;
            let name = target.name.clone();
            ctx.out.either(&value, |out| {
                out.line(format!("channel {name} moved to position {position}"))
            })
        }
    }
}

/// Finds a channel by id or exact name; with `category`, only categories qualify. A name that
/// several channels share is refused (use the id).
pub fn resolve<'a>(channels: &'a [Channel], query: &str, category: bool) -> Result<&'a Channel> {
    let what = if category { "category" } else { "channel" };
    let eligible = |c: &&Channel| !category || c.kind == ChannelType::Category;
    if let Ok(id) = query.parse::<Id>()
        && let Some(c) = channels.iter().filter(eligible).find(|c| c.id == id)
    {
        return Ok(c);
    }
    let named: Vec<&Channel> = channels
        .iter()
        .filter(eligible)
        .filter(|c| c.name == query)
        .collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(CtlError::Invalid(format!("no {what} named {query:?}"))),
        several => Err(CtlError::Invalid(format!(
            "{} {what}s are named {query:?}; give the id instead ({})",
            several.len(),
            several
                .iter()
                .map(|c| c.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `channels list`: channels outside categories first, then each category followed by its
/// channels (indented), each level in position order.
pub fn channels_table(channels: &[Channel]) -> Table {
    let by_position = |list: &mut Vec<&Channel>| {
        list.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)))
    };
    let mut top: Vec<&Channel> = channels.iter().filter(|c| c.parent_id.is_none()).collect();
    by_position(&mut top);
    // Uncategorised channels first, as clients show them.
    top.sort_by_key(|c| c.kind == ChannelType::Category);
    let mut t = Table::new(["ID", "TYPE", "NAME", "POSITION"]);
    let mut shown = 0;
    for c in &top {
        t.row([
            c.id.to_string().as_str(),
            c.kind.as_str(),
            &c.name,
            &c.position.to_string(),
        ]);
        shown += 1;
        let mut children: Vec<&Channel> = channels
            .iter()
            .filter(|k| k.parent_id == Some(c.id))
            .collect();
        by_position(&mut children);
        for k in children {
            t.row([
                k.id.to_string().as_str(),
                k.kind.as_str(),
                &format!("  {}", k.name),
                &k.position.to_string(),
            ]);
            shown += 1;
        }
    }
    if shown < channels.len() {
        // Children of a parent the daemon did not list: show them rather than hide them.
        for c in channels
            .iter()
            .filter(|c| c.parent_id.is_some_and(|p| !top.iter().any(|t| t.id == p)))
        {
            t.row([
                c.id.to_string().as_str(),
                c.kind.as_str(),
                &c.name,
                &c.position.to_string(),
            ]);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(id: u64, kind: ChannelType, name: &str, parent: Option<u64>, position: i64) -> Channel {
        Channel {
            id: Id(id),
            kind,
            name: name.into(),
            topic: None,
            parent_id: parent.map(Id),
            position,
            permission_overwrites: vec![],
            user_limit: None,
            bitrate: None,
            slowmode_seconds: 0,
        }
    }

    fn sample() -> Vec<Channel> {
        vec![
            ch(10, ChannelType::Category, "Voice", None, 1),
            ch(11, ChannelType::Voice, "Lounge", Some(10), 0),
            ch(1, ChannelType::Category, "General", None, 0),
            ch(3, ChannelType::Text, "random", Some(1), 1),
            ch(2, ChannelType::Text, "welcome", Some(1), 0),
            ch(5, ChannelType::Text, "lobby", None, 0),
            ch(6, ChannelType::Text, "General", Some(1), 2),
        ]
    }

    #[test]
    fn list_nests_channels_under_categories() {
        assert_eq!(
            channels_table(&sample()).render(),
            "ID  TYPE      NAME       POSITION\n\
             5   text      lobby      0\n\
             1   category  General    0\n\
             2   text        welcome  0\n\
             3   text        random   1\n\
             6   text        General  2\n\
             10  category  Voice      1\n\
             11  voice       Lounge   0\n"
        );
    }

    #[test]
    fn orphans_are_still_listed() {
        let list = vec![ch(3, ChannelType::Text, "lost", Some(99), 0)];
        assert!(channels_table(&list).render().contains("lost"));
    }

    #[test]
    fn resolution_by_name_or_id() {
        let all = sample();
        assert_eq!(resolve(&all, "random", false).unwrap().id, Id(3));
        assert_eq!(resolve(&all, "11", false).unwrap().id, Id(11));
        // "General" is both a category and a text channel.
        assert_eq!(resolve(&all, "General", true).unwrap().id, Id(1));
        let e = resolve(&all, "General", false).unwrap_err().to_string();
        assert!(e.contains("2 channels are named"), "{e}");
        assert!(e.contains("1, 6"), "{e}");
        let e = resolve(&all, "random", true).unwrap_err().to_string();
        assert_eq!(e, "no category named \"random\"");
    }
}
