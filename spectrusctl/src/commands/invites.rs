//! `invites ...`: links that let people register.

use hyper::Method;
use spectrus_proto::model::Invite;
use spectrus_proto::rest::CreateInvite;

use crate::cli::InvitesCommand;
use crate::commands::Ctx;
use crate::error::Result;
use crate::names::Names;
use crate::output::or_dash;
use crate::table::Table;
use crate::transport::{decode, segment};

/// Runs one `invites` subcommand.
pub async fn run(cmd: &InvitesCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        InvitesCommand::Create { max_uses, expires } => {
            let body = CreateInvite {
                max_uses: *max_uses,
                max_age_seconds: *expires,
            };
            let value = ctx
                .client
                .call(Method::POST, "/invites", Some(&body))
                .await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let invite: Invite = decode(value)?;
            // The app link first, the web link second: `| head -1` picks the app link.
            ctx.out.line(&invite.url)?;
            ctx.out.line(&invite.web_url)
        }
        InvitesCommand::List => {
            let value = ctx.client.get("/invites").await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let invites: Vec<Invite> = decode(value)?;
            let names = Names::load_or_none(&ctx.client).await;
            ctx.out.table(&invites_table(&invites, &names))
        }
        InvitesCommand::Revoke { code } => {
            let route = format!("/invites/{}", segment(code));
            let value = ctx.client.call(Method::DELETE, &route, None::<&()>).await?;
            ctx.out
                .either(&value, |out| out.line(format!("invite {code} revoked")))
        }
    }
}

/// `invites list`.
pub fn invites_table(invites: &[Invite], names: &Names) -> Table {
    let mut t = Table::new(["CODE", "USES", "EXPIRES", "CREATED BY", "LINK"]);
    for i in invites {
        let uses = match i.max_uses {
            Some(max) => format!("{}/{max}", i.uses),
            None => i.uses.to_string(),
        };
        t.row([
            i.code.as_str(),
            &uses,
            &i.expires_at.clone().unwrap_or_else(|| "never".to_owned()),
            &or_dash(i.created_by.map(|id| names.user(id))),
            &i.web_url,
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use spectrus_proto::Id;

    use super::*;

    #[test]
    fn list_shows_uses_and_expiry() {
        let a = Invite {
            code: "aB3x".into(),
            url: "spectrus://join/chat.example.org/aB3x".into(),
            web_url: "https://chat.example.org/invite/aB3x".into(),
            uses: 2,
            max_uses: Some(5),
            expires_at: Some("2026-02-01T00:00:00Z".into()),
            created_by: Some(Id(9)),
            created_at: "2026-01-25T00:00:00Z".into(),
        };
        let mut b = a.clone();
        b.code = "zz".into();
        b.max_uses = None;
        b.expires_at = None;
        b.created_by = None;
        b.web_url = "https://chat.example.org/invite/zz".into();
        let mut names = Names::default();
        names.add_user(Id(9), "owner");
        assert_eq!(
            invites_table(&[a, b], &names).render(),
            "CODE  USES  EXPIRES               CREATED BY  LINK\n\
             aB3x  2/5   2026-02-01T00:00:00Z  owner       https://chat.example.org/invite/aB3x\n\
             zz    2     never                 -           https://chat.example.org/invite/zz\n"
        );
    }
}
