//! The community's structure as one declarative document (`docs/admin-api.md`, "Layout"):
//! export it, and apply it in one transaction (`dry_run` reports the changes without
//! writing). Roles are matched by name, categories by name, channels by (category, name);
//! missing ones are created, differing ones updated and reordered, nothing is deleted.
//!
//! Planning is a pure function over the current roles and channels, so it is unit-tested
//! without a database and runs inside the writer's transaction for consistency.
//!
//! `doc` is the document's shape, `check` what can be checked without the server, `plan` the
//! pure planning, `apply` the use case that writes it.

mod apply;
mod check;
mod doc;
mod plan;

pub(crate) use apply::apply;
pub(crate) use doc::export_from;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// `GET /admin/v1/layout`.
pub(crate) async fn export(state: &AppState) -> Result<serde_json::Value, ApiError> {
    let (roles, channels) = state
        .store
        .read(|c| Ok((store::roles::list(c)?, store::channels::list(c)?)))
        .await?;
    serde_json::to_value(export_from(&roles, &channels))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::doc::{ChannelDoc, Layout, OverwriteDoc};
    use super::plan::{Plan, plan};
    use super::*;
    use serde_json::json;
    use spectrus_proto::Id;
    use spectrus_proto::model::{Channel, Role};
    use spectrus_proto::permissions::PermissionSet;

    fn ids() -> impl Iterator<Item = Id> {
        (1000u64..).map(Id)
    }

    fn everyone() -> Role {
        Role {
            id: Id(1),
            name: "@everyone".into(),
            color: None,
            position: 0,
            permissions: crate::domain::permissions::default_everyone(),
            hoist: false,
            mentionable: false,
            managed_by: None,
        }
    }

    fn doc() -> Layout {
        serde_json::from_value(json!({
            "version": 1,
            "roles": [
                {"name": "@everyone", "permissions": ["channels:view", "messages:send"]},
                {"name": "Moderator", "color": "#e67e22", "hoist": true,
                 "permissions": ["members:kick"]}
            ],
            "channels": [{"name": "lobby", "type": "text"}],
            "categories": [{
                "name": "General",
                "overwrites": [{"role": "@everyone", "deny": ["messages:send"]}],
                "channels": [
                    {"name": "welcome", "topic": "Say hi",
                     "overwrites": [{"role": "Moderator", "allow": ["messages:send"]}]},
                    {"name": "Lounge", "type": "voice", "user_limit": 10, "bitrate": 64000}
                ]
            }]
        }))
        .unwrap()
    }

    /// What the store would hold after writing `plan` over `roles`/`channels`.
    fn written(plan: &Plan, roles: &mut Vec<Role>, channels: &mut Vec<Channel>) {
        for (r, _) in &plan.roles {
            roles.retain(|x| x.id != r.id);
            roles.push(r.clone());
        }
        for (ch, _) in &plan.channels {
            let keep = channels
                .iter()
                .find(|x| x.id == ch.id)
                .map(|x| x.permission_overwrites.clone())
                .unwrap_or_default();
            channels.retain(|x| x.id != ch.id);
            let mut ch = ch.clone();
            ch.permission_overwrites = keep;
            channels.push(ch);
        }
        for (id, o) in &plan.overwrite_puts {
            if let Some(ch) = channels.iter_mut().find(|c| c.id == *id) {
                ch.permission_overwrites.retain(|x| x.role_id != o.role_id);
                ch.permission_overwrites.push(o.clone());
                ch.permission_overwrites.sort_by_key(|o| o.role_id);
            }
        }
        for (id, role) in &plan.overwrite_deletes {
            if let Some(ch) = channels.iter_mut().find(|c| c.id == *id) {
                ch.permission_overwrites.retain(|x| x.role_id != *role);
            }
        }
    }

    #[test]
    fn apply_creates_then_a_second_apply_is_a_no_op_and_export_round_trips() {
        let mut roles = vec![everyone()];
        let mut channels = Vec::new();
        let p = plan(&doc(), &roles, &channels, ids()).unwrap();
        assert!(
            p.changes.contains(&"create role Moderator".to_owned()),
            "{:?}",
            p.changes
        );
        assert!(
            p.changes
                .contains(&"create channel General/welcome".to_owned())
        );
        assert!(
            p.changes
                .contains(&"update role @everyone: permissions".to_owned())
        );
        written(&p, &mut roles, &mut channels);
        let again = plan(&doc(), &roles, &channels, ids()).unwrap();
        assert!(again.changes.is_empty(), "{:?}", again.changes);
        let exported = export_from(&roles, &channels);
        assert_eq!(
            exported.categories[0].channels[0].topic.as_deref(),
            Some("Say hi")
        );
        let third = plan(&exported, &roles, &channels, ids()).unwrap();
        assert!(third.changes.is_empty(), "{:?}", third.changes);
    }

    #[test]
    fn changes_read_like_the_spec() {
        let mut roles = vec![everyone()];
        let mut channels = Vec::new();
        let p = plan(&doc(), &roles, &channels, ids()).unwrap();
        written(&p, &mut roles, &mut channels);
        let mut d = doc();
        d.categories[0].channels[0].topic = Some("Hello".into());
        d.categories[0].channels[0].slowmode_seconds = Some(30);
        d.categories[0].channels.swap(0, 1);
        let p = plan(&d, &roles, &channels, ids()).unwrap();
        assert!(
            p.changes
                .contains(&"update channel General/welcome: topic, slowmode_seconds".to_owned()),
            "{:?}",
            p.changes
        );
        assert!(
            p.changes
                .contains(&"move channel General/welcome to 3".to_owned()),
            "{:?}",
            p.changes
        );
    }

    #[test]
    fn bad_documents_point_at_the_entry() {
        let roles = vec![everyone()];
        let mut d = doc();
        d.categories[0].channels[0].overwrites = Some(vec![OverwriteDoc {
            role: "Ghost".into(),
            ..Default::default()
        }]);
        d.roles[1].permissions = Some(vec!["fly".into()]);
        d.channels.push(ChannelDoc {
            name: "lobby".into(),
            ..Default::default()
        });
        d.channels[0].slowmode_seconds = Some(21_601);
        let e = plan(&d, &roles, &[], ids()).unwrap_err();
        assert!(
            e.contains_key("categories[0].channels[0].overwrites[0].role"),
            "{e:?}"
        );
        assert!(e.contains_key("roles[1].permissions"), "{e:?}");
        assert!(e.contains_key("channels[1].name"), "{e:?}");
        assert!(e.contains_key("channels[0].slowmode_seconds"), "{e:?}");
    }

    #[test]
    fn a_plugin_managed_role_is_left_to_its_plugin() {
        let bot_role = Role {
            id: Id(2),
            name: "Moderator".into(),
            position: 1,
            permissions: PermissionSet::EMPTY,
            managed_by: Some("echo".into()),
            ..everyone()
        };
        let roles = vec![everyone(), bot_role.clone()];
        let e = plan(&doc(), &roles, &[], ids()).unwrap_err();
        assert!(
            e.get("roles[1].name")
                .is_some_and(|m| m.contains("managed by the plugin \"echo\"")),
            "{e:?}"
        );
        // Naming it with what it has already is fine.
        let mut d = doc();
        d.roles[1].permissions = Some(Vec::new());
        d.roles[1].color = None;
        d.roles[1].hoist = None;
        d.categories.clear();
        assert!(plan(&d, &roles, &[], ids()).is_ok());
    }
}
