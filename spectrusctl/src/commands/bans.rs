//! `bans ...`: who may not come back.

use hyper::Method;
use spectrus_proto::admin::BanRequest;
use spectrus_proto::model::Ban;

use crate::cli::BansCommand;
use crate::commands::Ctx;
use crate::error::Result;
use crate::output::or_dash;
use crate::table::Table;
use crate::transport::segment;

/// Runs one `bans` subcommand.
pub async fn run(cmd: &BansCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        BansCommand::List => super::show(ctx, "/bans", |bans: &Vec<Ban>| bans_table(bans)).await,
        BansCommand::Add { user, reason } => {
            let body = BanRequest {
                reason: reason.clone(),
            };
            let route = format!("/bans/{}", segment(user));
            let value = ctx.client.call(Method::PUT, &route, Some(&body)).await?;
            ctx.out
                .either(&value, |out| out.line(format!("user {user} banned")))
        }
        BansCommand::Remove { user } => {
            let route = format!("/bans/{}", segment(user));
            let value = ctx.client.call(Method::DELETE, &route, None::<&()>).await?;
            ctx.out
                .either(&value, |out| out.line(format!("ban of {user} lifted")))
        }
    }
}

/// `bans list`.
pub fn bans_table(bans: &[Ban]) -> Table {
    let mut t = Table::new(["ID", "USERNAME", "SINCE", "REASON"]);
    for b in bans {
        t.row([
            b.user.id.to_string().as_str(),
            &b.user.username,
            &b.created_at,
            &or_dash(b.reason.as_deref()),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use spectrus_proto::Id;
    use spectrus_proto::model::UserRef;

    use super::*;

    #[test]
    fn list_table() {
        let b = Ban {
            user: UserRef {
                id: Id(4),
                username: "troll".into(),
                display_name: "T".into(),
                avatar_url: None,
                bot: false,
            },
            reason: Some("spam, twice".into()),
            created_at: "2026-03-01T10:00:00Z".into(),
        };
        let mut c = b.clone();
        c.reason = None;
        assert_eq!(
            bans_table(&[b, c]).render(),
            "ID  USERNAME  SINCE                 REASON\n\
             4   troll     2026-03-01T10:00:00Z  spam, twice\n\
             4   troll     2026-03-01T10:00:00Z  -\n"
        );
    }
}
