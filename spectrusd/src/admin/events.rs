//! The admin event stream: every event the hub publishes, mapped to the admin API's shape
//! (`{type, at, ...fields}`, metadata only, never message content), with a backlog of the
//! most recent ones for clients that connect later.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use spectrus_proto::admin::AdminEvent;
use spectrus_proto::gateway::event;
use tokio::sync::broadcast;
use tokio::sync::watch;

use crate::bus::Hub;
use crate::bus::hub::BusEvent;
use crate::domain::time::{now_ms, rfc3339};

/// How many recent events the daemon keeps for `GET /events`.
pub(crate) const BACKLOG: usize = 100;

/// The recent events and the live feed of new ones.
pub(crate) struct EventLog {
    inner: Mutex<Inner>,
}

struct Inner {
    backlog: VecDeque<Arc<AdminEvent>>,
    live: broadcast::Sender<Arc<AdminEvent>>,
}

impl Default for EventLog {
    fn default() -> Self {
        let (live, _) = broadcast::channel(1024);
        EventLog {
            inner: Mutex::new(Inner {
                backlog: VecDeque::with_capacity(BACKLOG),
                live,
            }),
        }
    }
}

impl EventLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an event: into the backlog and out to every follower.
    pub(crate) fn push(&self, e: AdminEvent) {
        let e = Arc::new(e);
        let mut inner = self.lock();
        if inner.backlog.len() == BACKLOG {
            inner.backlog.pop_front();
        }
        inner.backlog.push_back(e.clone());
        let _ = inner.live.send(e);
    }

    /// The backlog and a receiver of everything after it (no gap, no duplicate).
    pub(crate) fn subscribe(&self) -> (Vec<Arc<AdminEvent>>, broadcast::Receiver<Arc<AdminEvent>>) {
        let inner = self.lock();
        (
            inner.backlog.iter().cloned().collect(),
            inner.live.subscribe(),
        )
    }

    /// Feeds the log from the hub until `stop` turns true.
    pub(crate) fn spawn_feed(self: &Arc<Self>, hub: &Hub, mut stop: watch::Receiver<bool>) {
        let mut rx = hub.subscribe();
        let log = self.clone();
        tokio::spawn(async move {
            let mut voice = VoiceSeen::new();
            loop {
                tokio::select! {
                    got = rx.recv() => match got {
                        Ok(e) => {
                            if let Some(e) = to_admin_event(&e, &mut voice) {
                                log.push(e);
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(missed = n, "admin event log lagged");
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    _ = async { let _ = stop.wait_for(|v| *v).await; } => break,
                }
            }
        });
    }
}

fn field(d: &Value, path: &[&str]) -> Value {
    let mut v = d;
    for p in path {
        v = match v.get(p) {
            Some(x) => x,
            None => return Value::Null,
        };
    }
    v.clone()
}

/// Who is in which voice channel, as the stream has seen it (user id to channel id): a
/// `VOICE_STATE_UPDATE` for the channel a member is already in is a `voice_state` change
/// (mute, deafen), not a `voice_join`.
pub(crate) type VoiceSeen = HashMap<String, Value>;

/// Every event type the stream may carry, for validating `?type=` filters.
pub(crate) const TYPES: &[&str] = &[
    "member_join",
    "member_leave",
    "member_kick",
    "member_timeout",
    "user_created",
    "user_disabled",
    "user_enabled",
    "user_deleted",
    "password_reset",
    "message_create",
    "message_delete",
    "voice_join",
    "voice_leave",
    "voice_state",
    "ban_add",
    "ban_remove",
    "role_create",
    "role_update",
    "role_delete",
    "channel_create",
    "channel_update",
    "channel_delete",
    "layout_apply",
    "config_reload",
];

/// Maps a hub event to the admin stream's shape; `None` for events the stream does not carry
/// (typing, presence, reactions, edits, roles' dispatches: the roles service reports those).
pub(crate) fn to_admin_event(e: &BusEvent, voice: &mut VoiceSeen) -> Option<AdminEvent> {
    let d = &e.data;
    let (kind, fields): (&str, Value) = match e.kind.as_str() {
        event::MEMBER_ADD => (
            "member_join",
            json!({"user_id": field(d, &["user", "id"]), "username": field(d, &["user", "username"])}),
        ),
        event::MEMBER_REMOVE => ("member_leave", json!({"user_id": field(d, &["id"])})),
        event::MESSAGE_CREATE => (
            "message_create",
            json!({
                "message_id": field(d, &["id"]),
                "channel_id": field(d, &["channel_id"]),
                "author_id": field(d, &["author", "id"]),
                "length": d.get("content").and_then(Value::as_str).map_or(0, |c| c.chars().count()),
            }),
        ),
        event::MESSAGE_DELETE => (
            "message_delete",
            json!({"message_id": field(d, &["id"]), "channel_id": field(d, &["channel_id"])}),
        ),
        event::VOICE_STATE_UPDATE => {
            let user = field(d, &["user_id"]);
            let ch = field(d, &["channel_id"]);
            let key = user.as_str().unwrap_or_default().to_owned();
            let before = if ch.is_null() {
                voice.remove(&key)
            } else {
                voice.insert(key, ch.clone())
            };
            match (before, ch.is_null()) {
                (before, true) => (
                    "voice_leave",
                    json!({"user_id": user, "channel_id": before.unwrap_or(Value::Null)}),
                ),
                // Same channel: mute, deafen (by the member or a moderator).
                (Some(b), false) if b == ch => (
                    "voice_state",
                    json!({
                        "user_id": user,
                        "channel_id": ch,
                        "self_mute": field(d, &["self_mute"]),
                        "self_deaf": field(d, &["self_deaf"]),
                        "mute": field(d, &["mute"]),
                        "deaf": field(d, &["deaf"]),
                    }),
                ),
                (_, false) => ("voice_join", json!({"user_id": user, "channel_id": ch})),
            }
        }
        event::CHANNEL_CREATE | event::CHANNEL_UPDATE | event::CHANNEL_DELETE => (
            match e.kind.as_str() {
                event::CHANNEL_CREATE => "channel_create",
                event::CHANNEL_UPDATE => "channel_update",
                _ => "channel_delete",
            },
            json!({"channel_id": field(d, &["id"]), "name": field(d, &["name"])}),
        ),
        // Gateway dispatches the stream does not carry.
        k if k.chars().any(|c| c.is_ascii_uppercase()) => return None,
        // Admin-only events (`Hub::admin_event`) are already in the stream's shape.
        k => (k, d.clone()),
    };
    let fields: Map<String, Value> = match fields {
        Value::Object(m) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    };
    Some(AdminEvent {
        kind: kind.to_owned(),
        at: rfc3339(
            e.at.duration_since(std::time::UNIX_EPOCH)
                .map_or_else(|_| now_ms(), |d| d.as_millis() as i64),
        ),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bus(kind: &str, data: Value) -> BusEvent {
        BusEvent {
            kind: kind.into(),
            at: std::time::UNIX_EPOCH,
            data,
        }
    }

    #[test]
    fn messages_become_metadata_only() {
        let e = to_admin_event(
            &bus(
                event::MESSAGE_CREATE,
                json!({"id": "9", "channel_id": "3", "author": {"id": "5"}, "content": "héllo"}),
            ),
            &mut VoiceSeen::new(),
        )
        .unwrap();
        assert_eq!(e.kind, "message_create");
        assert_eq!(e.fields["length"], 5);
        assert_eq!(e.fields["author_id"], "5");
        assert!(!serde_json::to_string(&e).unwrap().contains("llo"));
    }

    #[test]
    fn typing_is_dropped_and_admin_events_pass() {
        let v = &mut VoiceSeen::new();
        assert!(to_admin_event(&bus(event::TYPING_START, json!({})), v).is_none());
        assert!(to_admin_event(&bus(event::ROLE_CREATE, json!({"id": "1"})), v).is_none());
        let e = to_admin_event(&bus("user_disabled", json!({"user_id": "4"})), v).unwrap();
        assert_eq!(e.kind, "user_disabled");
        assert_eq!(e.fields["user_id"], "4");
    }

    #[test]
    fn a_change_in_the_same_voice_channel_is_a_voice_state() {
        let v = &mut VoiceSeen::new();
        let mut kind = |ch: Value, mute: bool| {
            let d = json!({"user_id": "4", "channel_id": ch, "self_mute": mute,
                "self_deaf": false, "mute": false, "deaf": false});
            let e = to_admin_event(&bus(event::VOICE_STATE_UPDATE, d), v).unwrap();
            (e.kind, e.fields.get("channel_id").cloned())
        };
        assert_eq!(kind(json!("7"), false).0, "voice_join");
        assert_eq!(kind(json!("7"), true).0, "voice_state");
        assert_eq!(kind(json!("8"), true).0, "voice_join");
        assert_eq!(
            kind(Value::Null, true),
            ("voice_leave".into(), Some(json!("8")))
        );
        assert_eq!(kind(json!("8"), false).0, "voice_join");
    }

    #[test]
    fn backlog_is_bounded_and_followers_see_what_follows() {
        let log = EventLog::default();
        for i in 0..(BACKLOG + 5) {
            log.push(AdminEvent {
                kind: format!("e{i}"),
                at: String::new(),
                fields: Map::new(),
            });
        }
        let (backlog, mut rx) = log.subscribe();
        assert_eq!(backlog.len(), BACKLOG);
        assert_eq!(backlog[0].kind, "e5");
        log.push(AdminEvent {
            kind: "next".into(),
            at: String::new(),
            fields: Map::new(),
        });
        assert_eq!(rx.try_recv().unwrap().kind, "next");
    }
}
