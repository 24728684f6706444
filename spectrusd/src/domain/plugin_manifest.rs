//! Plugin manifests (`spectrus-plugin.json`): where one is fetched from (`OWNER/REPO[@REF]`)
//! and every field's rules, each failure naming its field.

use serde_json::Value;
use spectrus_proto::Permission;
use spectrus_proto::admin::{CommandOption, PluginManifest, SlashCommand};
use spectrus_proto::gateway::event;

use super::validate::FieldErrors;

/// The largest manifest accepted.
pub(crate) const MAX_BYTES: usize = 64 * 1024;

/// The manifest's file name at the repository's root.
pub(crate) const FILE: &str = "spectrus-plugin.json";

/// Gateway events a plugin may subscribe to.
pub(crate) const EVENTS: &[&str] = &[
    event::MESSAGE_CREATE,
    event::MESSAGE_UPDATE,
    event::MESSAGE_DELETE,
    event::REACTION_ADD,
    event::REACTION_REMOVE,
    event::TYPING_START,
    event::PRESENCE_UPDATE,
    event::CHANNEL_CREATE,
    event::CHANNEL_UPDATE,
    event::CHANNEL_DELETE,
    event::ROLE_CREATE,
    event::ROLE_UPDATE,
    event::ROLE_DELETE,
    event::MEMBER_ADD,
    event::MEMBER_UPDATE,
    event::MEMBER_REMOVE,
    event::SERVER_UPDATE,
    event::VOICE_STATE_UPDATE,
];

/// Option types of slash commands.
const OPTION_TYPES: &[&str] = &["string", "integer", "boolean", "user", "channel"];

/// `OWNER/REPO[@REF]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub owner: String,
    pub repo: String,
    pub reference: String,
}

impl Source {
    /// Parses `OWNER/REPO[@REF]` (the ref defaults to `HEAD`, the default branch).
    pub(crate) fn parse(text: &str) -> Result<Source, String> {
        let text = text.trim();
        let (path, reference) = match text.split_once('@') {
            Some((p, r)) => (p, r),
            None => (text, "HEAD"),
        };
        let Some((owner, repo)) = path.split_once('/') else {
            return Err(format!("{text:?} is not OWNER/REPO[@REF]"));
        };
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && !s.starts_with('.')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        if !name_ok(owner) || !name_ok(repo) {
            return Err(format!(
                "{text:?} is not OWNER/REPO[@REF] (letters, digits, - _ . in each name)"
            ));
        }
        let ref_ok = !reference.is_empty()
            && reference.len() <= 200
            && !reference.contains("..")
            && !reference.starts_with('/')
            && reference
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
        if !ref_ok {
            return Err(format!("{reference:?} is not a branch, tag or commit"));
        }
        Ok(Source {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            reference: reference.to_owned(),
        })
    }

    /// `OWNER/REPO@REF`.
    pub(crate) fn label(&self) -> String {
        format!("{}/{}@{}", self.owner, self.repo, self.reference)
    }

    /// The manifest's URL under a raw-content host (`https://raw.githubusercontent.com`).
    pub(crate) fn manifest_url(&self, raw_base: &str) -> String {
        format!(
            "{}/{}/{}/{}/{FILE}",
            raw_base.trim_end_matches('/'),
            self.owner,
            self.repo,
            self.reference
        )
    }
}

/// Checks a manifest's JSON field by field.
pub(crate) fn parse(bytes: &[u8]) -> Result<PluginManifest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return Err(one("manifest", "must be a JSON object")),
        Err(e) => return Err(one("manifest", &format!("is not valid JSON ({e})"))),
    };
    const KNOWN: &[&str] = &[
        "id",
        "name",
        "version",
        "description",
        "author",
        "homepage",
        "permissions",
        "events",
        "webhook_url",
        "commands",
    ];
    if let Some(obj) = doc.as_object() {
        for key in obj.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
            errors.insert(key.clone(), "is not a manifest field".into());
        }
    }
    let mut text = |field: &str, max: usize, rule: &dyn Fn(&str) -> Option<&'static str>| match doc
        .get(field)
    {
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.insert(field.into(), "must not be empty".into());
            String::new()
        }
        Some(Value::String(s)) if s.chars().count() > max => {
            errors.insert(field.into(), format!("must be at most {max} characters"));
            String::new()
        }
        Some(Value::String(s)) => {
            if let Some(why) = rule(s) {
                errors.insert(field.into(), why.into());
            }
            s.trim().to_owned()
        }
        Some(_) => {
            errors.insert(field.into(), "must be a string".into());
            String::new()
        }
        None => {
            errors.insert(field.into(), "is required".into());
            String::new()
        }
    };
    let id = text("id", 32, &|s| {
        (!(s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && s.len() >= 2))
            .then_some("must be 2-32 of a-z 0-9 -, starting with a letter")
    });
    let name = text("name", 64, &|_| None);
    let version = text("version", 32, &|s| {
        (!s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
        .then_some("must be a version such as 1.2.0")
    });
    let description = text("description", 300, &|_| None);
    let author = text("author", 64, &|_| None);
    let webhook_url = text("webhook_url", 2048, &|s| {
        (!is_http_url(s)).then_some("must be an http(s) URL")
    });
    let homepage = match doc.get("homepage") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if is_http_url(s) => Some(s.clone()),
        Some(_) => {
            errors.insert("homepage".into(), "must be an http(s) URL".into());
            None
        }
    };
    let permissions = names(&doc, "permissions", &mut errors, |p| {
        p.parse::<Permission>().is_ok()
    });
    let events = names(&doc, "events", &mut errors, |e| EVENTS.contains(&e));
    let commands = commands(&doc, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PluginManifest {
        id,
        name,
        version,
        description,
        author,
        homepage,
        permissions,
        events,
        webhook_url,
        commands,
    })
}

fn one(field: &str, why: &str) -> FieldErrors {
    FieldErrors::from([(field.to_owned(), why.to_owned())])
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.chars().any(char::is_whitespace)
}

/// A list of known names (permissions, events); each unknown one is named.
fn names(
    doc: &Value,
    field: &str,
    errors: &mut FieldErrors,
    known: impl Fn(&str) -> bool,
) -> Vec<String> {
    match doc.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) if known(s) => {
                        if !out.iter().any(|o| o == s) {
                            out.push(s.to_owned());
                        }
                    }
                    Some(s) => {
                        errors.insert(format!("{field}[{i}]"), format!("{s:?} is not known"));
                    }
                    None => {
                        errors.insert(format!("{field}[{i}]"), "must be a string".into());
                    }
                }
            }
            out
        }
        Some(_) => {
            errors.insert(field.into(), "must be a list of names".into());
            Vec::new()
        }
    }
}

fn command_name_ok(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `commands`: at most 25, each `{name, description, options}` with at most 10 options.
fn commands(doc: &Value, errors: &mut FieldErrors) -> Vec<SlashCommand> {
    let items = match doc.get("commands") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) if items.len() <= 25 => items,
        Some(Value::Array(_)) => {
            errors.insert("commands".into(), "must list at most 25 commands".into());
            return Vec::new();
        }
        Some(_) => {
            errors.insert("commands".into(), "must be a list".into());
            return Vec::new();
        }
    };
    let mut out: Vec<SlashCommand> = Vec::new();
    for (i, c) in items.iter().enumerate() {
        let at = format!("commands[{i}]");
        let name = c["name"].as_str().unwrap_or_default();
        if !command_name_ok(name) {
            errors.insert(format!("{at}.name"), "must be 1-32 of a-z 0-9 _ -".into());
        } else if out.iter().any(|o| o.name == name) {
            errors.insert(format!("{at}.name"), format!("{name:?} is listed twice"));
        }
        let description = c["description"].as_str().unwrap_or_default();
        if description.trim().is_empty() || description.chars().count() > 100 {
            errors.insert(
                format!("{at}.description"),
                "must be 1-100 characters".into(),
            );
        }
        let mut options = Vec::new();
        match &c["options"] {
            Value::Null => {}
            Value::Array(opts) if opts.len() <= 10 => {
                for (j, o) in opts.iter().enumerate() {
                    let oat = format!("{at}.options[{j}]");
                    let oname = o["name"].as_str().unwrap_or_default();
                    if !command_name_ok(oname) {
                        errors.insert(format!("{oat}.name"), "must be 1-32 of a-z 0-9 _ -".into());
                    }
                    let odesc = o["description"].as_str().unwrap_or_default();
                    if odesc.trim().is_empty() || odesc.chars().count() > 100 {
                        errors.insert(
                            format!("{oat}.description"),
                            "must be 1-100 characters".into(),
                        );
                    }
                    let kind = o["type"].as_str().unwrap_or_default();
                    if !OPTION_TYPES.contains(&kind) {
                        errors.insert(
                            format!("{oat}.type"),
                            format!("must be one of {}", OPTION_TYPES.join(", ")),
                        );
                    }
                    options.push(CommandOption {
                        name: oname.to_owned(),
                        description: odesc.to_owned(),
                        kind: kind.to_owned(),
                        required: o["required"].as_bool().unwrap_or(false),
                    });
                }
            }
            _ => {
                errors.insert(
                    format!("{at}.options"),
                    "must be a list of at most 10".into(),
                );
            }
        }
        out.push(SlashCommand {
            name: name.to_owned(),
            description: description.to_owned(),
            options,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        let s = Source::parse("acme/echo-bot@v1.2").unwrap();
        assert_eq!(s.label(), "acme/echo-bot@v1.2");
        assert_eq!(
            s.manifest_url("https://raw.githubusercontent.com/"),
            "https://raw.githubusercontent.com/acme/echo-bot/v1.2/spectrus-plugin.json"
        );
        assert_eq!(Source::parse("acme/echo").unwrap().reference, "HEAD");
        assert!(Source::parse("acme").is_err());
        assert!(Source::parse("acme/../x").is_err());
        assert!(Source::parse("acme/x@../../etc").is_err());
    }

    #[test]
    fn the_example_plugins_manifest_is_valid() {
        let m = parse(include_bytes!(
            "../../../examples/plugin-echo/spectrus-plugin.json"
        ))
        .unwrap();
        assert_eq!(m.id, "echo");
        let names: Vec<_> = m.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["echo", "slow"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = br#"{"id": "Echo!", "name": "", "version": "1 0", "author": "a",
            "webhook_url": "ftp://x", "permissions": ["messages:send", "root"],
            "events": ["NOPE"], "commands": [{"name": "Echo", "description": ""}], "extra": 1}"#;
        let e = parse(bad).unwrap_err();
        for field in [
            "id",
            "name",
            "version",
            "description",
            "webhook_url",
            "permissions[1]",
            "events[0]",
            "commands[0].name",
            "commands[0].description",
            "extra",
        ] {
            assert!(e.contains_key(field), "{field} not named: {e:?}");
        }
        assert!(!e.contains_key("author"));
    }
}
