//! Planning: what applying a document to the current roles and channels changes. A pure
//! function (unit-tested without a database), run inside the writer's transaction.

use std::collections::{HashMap, HashSet};

use spectrus_proto::Id;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role};
use spectrus_proto::permissions::PermissionSet;

use super::check::{check_document, parse_perms};
use super::doc::{ChannelDoc, Layout, OverwriteDoc};
use crate::domain::validate::FieldErrors;

/// What applying a document does.
#[derive(Debug, Default)]
pub(crate) struct Plan {
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
        position: Option<i64>,
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
                position: position.unwrap_or_default(),
                permission_overwrites: Vec::new(),
                user_limit: doc.user_limit,
                bitrate: doc.bitrate,
                slowmode_seconds: doc.slowmode_seconds.unwrap_or(0),
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
        if let Some(s) = doc.slowmode_seconds
            && s != ch.slowmode_seconds
        {
            ch.slowmode_seconds = s;
            fields.push("slowmode_seconds");
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
        let moved = position.is_some_and(|p| p != ch.position);
        if let Some(position) = position
            && moved
        {
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

/// The channels a document names, in its order: `(category, name)`, a category itself as
/// `(name, "")`, a top-level channel as `("", name)`.
fn names_in_order(doc: &Layout) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = doc
        .channels
        .iter()
        .map(|c| (String::new(), c.name.clone()))
        .collect();
    for cat in &doc.categories {
        out.push((cat.name.clone(), String::new()));
        out.extend(
            cat.channels
                .iter()
                .map(|c| (cat.name.clone(), c.name.clone())),
        );
    }
    out
}

/// Whether every channel `doc` names exists and the server already lists them in the
/// document's order (the order an export writes).
fn same_order(doc: &Layout, channels: &[Channel]) -> bool {
    let wanted = names_in_order(doc);
    let named: HashSet<&(String, String)> = wanted.iter().collect();
    let current: Vec<(String, String)> = names_in_order(&super::doc::export_from(&[], channels))
        .into_iter()
        .filter(|n| named.contains(n))
        .collect();
    current == wanted
}

/// Plans applying `doc` to a server holding `roles` and `channels`; `ids` supplies ids for
/// what gets created. Pure: the caller writes the plan.
pub(crate) fn plan(
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
                managed_by: None,
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
            if let Some(plugin) = existing.as_ref().and_then(|e| e.managed_by.as_ref())
                && !fields.is_empty()
            {
                p.errors.insert(
                    format!("{at}.name"),
                    format!(
                        "the role {:?} is managed by the plugin {plugin:?}: it changes only with the plugin",
                        d.name
                    ),
                );
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

    // Channels: top-level ones first, then each category followed by its channels. When the
    // server already shows what the document names in the document's order, positions are
    // left as they are (gaps and ties included): an untouched export is no change. Otherwise
    // every named channel gets a dense position in document order.
    let keep = same_order(doc, channels);
    let mut position = 0i64;
    let mut at_next = || {
        let at = (!keep).then_some(position);
        position += 1;
        at
    };
    for (i, ch) in doc.channels.iter().enumerate() {
        let at = format!("channels[{i}]");
        let pos = at_next();
        p.channel(ch, ChannelType::Text, None, ch.name.clone(), pos, &at);
    }
    for (i, cat) in doc.categories.iter().enumerate() {
        let at = format!("categories[{i}]");
        let as_doc = ChannelDoc {
            name: cat.name.clone(),
            kind: None,
            overwrites: cat.overwrites.clone(),
            ..Default::default()
        };
        let pos = at_next();
        let cat_id = p.channel(
            &as_doc,
            ChannelType::Category,
            None,
            cat.name.clone(),
            pos,
            &at,
        );
        for (j, ch) in cat.channels.iter().enumerate() {
            let at = format!("{at}.channels[{j}]");
            let label = format!("{}/{}", cat.name, ch.name);
            let pos = at_next();
            p.channel(ch, ChannelType::Text, Some(cat_id), label, pos, &at);
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
