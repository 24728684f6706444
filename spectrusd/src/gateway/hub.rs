//! The event bus and session registry.
//!
//! An event is serialized once into a shared frame prefix (`{"op":"dispatch","t":..,"d":..`);
//! each recipient session stamps its own sequence number when its writer sends it. Every
//! dispatched frame also enters the session's resume buffer (bounded), so a client that
//! drops its socket can resume and receive exactly what it missed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use spectrus_proto::Id;
use tokio::sync::{broadcast, mpsc};

use crate::access::Access;

/// A dispatch frame without its sequence number: `{"op":"dispatch","t":"..","d":...`.
pub type FramePrefix = Arc<str>;

/// What a session's writer sends.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A dispatch: the writer appends `,"s":N}`.
    Dispatch(u64, FramePrefix),
    /// A complete frame without a sequence number (voice signalling, resumed, ...).
    Raw(Arc<str>),
    /// Close the socket with this code and reason.
    Close(u16, &'static str),
}

impl Outbound {
    /// The text to put on the wire (for `Dispatch` and `Raw`).
    pub fn render(&self) -> Option<String> {
        match self {
            Outbound::Dispatch(seq, prefix) => {
                use std::fmt::Write as _;
                let mut s = String::with_capacity(prefix.len() + 24);
                s.push_str(prefix);
                let _ = write!(s, ",\"s\":{seq}}}");
                Some(s)
            }
            Outbound::Raw(text) => Some(text.to_string()),
            Outbound::Close(..) => None,
        }
    }
}

/// Who receives an event.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Every session.
    All,
    /// Sessions whose user can view this channel.
    Channel(Id),
    /// Sessions of one user.
    User(Id),
}

/// An event as the admin event stream sees it.
#[derive(Debug, Clone, Serialize)]
pub struct BusEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub at: String,
    pub data: serde_json::Value,
}

struct SlotState {
    seq: u64,
    buffer: VecDeque<(u64, FramePrefix)>,
    tx: Option<mpsc::Sender<Outbound>>,
    detached_at: Option<Instant>,
}

/// One gateway session: survives its socket for the resume window.
pub struct Slot {
    /// The opaque session id given in `ready`.
    pub id: String,
    /// Whose session it is.
    pub user: Id,
    /// The login session (refresh-token family) it was identified with.
    pub family: Id,
    state: Mutex<SlotState>,
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How resuming went.
pub enum ResumeOutcome {
    /// Replayed frames were queued; the session is attached to the new socket.
    Resumed(Arc<Slot>),
    /// Unknown session, another user's, or events were lost: identify again.
    Invalid,
}

/// Hub settings.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub resume_buffer: usize,
    pub resume_window: Duration,
    pub outbound_queue: usize,
}

/// The registry of sessions and the event bus; see the module comment.
pub struct Hub {
    cfg: HubConfig,
    access: Arc<Access>,
    slots: RwLock<HashMap<String, Arc<Slot>>>,
    admin_events: broadcast::Sender<Arc<BusEvent>>,
    /// Ids of sessions that ended for good (removed, ended, reaped): voice leaves with them.
    ended_tx: mpsc::UnboundedSender<String>,
    ended_rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
}

impl Hub {
    /// A hub filtering by `access`.
    pub fn new(cfg: HubConfig, access: Arc<Access>) -> Hub {
        let (admin_events, _) = broadcast::channel(1024);
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        Hub {
            cfg,
            access,
            slots: RwLock::new(HashMap::new()),
            admin_events,
            ended_tx,
            ended_rx: Mutex::new(Some(ended_rx)),
        }
    }

    /// The stream of session ids that ended for good (once; the voice service takes it).
    pub fn take_ended_sessions(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        self.ended_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    fn ended(&self, id: &str) {
        let _ = self.ended_tx.send(id.to_owned());
    }

    /// Capacity of a session's outbound queue (room for a full replay).
    pub fn queue_capacity(&self) -> usize {
        self.cfg.outbound_queue.max(self.cfg.resume_buffer + 16)
    }

    /// Registers a new session attached to `tx`.
    pub fn register(
        &self,
        id: String,
        user: Id,
        family: Id,
        tx: mpsc::Sender<Outbound>,
    ) -> Arc<Slot> {
        let slot = Arc::new(Slot {
            id: id.clone(),
            user,
            family,
            state: Mutex::new(SlotState {
                seq: 0,
                buffer: VecDeque::new(),
                tx: Some(tx),
                detached_at: None,
            }),
        });
        self.slots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, slot.clone());
        slot
    }

    /// Marks a session's socket gone (it stays resumable for the window).
    /// Returns whether the user has no attached session left.
    pub fn detach(&self, slot: &Slot, tx: &mpsc::Sender<Outbound>) -> bool {
        {
            let mut st = slot.lock();
            // Only detach if this socket is still the attached one (a resume may have replaced it).
            if st.tx.as_ref().is_some_and(|t| t.same_channel(tx)) {
                st.tx = None;
                st.detached_at = Some(Instant::now());
            }
        }
        !self.user_online(slot.user)
    }

    /// Removes a session for good.
    pub fn remove(&self, id: &str) {
        let removed = self
            .slots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        if removed.is_some() {
            self.ended(id);
        }
    }

    /// Whether any attached session belongs to `user`.
    pub fn user_online(&self, user: Id) -> bool {
        self.slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .any(|s| s.user == user && s.lock().tx.is_some())
    }

    /// Users with at least one attached session.
    pub fn online_users(&self) -> std::collections::HashSet<Id> {
        self.slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.lock().tx.is_some())
            .map(|s| s.user)
            .collect()
    }

    /// How many sessions are attached.
    pub fn attached_count(&self) -> usize {
        self.slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.lock().tx.is_some())
            .count()
    }

    /// Resumes `session_id` for `user` from `seq`, queueing the missed frames on `tx`.
    pub fn resume(
        &self,
        session_id: &str,
        user: Id,
        seq: u64,
        tx: mpsc::Sender<Outbound>,
    ) -> ResumeOutcome {
        let Some(slot) = self
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(session_id)
            .cloned()
        else {
            return ResumeOutcome::Invalid;
        };
        if slot.user != user {
            return ResumeOutcome::Invalid;
        }
        let mut st = slot.lock();
        if seq > st.seq {
            return ResumeOutcome::Invalid;
        }
        let oldest = st.buffer.front().map(|(s, _)| *s).unwrap_or(st.seq + 1);
        if seq + 1 < oldest {
            return ResumeOutcome::Invalid;
        }
        for (s, frame) in st.buffer.iter().filter(|(s, _)| *s > seq) {
            if tx.try_send(Outbound::Dispatch(*s, frame.clone())).is_err() {
                return ResumeOutcome::Invalid;
            }
        }
        let _ = tx.try_send(Outbound::Raw(Arc::from(r#"{"op":"resumed","d":{}}"#)));
        if let Some(old) = st.tx.replace(tx) {
            let _ = old.try_send(Outbound::Close(
                spectrus_proto::gateway::close::RECONNECT,
                "resumed elsewhere",
            ));
        }
        st.detached_at = None;
        drop(st);
        ResumeOutcome::Resumed(slot)
    }

    /// Serializes an event once and queues it for every session in the audience.
    pub fn dispatch<T: Serialize>(&self, event: &str, payload: &T, audience: Audience) {
        let Ok(d) = serde_json::to_string(payload) else {
            return;
        };
        let prefix: FramePrefix = Arc::from(format!(r#"{{"op":"dispatch","t":"{event}","d":{d}"#));
        if self.admin_events.receiver_count() > 0 {
            let data = serde_json::from_str(&d).unwrap_or(serde_json::Value::Null);
            let _ = self.admin_events.send(Arc::new(BusEvent {
                kind: event.to_owned(),
                at: crate::domain::time::rfc3339(crate::domain::time::now_ms()),
                data,
            }));
        }
        let slots: Vec<Arc<Slot>> = self
            .slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        // One cached viewer set per event: the per-session check is a hash lookup.
        let viewers = match &audience {
            Audience::Channel(ch) => Some(self.access.viewers(*ch)),
            _ => None,
        };
        for slot in slots {
            let wanted = match &audience {
                Audience::All => true,
                Audience::Channel(_) => viewers.as_ref().is_some_and(|v| v.contains(&slot.user)),
                Audience::User(u) => slot.user == *u,
            };
            if wanted {
                self.push(&slot, prefix.clone());
            }
        }
    }

    /// Users with a session (attached or waiting to be resumed).
    pub fn session_users(&self) -> std::collections::HashSet<Id> {
        self.slots
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|s| s.user)
            .collect()
    }

    fn push(&self, slot: &Slot, frame: FramePrefix) {
        let mut st = slot.lock();
        st.seq += 1;
        let seq = st.seq;
        if st.buffer.len() >= self.cfg.resume_buffer {
            st.buffer.pop_front();
        }
        st.buffer.push_back((seq, frame.clone()));
        if let Some(tx) = &st.tx
            && tx.try_send(Outbound::Dispatch(seq, frame)).is_err()
        {
            // A client too slow to keep up loses its socket; it can resume from the buffer.
            let _ = tx.try_send(Outbound::Close(
                spectrus_proto::gateway::close::RECONNECT,
                "too slow",
            ));
            st.tx = None;
            st.detached_at = Some(Instant::now());
        }
    }

    /// Sends a raw frame to one session.
    pub fn send_raw(&self, slot: &Slot, text: Arc<str>) {
        if let Some(tx) = &slot.lock().tx {
            let _ = tx.try_send(Outbound::Raw(text));
        }
    }

    /// Ends every session matching `pred` (closing attached sockets with `code`).
    pub fn end_sessions(&self, pred: impl Fn(&Slot) -> bool, code: u16, reason: &'static str) {
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        slots.retain(|_, s| {
            if pred(s) {
                if let Some(tx) = s.lock().tx.take() {
                    let _ = tx.try_send(Outbound::Close(code, reason));
                }
                let _ = self.ended_tx.send(s.id.clone());
                false
            } else {
                true
            }
        });
    }

    /// Drops sessions detached for longer than the resume window. Returns how many.
    pub fn reap(&self) -> usize {
        let window = self.cfg.resume_window;
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        let before = slots.len();
        slots.retain(|_, s| {
            let keep = s.lock().detached_at.is_none_or(|t| t.elapsed() < window);
            if !keep {
                let _ = self.ended_tx.send(s.id.clone());
            }
            keep
        });
        before - slots.len()
    }

    /// Subscribes to every dispatched event (the admin event stream).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.admin_events.subscribe()
    }

    /// Publishes an event only to the admin stream (not a gateway dispatch).
    pub fn admin_event(&self, kind: &str, data: serde_json::Value) {
        let _ = self.admin_events.send(Arc::new(BusEvent {
            kind: kind.to_owned(),
            at: crate::domain::time::rfc3339(crate::domain::time::now_ms()),
            data,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_proto::model::{Channel, ChannelType, Role};
    use spectrus_proto::permissions::PermissionSet;

    fn hub(buffer: usize) -> Hub {
        let everyone = Role {
            id: Id(1),
            name: "@everyone".into(),
            color: None,
            position: 0,
            permissions: crate::domain::permissions::default_everyone(),
            hoist: false,
            mentionable: false,
        };
        let ch = Channel {
            id: Id(10),
            kind: ChannelType::Text,
            name: "general".into(),
            topic: None,
            parent_id: None,
            position: 0,
            permission_overwrites: vec![],
            user_limit: None,
            bitrate: None,
        };
        let members = vec![crate::store::members::MemberRow {
            user: spectrus_proto::model::UserRef {
                id: Id(5),
                username: "a".into(),
                display_name: "a".into(),
            },
            nick: None,
            roles: vec![],
            joined_at: 0,
            timeout_until: None,
        }];
        let _ = PermissionSet::EMPTY;
        let access = Arc::new(Access::new(None, vec![everyone], members, vec![ch]));
        Hub::new(
            HubConfig {
                resume_buffer: buffer,
                resume_window: Duration::from_secs(60),
                outbound_queue: 64,
            },
            access,
        )
    }

    #[test]
    fn frames_are_stamped_per_session_and_replayed_on_resume() {
        let h = hub(3);
        let (tx, mut rx) = mpsc::channel(64);
        let slot = h.register("s1".into(), Id(5), Id(1), tx.clone());
        for i in 0..5 {
            h.dispatch(
                "X",
                &serde_json::json!({ "i": i }),
                Audience::Channel(Id(10)),
            );
        }
        let mut got = Vec::new();
        while let Ok(o) = rx.try_recv() {
            got.push(o.render().unwrap());
        }
        assert_eq!(got.len(), 5);
        assert_eq!(got[4], r#"{"op":"dispatch","t":"X","d":{"i":4},"s":5}"#);
        h.detach(&slot, &tx);
        // Buffer keeps the last 3 (s = 3, 4, 5): resuming from 2 replays them, from 1 is too old.
        let (tx2, mut rx2) = mpsc::channel(64);
        assert!(matches!(
            h.resume("s1", Id(5), 1, tx2.clone()),
            ResumeOutcome::Invalid
        ));
        assert!(matches!(
            h.resume("s1", Id(6), 2, tx2.clone()),
            ResumeOutcome::Invalid
        ));
        assert!(matches!(
            h.resume("s1", Id(5), 2, tx2),
            ResumeOutcome::Resumed(_)
        ));
        let seqs: Vec<String> = std::iter::from_fn(|| rx2.try_recv().ok())
            .filter_map(|o| o.render())
            .collect();
        assert_eq!(seqs.len(), 4);
        assert_eq!(seqs[3], r#"{"op":"resumed","d":{}}"#);
        assert!(seqs[0].ends_with(r#""s":3}"#));
    }

    #[test]
    fn channel_audience_skips_those_who_cannot_view() {
        let h = hub(10);
        let (tx, mut rx) = mpsc::channel(8);
        h.register("s".into(), Id(99), Id(1), tx); // not a member
        h.dispatch("X", &1, Audience::Channel(Id(10)));
        assert!(rx.try_recv().is_err());
        h.dispatch("X", &1, Audience::All);
        assert!(rx.try_recv().is_ok());
    }
}
