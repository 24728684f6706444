//! The layout document as a file: the daemon speaks JSON, people keep TOML in git. This module
//! converts between the two without knowing the document's fields, so the daemon can grow the
//! layout (topics, limits, overwrites, ...) without a new `spectrusctl`.
//!
//! TOML has no `null`: a `null` member of an object is left out on export (on apply, an absent
//! field means "not set", which is what the daemon's null meant), and a `null` inside an array
//! cannot be written and is refused.

use serde_json::{Map, Number, Value};

use crate::error::{CtlError, Result};

/// The comment at the top of an exported file.
const HEADER: &str = "# Spectrus layout: categories, channels and roles of this community.\n\
# Edit, keep it in git, and apply it with `spectrusctl layout apply FILE`\n\
# (`--dry-run` first shows what would change).\n\n";

/// Renders the daemon's layout JSON as a commented TOML document.
pub fn to_toml_document(layout: &Value) -> Result<String> {
    Ok(format!("{HEADER}{}", to_toml(layout)?))
}

/// Renders any JSON object as TOML (no header).
pub fn to_toml(value: &Value) -> Result<String> {
    let Value::Object(map) = value else {
        return Err(CtlError::Protocol(
            "expected a JSON object from the daemon".to_owned(),
        ));
    };
    let table = object_to_table(map, "")?;
    toml::to_string_pretty(&table)
        .map_err(|e| CtlError::Protocol(format!("cannot write TOML: {e}")))
}

/// Reads a layout file: JSON when its name ends in `.json`, TOML otherwise.
pub fn from_file_text(text: &str, is_json: bool) -> Result<Value> {
    if is_json {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| CtlError::Invalid(format!("the layout is not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(CtlError::Invalid(
                "the layout must be a JSON object".to_owned(),
            ));
        }
        return Ok(value);
    }
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e
            .span()
            .map(|span| {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default();
        CtlError::Invalid(format!(
            "the layout is not valid TOML{at}: {}",
            e.message().trim()
        ))
    })?;
    Ok(table_to_json(&table))
}

/// JSON object to TOML table; `path` names the place for error messages.
fn object_to_table(map: &Map<String, Value>, path: &str) -> Result<toml::Table> {
    let mut table = toml::Table::new();
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        let here = join(path, key);
        table.insert(key.clone(), json_to_toml(value, &here)?);
    }
    Ok(table)
}

fn json_to_toml(value: &Value, path: &str) -> Result<toml::Value> {
    Ok(match value {
        Value::Null => {
            return Err(CtlError::Protocol(format!(
                "{path}: null inside a list cannot be written as TOML"
            )));
        }
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => number_to_toml(n, path)?,
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| json_to_toml(v, &format!("{path}[{i}]")))
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => toml::Value::Table(object_to_table(map, path)?),
    })
}

fn number_to_toml(n: &Number, path: &str) -> Result<toml::Value> {
    if let Some(i) = n.as_i64() {
        Ok(toml::Value::Integer(i))
    } else if n.is_u64() {
        Err(CtlError::Protocol(format!(
            "{path}: {n} is too large for TOML (ids must be strings)"
        )))
    } else {
        n.as_f64()
            .map(toml::Value::Float)
            .ok_or_else(|| CtlError::Protocol(format!("{path}: {n} is not a representable number")))
    }
}

/// TOML table to JSON object. Datetimes (which JSON lacks) become their RFC 3339 strings.
pub fn table_to_json(table: &toml::Table) -> Value {
    Value::Object(
        table
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
    )
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::Number((*i).into()),
        toml::Value::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => table_to_json(t),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "version": 1,
            "categories": [
                {"name": "General", "position": 0, "channels": [
                    {"name": "welcome", "type": "text", "topic": "Say hi", "position": 0,
                     "overwrites": [{"role": "@everyone", "allow": [], "deny": ["messages:send"]}]},
                    {"name": "Lounge", "type": "voice", "position": 1, "user_limit": 10, "bitrate": 64000}
                ]}
            ],
            "channels": [{"name": "lobby", "type": "text", "position": 0}],
            "roles": [
                {"name": "@everyone", "position": 0, "permissions": ["channels:view", "messages:send"],
                 "hoist": false, "mentionable": false},
                {"name": "Moderator", "position": 1, "color": "#e67e22",
                 "permissions": ["members:kick", "messages:manage"], "hoist": true, "mentionable": true}
            ]
        })
    }

    #[test]
    fn json_to_toml_and_back_is_lossless() {
        let doc = to_toml_document(&sample()).unwrap();
        assert!(doc.starts_with("# Spectrus layout"));
        let back = from_file_text(&doc, false).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn toml_is_readable() {
        let doc = to_toml_document(&sample()).unwrap();
        assert!(doc.contains("[[categories]]"), "{doc}");
        assert!(doc.contains("[[categories.channels]]"), "{doc}");
        assert!(doc.contains("[[roles]]"), "{doc}");
        assert!(doc.contains("name = \"Moderator\""), "{doc}");
        assert!(doc.contains("color = \"#e67e22\""), "{doc}");
    }

    #[test]
    fn nulls_in_objects_are_dropped() {
        let doc = to_toml_document(&json!({"roles": [{"name": "x", "color": null}]})).unwrap();
        assert!(!doc.contains("color"));
        assert_eq!(
            from_file_text(&doc, false).unwrap(),
            json!({"roles": [{"name": "x"}]})
        );
    }

    #[test]
    fn unwritable_values_are_refused_with_their_place() {
        let e = to_toml_document(&json!({"roles": [null]})).unwrap_err();
        assert!(e.to_string().contains("roles[0]"), "{e}");
        let e = to_toml_document(&json!({"big": u64::MAX})).unwrap_err();
        assert!(e.to_string().contains("big"), "{e}");
        assert!(to_toml_document(&json!([1])).is_err());
    }

    #[test]
    fn bad_files_are_invalid_input() {
        let e = from_file_text("a = 1\nroles = [", false).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the layout is not valid TOML (line 2): "),
            "{e}"
        );
        assert!(!e.to_string().contains('\n'), "{e}");
        assert_eq!(e.exit_code(), 1);
        assert!(from_file_text("[1]", true).is_err());
        assert_eq!(
            from_file_text(r#"{"roles": []}"#, true).unwrap(),
            json!({"roles": []})
        );
    }

    #[test]
    fn datetimes_become_strings() {
        let v = from_file_text("at = 2026-01-01T00:00:00Z\n", false).unwrap();
        assert_eq!(v, json!({"at": "2026-01-01T00:00:00Z"}));
    }
}
