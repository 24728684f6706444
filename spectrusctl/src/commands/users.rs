//! `users ...`: accounts, passwords, the owner.

use std::io::BufRead;

use hyper::Method;
use spectrus_proto::admin::{AdminUser, CreateUser, CreatedUser, PasswordReset, ResetPassword};

use crate::cli::UsersCommand;
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::output::yes;
use crate::table::Table;
use crate::transport::{decode, segment};

/// Runs one `users` subcommand.
pub async fn run(cmd: &UsersCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        UsersCommand::List => {
            super::show(ctx, "/users", |users: &Vec<AdminUser>| users_table(users)).await
        }
        UsersCommand::Show { user } => {
            super::show(
                ctx,
                &format!("/users/{}", segment(user)),
                |user: &AdminUser| user_details(user),
            )
            .await
        }
        UsersCommand::Create {
            name,
            password_stdin,
            display_name,
        } => {
            let password = if *password_stdin {
                Some(read_password(ctx.stdin)?)
            } else {
                None
            };
            let body = CreateUser {
                username: name.clone(),
                password,
                display_name: display_name.clone(),
            };
            let value = ctx.client.call(Method::POST, "/users", Some(&body)).await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let created: CreatedUser = decode(value)?;
            ctx.out.line(format!(
                "created user {} (id {})",
                created.user.username, created.user.id
            ))?;
            if let Some(password) = created.password {
                ctx.out.line(format!("password: {password}"))?;
                ctx.out
                    .line("(shown once: hand it over and ask for a change at first login)")?;
            }
            Ok(())
        }
        UsersCommand::ResetPassword {
            user,
            password_stdin,
        } => {
            let body = ResetPassword {
                password: if *password_stdin {
                    Some(read_password(ctx.stdin)?)
                } else {
                    None
                },
            };
            let route = format!("/users/{}/reset-password", segment(user));
            let value = ctx.client.call(Method::POST, &route, Some(&body)).await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            if *password_stdin {
                ctx.out.line(format!(
                    "password of {user} changed; their sessions were closed"
                ))
            } else {
                let reset: PasswordReset = decode(value)?;
                ctx.out.line(format!(
                    "password of {user} reset; their sessions were closed"
                ))?;
                ctx.out.line(format!("password: {}", reset.password))?;
                ctx.out
                    .line("(shown once: hand it over and ask for a change at first login)")
            }
        }
        UsersCommand::Disable { user } => {
            simple(ctx, Method::POST, user, "/disable", "disabled").await
        }
        UsersCommand::Enable { user } => {
            simple(ctx, Method::POST, user, "/enable", "enabled").await
        }
        UsersCommand::Delete { user } => simple(ctx, Method::DELETE, user, "", "deleted").await,
        UsersCommand::SetOwner { user } => {
            simple(ctx, Method::POST, user, "/set-owner", "is now the owner").await
        }
    }
}

/// A call on `/users/{user}{suffix}` that answers with nothing or the user.
async fn simple(
    ctx: &mut Ctx<'_>,
    method: Method,
    user: &str,
    suffix: &str,
    done: &str,
) -> Result<()> {
    let route = format!("/users/{}{suffix}", segment(user));
    let value = ctx.client.call(method, &route, None::<&()>).await?;
    ctx.out
        .either(&value, |out| out.line(format!("user {user} {done}")))
}

/// Reads a password from the first line of `input` (without its line ending).
pub fn read_password(input: &mut dyn BufRead) -> Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| CtlError::io("reading the password from standard input", e))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(CtlError::Invalid(
            "no password on standard input (--password-stdin reads its first line)".to_owned(),
        ));
    }
    Ok(password)
}

/// `users list` as a table.
pub fn users_table(users: &[AdminUser]) -> Table {
    let mut t = Table::new([
        "ID",
        "USERNAME",
        "DISPLAY NAME",
        "OWNER",
        "DISABLED",
        "CREATED",
    ]);
    for u in users {
        t.row([
            u.id.to_string().as_str(),
            &u.username,
            &u.display_name,
            yes(u.owner),
            yes(u.disabled),
            &u.created_at,
        ]);
    }
    t
}

/// `users show` as key/value lines.
pub fn user_details(u: &AdminUser) -> Table {
    let mut t = Table::headless();
    t.row(["id", &u.id.to_string()]);
    t.row(["username", &u.username]);
    t.row(["display name", &u.display_name]);
    t.row(["owner", if u.owner { "yes" } else { "no" }]);
    t.row(["disabled", if u.disabled { "yes" } else { "no" }]);
    t.row(["created", &u.created_at]);
    t
}

#[cfg(test)]
mod tests {
    use spectrus_proto::Id;

    use super::*;

    fn alice() -> AdminUser {
        AdminUser {
            id: Id(101),
            username: "alice".into(),
            display_name: "Alice".into(),
            owner: true,
            disabled: false,
            created_at: "2026-01-02T03:04:05Z".into(),
        }
    }

    #[test]
    fn list_table() {
        let mut bob = alice();
        bob.id = Id(7);
        bob.username = "bob".into();
        bob.display_name = "Bob the Builder".into();
        bob.owner = false;
        bob.disabled = true;
        assert_eq!(
            users_table(&[alice(), bob]).render(),
            "ID   USERNAME  DISPLAY NAME     OWNER  DISABLED  CREATED\n\
             101  alice     Alice            yes              2026-01-02T03:04:05Z\n\
             7    bob       Bob the Builder         yes       2026-01-02T03:04:05Z\n"
        );
    }

    #[test]
    fn details_table() {
        let text = user_details(&alice()).render();
        assert!(text.starts_with("id            101\n"), "{text}");
        assert!(text.contains("owner         yes\n"), "{text}");
    }

    #[test]
    fn password_is_the_first_line() {
        let mut input: &[u8] = b"s3cret pass\r\nignored\n";
        assert_eq!(read_password(&mut input).unwrap(), "s3cret pass");
        let mut empty: &[u8] = b"\n";
        assert!(read_password(&mut empty).is_err());
        let mut eof: &[u8] = b"";
        assert!(read_password(&mut eof).is_err());
    }
}
