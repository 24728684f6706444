//! The layout document's shape (what `GET /admin/v1/layout` answers and `PUT` takes), and
//! the document of a server's current roles and channels.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use spectrus_proto::Id;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role};
use spectrus_proto::permissions::PermissionSet;

/// The layout document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Layout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default)]
    pub roles: Vec<RoleDoc>,
    #[serde(default)]
    pub channels: Vec<ChannelDoc>,
    #[serde(default)]
    pub categories: Vec<CategoryDoc>,
}

/// A role in the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleDoc {
    pub name: String,
    /// `#rrggbb`; an empty string clears the colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoist: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentionable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// A role's overwrite, naming the role.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverwriteDoc {
    pub role: String,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

/// A text or voice channel in the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelDoc {
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ChannelType>,
    /// An empty string clears the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u32>,
    /// Seconds between a member's messages; 0 turns slowmode off. Absent leaves it as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowmode_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwrites: Option<Vec<OverwriteDoc>>,
}

/// A category with its channels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryDoc {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwrites: Option<Vec<OverwriteDoc>>,
    #[serde(default)]
    pub channels: Vec<ChannelDoc>,
}

fn perm_names(p: PermissionSet) -> Vec<String> {
    p.to_vec().iter().map(|p| p.as_str().to_owned()).collect()
}

fn overwrites_doc(
    list: &[PermissionOverwrite],
    role_names: &HashMap<Id, String>,
) -> Option<Vec<OverwriteDoc>> {
    let docs: Vec<OverwriteDoc> = list
        .iter()
        .filter_map(|o| {
            Some(OverwriteDoc {
                role: role_names.get(&o.role_id)?.clone(),
                allow: perm_names(o.allow),
                deny: perm_names(o.deny),
            })
        })
        .collect();
    (!docs.is_empty()).then_some(docs)
}

fn channel_doc(c: &Channel, role_names: &HashMap<Id, String>) -> ChannelDoc {
    ChannelDoc {
        name: c.name.clone(),
        kind: Some(c.kind),
        topic: c.topic.clone(),
        user_limit: c.user_limit,
        bitrate: c.bitrate,
        slowmode_seconds: (c.slowmode_seconds > 0).then_some(c.slowmode_seconds),
        overwrites: overwrites_doc(&c.permission_overwrites, role_names),
    }
}

/// The document describing `roles` and `channels` (pure).
pub(crate) fn export_from(roles: &[Role], channels: &[Channel]) -> Layout {
    let mut roles: Vec<&Role> = roles.iter().collect();
    roles.sort_by_key(|r| (r.position, r.id));
    let role_names: HashMap<Id, String> = roles.iter().map(|r| (r.id, r.name.clone())).collect();
    let mut channels: Vec<&Channel> = channels.iter().collect();
    channels.sort_by_key(|c| (c.position, c.id));
    let is_category = |c: &Channel| c.kind == ChannelType::Category;
    Layout {
        version: Some(1),
        roles: roles
            .iter()
            .map(|r| RoleDoc {
                name: r.name.clone(),
                color: r.color.clone(),
                hoist: Some(r.hoist),
                mentionable: Some(r.mentionable),
                permissions: Some(perm_names(r.permissions)),
            })
            .collect(),
        channels: channels
            .iter()
            .filter(|c| !is_category(c) && c.parent_id.is_none())
            .map(|c| channel_doc(c, &role_names))
            .collect(),
        categories: channels
            .iter()
            .filter(|c| is_category(c))
            .map(|cat| CategoryDoc {
                name: cat.name.clone(),
                overwrites: overwrites_doc(&cat.permission_overwrites, &role_names),
                channels: channels
                    .iter()
                    .filter(|c| c.parent_id == Some(cat.id) && !is_category(c))
                    .map(|c| channel_doc(c, &role_names))
                    .collect(),
            })
            .collect(),
    }
}
