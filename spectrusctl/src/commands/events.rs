//! `events [--follow] [--type T]...`: the daemon's event stream, one line per event.

use serde_json::Value;

use crate::cli::EventsArgs;
use crate::commands::Ctx;
use crate::error::Result;
use crate::transport::segment;

/// Prints events as they arrive; without `--follow` the daemon sends its recent backlog and
/// ends the stream.
pub async fn run(args: &EventsArgs, ctx: &mut Ctx<'_>) -> Result<()> {
    let route = events_route(args);
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
                out.line_now(human_event(&event))
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

/// `AT  TYPE  key=value ...`: the other fields in key order, strings bare unless they need
/// quotes, everything else as compact JSON.
pub fn human_event(event: &Value) -> String {
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
        let shown = match value {
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
    fn human_lines() {
        let e = json!({"type": "message_create", "at": "2026-01-01T00:00:00Z",
            "channel_id": "5", "author": "alice", "length": 12, "note": "two words"});
        assert_eq!(
            human_event(&e),
            "2026-01-01T00:00:00Z  message_create  author=alice  channel_id=5  length=12  note=\"two words\""
        );
        assert_eq!(human_event(&json!([1])), "[1]");
    }
}
