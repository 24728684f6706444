//! `roles ...`: roles, their permissions and order, and who holds them.

use hyper::Method;
use spectrus_proto::admin::{CreateRole, PatchRole, PermissionInfo, RolePosition};
use spectrus_proto::model::Role;
use spectrus_proto::permissions::PermissionSet;

use crate::cli::{RoleEditArgs, RolesCommand};
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::output::{or_dash, yes};
use crate::table::Table;
use crate::transport::{decode, segment};

/// Runs one `roles` subcommand.
pub async fn run(cmd: &RolesCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        RolesCommand::List => {
            super::show(ctx, "/roles", |roles: &Vec<Role>| roles_table(roles)).await
        }
        RolesCommand::Show { role } => {
            super::show(ctx, &role_route(role), |role: &Role| role_details(role)).await
        }
        RolesCommand::Create {
            name,
            perms,
            color,
            hoist,
            mentionable,
        } => {
            let body = CreateRole {
                name: name.clone(),
                permissions: perms.iter().copied().collect(),
                color: color.clone(),
                hoist: Some(*hoist),
                mentionable: Some(*mentionable),
            };
            let value = ctx.client.call(Method::POST, "/roles", Some(&body)).await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let role: Role = decode(value)?;
            ctx.out
                .line(format!("created role {} (id {})", role.name, role.id))
        }
        RolesCommand::Edit(args) => edit(args, ctx).await,
        RolesCommand::Delete { role } => {
            let value = ctx
                .client
                .call(Method::DELETE, &role_route(role), None::<&()>)
                .await?;
            ctx.out
                .either(&value, |out| out.line(format!("role {role} deleted")))
        }
        RolesCommand::Grant { user, role } => {
            let value = ctx
                .client
                .call(Method::PUT, &member_role_route(user, role), None::<&()>)
                .await?;
            ctx.out.either(&value, |out| {
                out.line(format!("{user} now has role {role}"))
            })
        }
        RolesCommand::Revoke { user, role } => {
            let value = ctx
                .client
                .call(Method::DELETE, &member_role_route(user, role), None::<&()>)
                .await?;
            ctx.out.either(&value, |out| {
                out.line(format!("{user} no longer has role {role}"))
            })
        }
        RolesCommand::Move { role, position } => {
            let current: Role = ctx.client.get_as(&role_route(role)).await?;
            let all: Vec<Role> = ctx.client.get_as("/roles").await?;
            let body = whole_order(&all, &current, *position);
            let value = ctx
                .client
                .call(Method::PATCH, "/roles", Some(&body))
                .await?;
            ctx.out.either(&value, |out| {
                out.line(format!(
                    "role {} moved to position {position}",
                    current.name
                ))
            })
        }
        RolesCommand::Perms => {
            super::show(ctx, "/permissions", |perms: &Vec<PermissionInfo>| {
                perms_table(perms)
            })
            .await
        }
    }
}

async fn edit(args: &RoleEditArgs, ctx: &mut Ctx<'_>) -> Result<()> {
    let route = role_route(&args.role);
    let permissions = if args.no_perms {
        Some(PermissionSet::EMPTY)
    } else if !args.perms.is_empty() {
        Some(args.perms.iter().copied().collect())
    } else if !args.add_perms.is_empty() || !args.remove_perms.is_empty() {
        let current: Role = ctx.client.get_as(&route).await?;
        Some(edited_permissions(current.permissions, args))
    } else {
        None
    };
    let patch = PatchRole {
        name: args.name.clone(),
        permissions,
        color: if args.no_color {
            Some(None)
        } else {
            args.color.clone().map(Some)
        },
        hoist: args.hoist,
        mentionable: args.mentionable,
    };
    if patch == PatchRole::default() {
        return Err(CtlError::Invalid(
            "nothing to change: give --name, --perm, --add-perm, --remove-perm, --no-perms, \
             --color, --no-color, --hoist or --mentionable"
                .to_owned(),
        ));
    }
    let value = ctx.client.call(Method::PATCH, &route, Some(&patch)).await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let role: Role = decode(value)?;
    ctx.out.line(format!("role {} updated", role.name))
}

/// The whole role order (the daemon takes reorders as one consistent order) with `moved`
/// at `position` (1 = just above `@everyone`), the others keeping their relative order.
fn whole_order(all: &[Role], moved: &Role, position: i64) -> Vec<RolePosition> {
    let mut order: Vec<&Role> = all
        .iter()
        .filter(|r| r.position > 0 && r.id != moved.id)
        .collect();
    order.sort_by_key(|r| r.position);
    let at = usize::try_from(position.saturating_sub(1))
        .unwrap_or(0)
        .min(order.len());
    order.insert(at, moved);
    order
        .iter()
        .enumerate()
        .map(|(i, r)| RolePosition {
            id: r.id,
            position: i as i64 + 1,
        })
        .collect()
}

/// `current` with `--add-perm`s added and `--remove-perm`s removed.
pub fn edited_permissions(current: PermissionSet, args: &RoleEditArgs) -> PermissionSet {
    let add: PermissionSet = args.add_perms.iter().copied().collect();
    let remove: PermissionSet = args.remove_perms.iter().copied().collect();
    current.union(add).minus(remove)
}

fn role_route(role: &str) -> String {
    format!("/roles/{}", segment(role))
}

fn member_role_route(user: &str, role: &str) -> String {
    format!("/members/{}/roles/{}", segment(user), segment(role))
}

/// `roles list`: highest position first, the way a member list ranks them.
pub fn roles_table(roles: &[Role]) -> Table {
    let mut sorted: Vec<&Role> = roles.iter().collect();
    sorted.sort_by(|a, b| b.position.cmp(&a.position).then(a.id.cmp(&b.id)));
    let mut t = Table::new([
        "POSITION",
        "ID",
        "NAME",
        "COLOR",
        "HOIST",
        "PERMISSIONS (`roles show NAME` lists all)",
    ]);
    for r in sorted {
        t.row([
            r.position.to_string().as_str(),
            &r.id.to_string(),
            &r.name,
            &or_dash(r.color.as_deref()),
            yes(r.hoist),
            &permission_summary(r),
        ]);
    }
    t
}

/// Up to [`LISTED_PERMISSIONS`] permission names; more are counted, the first ones named.
fn permission_summary(r: &Role) -> String {
    let perms = r.permissions.to_vec();
    let names: Vec<&str> = perms.iter().map(|p| p.as_str()).collect();
    match names.len() {
        0 => "-".to_owned(),
        n if n <= LISTED_PERMISSIONS => names.join(", "),
        n => format!("{n}: {}, ...", names[..LISTED_PERMISSIONS - 1].join(", ")),
    }
}

/// How many permission names `roles list` spells out in a row.
const LISTED_PERMISSIONS: usize = 3;

/// `roles show`: the role and each permission on its own line.
pub fn role_details(r: &Role) -> Table {
    let mut t = Table::headless();
    t.row(["id", &r.id.to_string()]);
    t.row(["name", &r.name]);
    t.row(["position", &r.position.to_string()]);
    t.row(["color", &or_dash(r.color.as_deref())]);
    t.row(["hoist", if r.hoist { "yes" } else { "no" }]);
    t.row(["mentionable", if r.mentionable { "yes" } else { "no" }]);
    if let Some(plugin) = &r.managed_by {
        t.row([
            "managed by",
            &format!("plugin {plugin} (changes with the plugin)"),
        ]);
    }
    let perms = r.permissions.to_vec();
    if perms.is_empty() {
        t.row(["permissions", "-"]);
    }
    for (i, p) in perms.iter().enumerate() {
        t.row([if i == 0 { "permissions" } else { "" }, p.as_str()]);
    }
    t
}

/// `roles perms`.
pub fn perms_table(perms: &[PermissionInfo]) -> Table {
    let mut t = Table::new(["PERMISSION", "DESCRIPTION"]);
    for p in perms {
        t.row([&p.name, &p.description]);
    }
    t
}

#[cfg(test)]
mod tests {
    use spectrus_proto::{Id, Permission};

    use super::*;

    fn role(id: u64, name: &str, position: i64, perms: &[Permission]) -> Role {
        Role {
            id: Id(id),
            name: name.into(),
            color: None,
            position,
            permissions: perms.iter().copied().collect(),
            hoist: false,
            mentionable: false,
            managed_by: None,
        }
    }

    #[test]
    fn list_is_highest_first() {
        let mut m = role(2, "Moderator", 1, &[Permission::MembersKick]);
        m.color = Some("#e67e22".into());
        m.hoist = true;
        let everyone = role(
            1,
            "@everyone",
            0,
            &[Permission::ChannelsView, Permission::MessagesSend],
        );
        assert_eq!(
            roles_table(&[everyone, m]).render(),
            "POSITION  ID  NAME       COLOR    HOIST  PERMISSIONS (`roles show NAME` lists all)\n\
             1         2   Moderator  #e67e22  yes    members:kick\n\
             0         1   @everyone  -               channels:view, messages:send\n"
        );
        let many = role(
            3,
            "Admin",
            2,
            &[
                Permission::MembersKick,
                Permission::MembersBan,
                Permission::MessagesManage,
                Permission::VoiceSpeak,
            ],
        );
        let text = roles_table(&[many]).render();
        assert!(text.contains("  4: "), "{text}");
        assert!(text.ends_with(", ...\n"), "{text}");
    }

    #[test]
    fn details_list_every_permission() {
        let r = role(
            2,
            "Mod",
            1,
            &[Permission::MembersKick, Permission::MessagesManage],
        );
        let text = role_details(&r).render();
        assert!(text.contains("permissions  members:kick\n"), "{text}");
        assert!(text.contains("\n             messages:manage\n"), "{text}");
    }

    #[test]
    fn perms_table_from_the_catalogue() {
        let perms: Vec<PermissionInfo> = Permission::ALL.iter().copied().map(Into::into).collect();
        let text = perms_table(&perms).render();
        assert_eq!(text.lines().count(), Permission::ALL.len() + 1);
        assert!(text.contains("voice:speak"));
    }

    #[test]
    fn add_and_remove_permissions() {
        let args = RoleEditArgs {
            role: "Mod".into(),
            name: None,
            perms: vec![],
            add_perms: vec![Permission::VoiceSpeak],
            remove_perms: vec![Permission::MembersKick],
            no_perms: false,
            color: None,
            no_color: false,
            hoist: None,
            mentionable: None,
        };
        let current: PermissionSet = [Permission::MembersKick, Permission::ChannelsView]
            .into_iter()
            .collect();
        let new = edited_permissions(current, &args);
        assert_eq!(
            new.to_vec(),
            vec![Permission::ChannelsView, Permission::VoiceSpeak]
        );
    }

    #[test]
    fn show_says_which_plugin_manages_a_role() {
        let mut r = role(3, "Echo", 1, &[Permission::MessagesSend]);
        assert!(!role_details(&r).render().contains("managed by"));
        r.managed_by = Some("echo".into());
        let text = role_details(&r).render();
        assert!(
            text.lines()
                .any(|l| l.starts_with("managed by") && l.contains("plugin echo")),
            "{text}"
        );
    }
}
