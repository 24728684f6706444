//! The community's structure as one declarative document (`docs/admin-api.md`, "Layout"):
//! export it, and apply it in one transaction (`dry_run` reports the changes without
//! writing). Roles are matched by name, categories by name, channels by (category, name);
//! missing ones are created, differing ones updated and reordered, nothing is deleted.
//!
//! Planning is a pure function over the current roles and channels, so it is unit-tested
//! without a database and runs inside the writer's transaction for consistency.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use spectrus_proto::gateway::event;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role};
use spectrus_proto::permissions::PermissionSet;
use spectrus_proto::{Id, Permission};

use super::{Actor, audit};
use crate::domain::validate::{self, FieldErrors};
use crate::error::ApiError;
use crate::gateway::Audience;
use crate::state::AppState;
use crate::store::{self, StoreError};

/// The layout document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layout {
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
pub struct RoleDoc {
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
pub struct OverwriteDoc {
    pub role: String,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

/// A text or voice channel in the document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChannelDoc {
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwrites: Option<Vec<OverwriteDoc>>,
}

/// A category with its channels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CategoryDoc {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwrites: Option<Vec<OverwriteDoc>>,
    #[serde(default)]
    pub channels: Vec<ChannelDoc>,
}

/// What applying a document does.
#[derive(Debug, Default)]
pub struct Plan {
    /// One human line per change.
    pub changes: Vec<String>,
    /// Roles to write (new or changed), with whether each is new.
    pub roles: Vec<(Role, bool)>,
    /// Channels to write (categories first), with whether each is new.
    pub channels: Vec<(Channel, bool)>,
    /// Overwrites to set.
    pub overwrite_puts: Vec<(Id, PermissionOverwrite)>,
    /// Overwrites to remove: (channel, role).
    pub overwrite_deletes: Vec<(Id, Id)>,
}

// ---------------------------------------------------------------- export

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
        overwrites: overwrites_doc(&c.permission_overwrites, role_names),
    }
}

/// The document describing `roles` and `channels` (pure).
pub fn export_from(roles: &[Role], channels: &[Channel]) -> Layout {
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

/// `GET /admin/v1/layout`.
pub async fn export(state: &AppState) -> Result<serde_json::Value, ApiError> {
    let (roles, channels) = state
        .store
        .read(|c| Ok((store::roles::list(c)?, store::channels::list(c)?)))
        .await?;
    serde_json::to_value(export_from(&roles, &channels))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

// ---------------------------------------------------------------- validation

fn parse_perms(list: &[String], field: &str, errors: &mut FieldErrors) -> PermissionSet {
    let mut set = PermissionSet::default();
    for p in list {
        match p.parse::<Permission>() {
            Ok(p) => set.insert(p),
            Err(_) => {
                errors.insert(field.to_owned(), format!("unknown permission {p:?}"));
            }
        }
    }
    set
}

fn check_channel(ch: &ChannelDoc, at: &str, errors: &mut FieldErrors) {
    if let Err(e) = validate::channel_name(&ch.name) {
        errors.insert(format!("{at}.name"), e);
    }
    if ch.kind == Some(ChannelType::Category) {
        errors.insert(
            format!("{at}.type"),
            "categories go under `categories`".into(),
        );
    }
    if let Some(t) = ch.topic.as_deref().filter(|t| !t.is_empty())
        && let Err(e) = validate::topic(t)
    {
        errors.insert(format!("{at}.topic"), e);
    }
    if ch.user_limit.is_some_and(|l| !(1..=99).contains(&l)) {
        errors.insert(format!("{at}.user_limit"), "must be 1 to 99".into());
    }
    if ch.bitrate.is_some_and(|b| !(8_000..=510_000).contains(&b)) {
        errors.insert(format!("{at}.bitrate"), "must be 8000 to 510000".into());
    }
}

/// Checks what can be checked without the server's state.
fn check_document(doc: &Layout, errors: &mut FieldErrors) {
    if doc.version.is_some_and(|v| v != 1) {
        errors.insert("version".into(), "only version 1 is understood".into());
    }
    let mut seen = HashSet::new();
    for (i, r) in doc.roles.iter().enumerate() {
        let at = format!("roles[{i}]");
        if !seen.insert(r.name.as_str()) {
            errors.insert(
                format!("{at}.name"),
                format!("role {:?} appears twice", r.name),
            );
        }
        if r.name == "@everyone" && i != 0 {
            errors.insert(format!("{at}.name"), "@everyone comes first".into());
        }
        if r.name.is_empty() || r.name.chars().count() > 100 {
            errors.insert(format!("{at}.name"), "must be 1 to 100 characters".into());
        }
        if let Some(c) = r.color.as_deref().filter(|c| !c.is_empty()) {
            let ok = c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
            if !ok {
                errors.insert(format!("{at}.color"), "must look like #e67e22".into());
            }
        }
    }
    let mut top = HashSet::new();
    for (i, ch) in doc.channels.iter().enumerate() {
        let at = format!("channels[{i}]");
        check_channel(ch, &at, errors);
        if !top.insert(ch.name.as_str()) {
            errors.insert(
                format!("{at}.name"),
                format!("channel {:?} appears twice", ch.name),
            );
        }
    }
    let mut cats = HashSet::new();
    for (i, cat) in doc.categories.iter().enumerate() {
        let at = format!("categories[{i}]");
        if let Err(e) = validate::channel_name(&cat.name) {
            errors.insert(format!("{at}.name"), e);
        }
        if !cats.insert(cat.name.as_str()) {
            errors.insert(
                format!("{at}.name"),
                format!("category {:?} appears twice", cat.name),
            );
        }
        let mut inside = HashSet::new();
        for (j, ch) in cat.channels.iter().enumerate() {
            let at = format!("{at}.channels[{j}]");
            check_channel(ch, &at, errors);
            if !inside.insert(ch.name.as_str()) {
                errors.insert(
                    format!("{at}.name"),
                    format!("channel {:?} appears twice", ch.name),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- planning

struct Planner<'a, I: Iterator<Item = Id>> {
    ids: I,
    errors: FieldErrors,
    plan: Plan,
    role_ids: HashMap<String, Id>,
    current: &'a [Channel],
}

impl<I: Iterator<Item = Id>> Planner<'_, I> {
    fn next_id(&mut self) -> Id {
        self.ids.next().unwrap_or_default()
    }

    fn overwrites(&mut self, list: &[OverwriteDoc], at: &str) -> Vec<PermissionOverwrite> {
        let mut out: Vec<PermissionOverwrite> = Vec::new();
        for (k, o) in list.iter().enumerate() {
            let at = format!("{at}.overwrites[{k}]");
            let Some(role_id) = self.role_ids.get(&o.role).copied() else {
                self.errors
                    .insert(format!("{at}.role"), format!("no role named {:?}", o.role));
                continue;
            };
            let allow = parse_perms(&o.allow, &format!("{at}.allow"), &mut self.errors);
            let deny = parse_perms(&o.deny, &format!("{at}.deny"), &mut self.errors);
            out.retain(|x| x.role_id != role_id);
            out.push(PermissionOverwrite {
                role_id,
                allow,
                deny,
            });
        }
        out
    }

    /// Plans overwrites of an existing channel: returns whether they differ.
    fn overwrite_diff(
        &mut self,
        ch: Id,
        current: &[PermissionOverwrite],
        want: Vec<PermissionOverwrite>,
    ) -> bool {
        let mut changed = false;
        for c in current {
            if !want.iter().any(|w| w.role_id == c.role_id) {
                self.plan.overwrite_deletes.push((ch, c.role_id));
                changed = true;
            }
        }
        for w in want {
            if !current.contains(&w) {
                self.plan.overwrite_puts.push((ch, w));
                changed = true;
            }
        }
        changed
    }

    /// Plans one text/voice channel (or a category when `kind` is `Category`).
    #[allow(clippy::too_many_arguments)]
    fn channel(
        &mut self,
        doc: &ChannelDoc,
        kind_default: ChannelType,
        parent: Option<Id>,
        label: String,
        position: i64,
        at: &str,
    ) -> Id {
        let is_cat = kind_default == ChannelType::Category;
        let existing = self
            .current
            .iter()
            .filter(|c| c.name == doc.name)
            .filter(|c| {
                if is_cat {
                    c.kind == ChannelType::Category
                } else {
                    c.kind != ChannelType::Category && c.parent_id == parent
                }
            })
            .min_by_key(|c| (c.position, c.id))
            .cloned();
        let noun = if is_cat { "category" } else { "channel" };
        let want_overwrites = doc.overwrites.as_ref().map(|o| self.overwrites(o, at));
        let Some(before) = existing else {
            let id = self.next_id();
            let ch = Channel {
                id,
                kind: doc.kind.unwrap_or(kind_default),
                name: doc.name.clone(),
                topic: doc.topic.clone().filter(|t| !t.is_empty()),
                parent_id: parent,
                position,
                permission_overwrites: Vec::new(),
                user_limit: doc.user_limit,
                bitrate: doc.bitrate,
            };
            self.plan.changes.push(format!("create {noun} {label}"));
            for o in want_overwrites.unwrap_or_default() {
                self.plan.overwrite_puts.push((id, o));
            }
            self.plan.channels.push((ch, true));
            return id;
        };
        if let Some(k) = doc.kind
            && k != before.kind
        {
            self.errors.insert(
                format!("{at}.type"),
                format!("{label} exists as a {} channel", before.kind.as_str()),
            );
        }
        let mut ch = before.clone();
        let mut fields = Vec::new();
        if let Some(t) = &doc.topic {
            let t = Some(t.clone()).filter(|t| !t.is_empty());
            if t != ch.topic {
                ch.topic = t;
                fields.push("topic");
            }
        }
        if doc.user_limit.is_some() && doc.user_limit != ch.user_limit {
            ch.user_limit = doc.user_limit;
            fields.push("user_limit");
        }
        if doc.bitrate.is_some() && doc.bitrate != ch.bitrate {
            ch.bitrate = doc.bitrate;
            fields.push("bitrate");
        }
        if let Some(want) = want_overwrites
            && self.overwrite_diff(ch.id, &before.permission_overwrites, want)
        {
            fields.push("overwrites");
        }
        if !fields.is_empty() {
            self.plan
                .changes
                .push(format!("update {noun} {label}: {}", fields.join(", ")));
        }
        let moved = ch.position != position;
        if moved {
            ch.position = position;
            self.plan
                .changes
                .push(format!("move {noun} {label} to {position}"));
        }
        if moved || fields.iter().any(|f| *f != "overwrites") {
            self.plan.channels.push((ch, false));
        }
        before.id
    }
}

/// Plans applying `doc` to a server holding `roles` and `channels`; `ids` supplies ids for
/// what gets created. Pure: the caller writes the plan.
pub fn plan(
    doc: &Layout,
    roles: &[Role],
    channels: &[Channel],
    ids: impl Iterator<Item = Id>,
) -> Result<Plan, FieldErrors> {
    let mut errors = FieldErrors::new();
    check_document(doc, &mut errors);
    let mut p = Planner {
        ids,
        errors,
        plan: Plan::default(),
        role_ids: roles.iter().map(|r| (r.name.clone(), r.id)).collect(),
        current: channels,
    };

    // Roles: the document's order, lowest first; roles it does not name keep their relative
    // order above them. `@everyone` stays at 0.
    if !doc.roles.is_empty() {
        let mut current: Vec<&Role> = roles.iter().collect();
        current.sort_by_key(|r| (r.position, r.id));
        let mut order: Vec<(Role, Option<Role>, Vec<&str>)> = Vec::new();
        for (i, d) in doc.roles.iter().enumerate() {
            let at = format!("roles[{i}]");
            let existing = current
                .iter()
                .find(|r| r.name == d.name)
                .map(|r| (*r).clone());
            let perms = d
                .permissions
                .as_ref()
                .map(|l| parse_perms(l, &format!("{at}.permissions"), &mut p.errors));
            let mut r = existing.clone().unwrap_or_else(|| Role {
                id: Id(0),
                name: d.name.clone(),
                color: None,
                position: -1,
                permissions: PermissionSet::default(),
                hoist: false,
                mentionable: false,
            });
            let mut fields = Vec::new();
            if let Some(perms) = perms
                && perms != r.permissions
            {
                r.permissions = perms;
                fields.push("permissions");
            }
            if let Some(c) = &d.color {
                let c = Some(c.clone()).filter(|c| !c.is_empty());
                if c != r.color {
                    r.color = c;
                    fields.push("color");
                }
            }
            if let Some(h) = d.hoist.filter(|h| *h != r.hoist) {
                r.hoist = h;
                fields.push("hoist");
            }
            if let Some(m) = d.mentionable.filter(|m| *m != r.mentionable) {
                r.mentionable = m;
                fields.push("mentionable");
            }
            if existing.is_none() {
                r.id = p.next_id();
                p.role_ids.insert(r.name.clone(), r.id);
            }
            order.push((r, existing, fields));
        }
        let everyone = current
            .iter()
            .find(|r| r.position == 0)
            .map(|r| (*r).clone());
        let named: HashSet<&str> = doc.roles.iter().map(|r| r.name.as_str()).collect();
        let mut final_order: Vec<(Role, Option<Role>, Vec<&str>)> = Vec::new();
        if let Some(e) = everyone.filter(|e| !named.contains(e.name.as_str())) {
            final_order.push((e.clone(), Some(e), Vec::new()));
        }
        final_order.extend(order);
        for r in current
            .iter()
            .filter(|r| r.position != 0 && !named.contains(r.name.as_str()))
        {
            final_order.push(((*r).clone(), Some((*r).clone()), Vec::new()));
        }
        for (pos, (mut r, existing, fields)) in final_order.into_iter().enumerate() {
            let pos = pos as i64;
            match existing {
                None => {
                    r.position = pos;
                    p.plan.changes.push(format!("create role {}", r.name));
                    p.plan.roles.push((r, true));
                }
                Some(before) => {
                    if !fields.is_empty() {
                        p.plan.changes.push(format!(
                            "update role {}: {}",
                            r.name,
                            fields.join(", ")
                        ));
                    }
                    if before.position != pos {
                        p.plan
                            .changes
                            .push(format!("move role {} to {pos}", r.name));
                    }
                    r.position = pos;
                    if r != before {
                        p.plan.roles.push((r, false));
                    }
                }
            }
        }
    }

    // Channels: top-level ones first, then each category followed by its channels.
    let mut position = 0i64;
    for (i, ch) in doc.channels.iter().enumerate() {
        let at = format!("channels[{i}]");
        p.channel(ch, ChannelType::Text, None, ch.name.clone(), position, &at);
        position += 1;
    }
    for (i, cat) in doc.categories.iter().enumerate() {
        let at = format!("categories[{i}]");
        let as_doc = ChannelDoc {
            name: cat.name.clone(),
            kind: None,
            overwrites: cat.overwrites.clone(),
            ..Default::default()
        };
        let cat_id = p.channel(
            &as_doc,
            ChannelType::Category,
            None,
            cat.name.clone(),
            position,
            &at,
        );
        position += 1;
        for (j, ch) in cat.channels.iter().enumerate() {
            let at = format!("{at}.channels[{j}]");
            let label = format!("{}/{}", cat.name, ch.name);
            p.channel(ch, ChannelType::Text, Some(cat_id), label, position, &at);
            position += 1;
        }
    }
    // Categories are written before the channels that name them as parent.
    p.plan
        .channels
        .sort_by_key(|(c, _)| c.kind != ChannelType::Category);
    if p.errors.is_empty() {
        Ok(p.plan)
    } else {
        Err(p.errors)
    }
}

// ---------------------------------------------------------------- apply

/// Applies (or with `dry_run` only plans) a layout document in one transaction.
pub async fn apply(
    state: &AppState,
    actor: Actor,
    layout: serde_json::Value,
    dry_run: bool,
) -> Result<Vec<String>, ApiError> {
    actor.require(state, Permission::ChannelsManage)?;
    actor.require(state, Permission::RolesManage)?;
    let doc: Layout =
        serde_json::from_value(layout).map_err(|e| ApiError::field("layout", e.to_string()))?;
    let count = doc.roles.len()
        + doc.channels.len()
        + doc
            .categories
            .iter()
            .map(|c| 1 + c.channels.len())
            .sum::<usize>();
    let ids: Vec<Id> = (0..count).map(|_| state.ids.next()).collect();
    let audit_id = state.ids.next();
    let (changes, roles, channels) = state
        .store
        .write(move |c| {
            let roles = store::roles::list(c)?;
            let channels = store::channels::list(c)?;
            let plan = plan(&doc, &roles, &channels, ids.into_iter())
                .map_err(|f| StoreError::Rule(ApiError::Validation(f)))?;
            if dry_run || plan.changes.is_empty() {
                return Ok((plan.changes, Vec::new(), Vec::new()));
            }
            for (r, _) in &plan.roles {
                store::roles::upsert(c, r)?;
            }
            for (ch, _) in &plan.channels {
                store::channels::upsert(c, ch)?;
            }
            for (ch, o) in &plan.overwrite_puts {
                store::channels::put_overwrite(c, *ch, o)?;
            }
            for (ch, role) in &plan.overwrite_deletes {
                store::channels::delete_overwrite(c, *ch, *role)?;
            }
            audit(
                c,
                audit_id,
                actor,
                "layout.apply",
                None,
                json!({"changes": &plan.changes}),
            )?;
            let mut touched: Vec<Id> = plan.channels.iter().map(|(ch, _)| ch.id).collect();
            touched.extend(plan.overwrite_puts.iter().map(|(ch, _)| *ch));
            touched.extend(plan.overwrite_deletes.iter().map(|(ch, _)| *ch));
            let mut seen = HashSet::new();
            let mut channels = Vec::new();
            for id in touched.into_iter().filter(|id| seen.insert(*id)) {
                let created = plan.channels.iter().any(|(ch, new)| ch.id == id && *new);
                if let Some(ch) = store::channels::get(c, id)? {
                    channels.push((ch, created));
                }
            }
            Ok((plan.changes, plan.roles, channels))
        })
        .await?;
    for (r, created) in &roles {
        state.access.upsert_role(r);
        let kind = if *created {
            event::ROLE_CREATE
        } else {
            event::ROLE_UPDATE
        };
        state.hub.dispatch(kind, r, Audience::All);
    }
    for (ch, created) in &channels {
        state.access.upsert_channel(ch);
        let kind = if *created {
            event::CHANNEL_CREATE
        } else {
            event::CHANNEL_UPDATE
        };
        state.hub.dispatch(kind, ch, Audience::Channel(ch.id));
    }
    if !dry_run && !changes.is_empty() {
        let e = super::moderation::with_actor(actor, json!({"changes": &changes}));
        state.hub.admin_event("layout_apply", e);
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        d.categories[0].channels.swap(0, 1);
        let p = plan(&d, &roles, &channels, ids()).unwrap();
        assert!(
            p.changes
                .contains(&"update channel General/welcome: topic".to_owned()),
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
        let e = plan(&d, &roles, &[], ids()).unwrap_err();
        assert!(
            e.contains_key("categories[0].channels[0].overwrites[0].role"),
            "{e:?}"
        );
        assert!(e.contains_key("roles[1].permissions"), "{e:?}");
        assert!(e.contains_key("channels[1].name"), "{e:?}");
    }
}
