//! `emoji ...`: the server's custom emoji — list, add from an image file, rename, delete.

use base64::Engine;
use hyper::Method;
use spectrus_proto::admin::CreateEmoji;
use spectrus_proto::model::Emoji;
use spectrus_proto::rest::PatchEmoji;

use crate::cli::EmojiCommand;
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::names::Names;
use crate::output::or_dash;
use crate::table::Table;
use crate::transport::{decode, segment};

/// Runs one `emoji` subcommand.
pub async fn run(cmd: &EmojiCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        EmojiCommand::List => {
            let value = ctx.client.get("/emojis").await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let emojis: Vec<Emoji> = decode(value)?;
            let names = Names::load_or_none(&ctx.client).await;
            ctx.out.table(&emoji_table(&emojis, &names))
        }
        EmojiCommand::Add { name, file } => {
            let path = ctx.absolute(file);
            let bytes = std::fs::read(&path)
                .map_err(|e| CtlError::Invalid(format!("cannot read {}: {e}", path.display())))?;
            let body = CreateEmoji {
                name: name.clone(),
                image: base64::engine::general_purpose::STANDARD.encode(bytes),
            };
            let value = ctx
                .client
                .call(Method::POST, "/emojis", Some(&body))
                .await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let emoji: Emoji = decode(value)?;
            ctx.out
                .line(format!("added :{}: (id {})", emoji.name, emoji.id))
        }
        EmojiCommand::Rename { name, new } => {
            let body = PatchEmoji { name: new.clone() };
            let value = ctx
                .client
                .call(Method::PATCH, &emoji_route(name), Some(&body))
                .await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let emoji: Emoji = decode(value)?;
            ctx.out.line(format!(
                ":{}: is now :{}:",
                name.trim_matches(':'),
                emoji.name
            ))
        }
        EmojiCommand::Delete { name } => {
            let value = ctx
                .client
                .call(Method::DELETE, &emoji_route(name), None::<&()>)
                .await?;
            ctx.out.either(&value, |out| {
                out.line(format!(":{}: deleted", name.trim_matches(':')))
            })
        }
    }
}

/// `/emojis/{name or id}` (colons around the name are dropped).
fn emoji_route(name: &str) -> String {
    format!("/emojis/{}", segment(name.trim_matches(':')))
}

/// `emoji list`.
pub fn emoji_table(emojis: &[Emoji], names: &Names) -> Table {
    let mut t = Table::new(["NAME", "ID", "ADDED BY", "ADDED"]);
    for e in emojis {
        t.row([
            format!(":{}:", e.name).as_str(),
            &e.id.to_string(),
            &or_dash(e.creator_id.map(|id| names.user(id))),
            &e.created_at,
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use spectrus_proto::Id;

    use super::*;

    #[test]
    fn list_shows_names_with_colons_and_who_added_them() {
        let a = Emoji {
            id: Id(7),
            name: "party".into(),
            url: "/api/v1/images/ab.png".into(),
            animated: false,
            still_url: None,
            creator_id: Some(Id(9)),
            created_at: "2026-01-25T00:00:00Z".into(),
        };
        let mut b = a.clone();
        b.id = Id(8);
        b.name = "ok".into();
        b.creator_id = None;
        let mut names = Names::default();
        names.add_user(Id(9), "owner");
        assert_eq!(
            emoji_table(&[a, b], &names).render(),
            "NAME     ID  ADDED BY  ADDED\n\
             :party:  7   owner     2026-01-25T00:00:00Z\n\
             :ok:     8   -         2026-01-25T00:00:00Z\n"
        );
    }

    #[test]
    fn routes_take_names_with_or_without_colons() {
        assert_eq!(emoji_route(":party:"), "/emojis/party");
        assert_eq!(emoji_route("123"), "/emojis/123");
    }
}
