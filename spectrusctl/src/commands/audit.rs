//! `audit [--limit N] [--action A] [--before ID]`: the audit log, newest first.

use spectrus_proto::model::AuditEntry;

use crate::cli::AuditArgs;
use crate::commands::Ctx;
use crate::error::Result;
use crate::names::Names;
use crate::output::or_dash;
use crate::table::Table;
use crate::transport::{decode, segment};

/// Prints a page of the audit log.
pub async fn run(args: &AuditArgs, ctx: &mut Ctx<'_>) -> Result<()> {
    let value = ctx.client.get(&audit_route(args)).await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let entries: Vec<AuditEntry> = decode(value)?;
    let names = Names::load_or_none(&ctx.client).await;
    ctx.out.table(&audit_table(&entries, &names))
}

/// `/audit-log?limit=...&action=...&before=...`.
pub fn audit_route(args: &AuditArgs) -> String {
    let mut route = format!("/audit-log?limit={}", args.limit);
    if let Some(a) = &args.action {
        route.push_str("&action=");
        route.push_str(&segment(a));
    }
    if let Some(b) = args.before {
        route.push_str(&format!("&before={b}"));
    }
    route
}

/// Who acted: `admin (uid 0)` for the admin socket, the username for a member.
pub fn actor(e: &AuditEntry, names: &Names) -> String {
    match (&e.actor, e.actor_id) {
        (Some(a), _) if a.via == "admin_socket" => format!("admin (uid {})", a.uid),
        (Some(a), _) => format!("{} (uid {})", a.via, a.uid),
        (None, Some(id)) => names.user(id),
        (None, None) => "admin".to_owned(),
    }
}

/// `audit`.
pub fn audit_table(entries: &[AuditEntry], names: &Names) -> Table {
    let mut t = Table::new(["ID", "AT", "ACTOR", "ACTION", "TARGET", "REASON"]);
    for e in entries {
        let target = match (&e.target_type, &e.target_id) {
            (Some(kind), Some(id)) => names.target(kind, id),
            (Some(kind), None) => kind.clone(),
            _ => "-".to_owned(),
        };
        t.row([
            e.id.to_string().as_str(),
            &e.created_at,
            &actor(e, names),
            &e.action,
            &target,
            &or_dash(e.reason.as_deref()),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use spectrus_proto::Id;
    use spectrus_proto::model::AuditActor;

    use super::*;

    fn entry(actor_id: Option<Id>, actor: Option<AuditActor>) -> AuditEntry {
        AuditEntry {
            id: Id(7),
            actor_id,
            actor,
            action: "role.create".into(),
            target_type: Some("role".into()),
            target_id: Some("12".into()),
            reason: None,
            changes: serde_json::json!({}),
            created_at: "2026-03-01T10:00:00Z".into(),
        }
    }

    #[test]
    fn the_admin_socket_actor_shows_its_uid_and_members_their_names() {
        let admin = entry(None, Some(AuditActor::admin_socket(1000)));
        let member = entry(Some(Id(42)), None);
        let mut names = Names::default();
        names.add_user(Id(42), "alice");
        names.add_role(Id(12), "Mod");
        assert_eq!(
            audit_table(&[admin, member], &names).render(),
            "ID  AT                    ACTOR             ACTION       TARGET    REASON\n\
             7   2026-03-01T10:00:00Z  admin (uid 1000)  role.create  role Mod  -\n\
             7   2026-03-01T10:00:00Z  alice             role.create  role Mod  -\n"
        );
    }

    #[test]
    fn route_carries_the_filters() {
        let args = AuditArgs {
            limit: 5,
            action: Some("member.ban".into()),
            before: Some(99),
        };
        assert_eq!(
            audit_route(&args),
            "/audit-log?limit=5&action=member.ban&before=99"
        );
    }
}
