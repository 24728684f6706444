//! `events [--follow] [--type T]...`: the daemon's event stream, one line per event.

use serde_json::Value;
use spectrus_proto::Id;

use crate::cli::EventsArgs;
use crate::commands::Ctx;
use crate::error::Result;
use crate::names::Names;
use crate::transport::segment;

/// Prints events as they arrive; without `--follow` the daemon sends its recent backlog and
/// ends the stream.
pub async fn run(args: &EventsArgs, ctx: &mut Ctx<'_>) -> Result<()> {
    let route = events_route(args);
    let mut names = if ctx.out.is_json() {
        Names::default()
    } else {
        Names::load_or_none(&ctx.client).await
    };
    let out = &mut ctx.out;
    ctx.client
        .stream_lines(&route, |line| {
            let Ok(event) = serde_json::from_str::<Value>(line) else {
                tracing::warn!(line, "skipping an event line that is not JSON");
                return Ok(());
            };
            if out.is_json() {
                out.json_line(&event)
            } else {
                learn(&mut names, &event);
                out.line_now(human_event(&event, &names))
            }
        })
        .await
}

/// `/events?follow=...&type=...`.
pub fn events_route(args: &EventsArgs) -> String {
    let mut route = format!("/events?follow={}", args.follow);
    for t in &args.types {
        route.push_str("&type=");
        route.push_str(&segment(t));
    }
    route
}

/// Remembers the names an event announces (a new account, channel or role), so that later
/// lines of a followed stream name them too.
pub fn learn(names: &mut Names, event: &Value) {
    let id = |key: &str| {
        event
            .get(key)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .map(Id)
    };
    let text = |key: &str| event.get(key).and_then(Value::as_str);
    match event.get("type").and_then(Value::as_str) {
        Some("member_join" | "user_created") => {
            if let (Some(id), Some(name)) = (id("user_id"), text("username")) {
                names.add_user(id, name);
            }
        }
        Some("channel_create" | "channel_update") => {
            if let (Some(id), Some(name)) = (id("channel_id"), text("name")) {
                names.add_channel(id, name);
            }
        }
        Some("role_create" | "role_update") => {
            if let (Some(id), Some(name)) = (id("role_id"), text("name")) {
                names.add_role(id, name);
            }
        }
        _ => {}
    }
}

/// A field shown by name: `user_id` as `user=alice`, `channel_id` as `channel=#general`,
/// `role_id` as `role=Moderator` (`author_id`, `actor_id` likewise as users); an id nobody
/// knows stays as it is.
fn named(names: &Names, key: &str, value: &Value) -> Option<(String, String)> {
    let id = Id(value.as_str()?.parse::<u64>().ok()?);
    let kind = match key {
        "user_id" | "author_id" | "actor_id" => "user",
        "channel_id" => "channel",
        "role_id" => "role",
        _ => return None,
    };
    let name = names.known(kind, id)?;
    let shown = if kind == "channel" {
        format!("#{name}")
    } else {
        name.to_owned()
    };
    Some((key.trim_end_matches("_id").to_owned(), shown))
}

/// `AT  TYPE  key=value ...`: the other fields in key order, ids of users, channels and roles
/// as their names, strings bare unless they need quotes, everything else as compact JSON.
pub fn human_event(event: &Value, names: &Names) -> String {
    let Value::Object(map) = event else {
        return event.to_string();
    };
    let at = map.get("at").and_then(Value::as_str).unwrap_or("-");
    let kind = map.get("type").and_then(Value::as_str).unwrap_or("?");
    let mut line = format!("{at}  {kind}");
    for (key, value) in map {
        if key == "at" || key == "type" {
            continue;
        }
        // A role's or channel's own event already names it.
        if key == "name" && (map.contains_key("role_id") || map.contains_key("channel_id")) {
            continue;
        }
        let (key, value) = match named(names, key, value) {
            Some((label, shown)) => (label, Value::String(shown)),
            None => (key.clone(), value.clone()),
        };
        let shown = match &value {
            Value::String(s)
                if !s.is_empty()
                    && !s.chars().any(|c| c.is_whitespace() || c == '"' || c == '=') =>
            {
                s.clone()
            }
            other => other.to_string(),
        };
        line.push_str(&format!("  {key}={shown}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn route_carries_follow_and_types() {
        let args = EventsArgs {
            follow: true,
            types: vec!["member_join".into(), "voice join".into()],
        };
        assert_eq!(
            events_route(&args),
            "/events?follow=true&type=member_join&type=voice%20join"
        );
        let args = EventsArgs {
            follow: false,
            types: vec![],
        };
        assert_eq!(events_route(&args), "/events?follow=false");
    }

    #[test]
    fn human_lines_name_users_channels_and_roles() {
        let mut names = Names::default();
        names.add_user(Id(4), "alice");
        names.add_channel(Id(5), "general");
        let e = json!({"type": "message_create", "at": "2026-01-01T00:00:00Z",
            "channel_id": "5", "author_id": "4", "length": 12, "note": "two words"});
        assert_eq!(
            human_event(&e, &names),
            "2026-01-01T00:00:00Z  message_create  author=alice  channel=#general  length=12  note=\"two words\""
        );
        assert_eq!(human_event(&json!([1]), &names), "[1]");
        // A role created while following is named from its own event on.
        let created = json!({"type": "role_create", "at": "x", "role_id": "9", "name": "Mod"});
        learn(&mut names, &created);
        assert_eq!(human_event(&created, &names), "x  role_create  role=Mod");
        let gone = json!({"type": "member_leave", "at": "x", "user_id": "77"});
        assert_eq!(human_event(&gone, &names), "x  member_leave  user_id=77");
    }
}
