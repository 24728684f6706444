//! Checks of a layout document that need no server state: names, limits, permission names,
//! duplicates. Errors are collected per field (`roles[0].name`).

use std::collections::HashSet;

use spectrus_proto::Permission;
use spectrus_proto::model::ChannelType;
use spectrus_proto::permissions::PermissionSet;

use super::doc::{ChannelDoc, Layout};
use crate::domain::validate::{self, FieldErrors};
use crate::ratelimit::MAX_SLOWMODE_SECONDS;

pub(super) fn parse_perms(list: &[String], field: &str, errors: &mut FieldErrors) -> PermissionSet {
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

pub(super) fn check_channel(ch: &ChannelDoc, at: &str, errors: &mut FieldErrors) {
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
    if ch
        .slowmode_seconds
        .is_some_and(|s| s > MAX_SLOWMODE_SECONDS)
    {
        errors.insert(
            format!("{at}.slowmode_seconds"),
            format!("must be 0 (off) to {MAX_SLOWMODE_SECONDS}"),
        );
    }
}

/// Checks what can be checked without the server's state.
pub(super) fn check_document(doc: &Layout, errors: &mut FieldErrors) {
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
