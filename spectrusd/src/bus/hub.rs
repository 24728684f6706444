//! The event bus and session registry.
//!
//! An event is serialized once into a shared frame prefix (`{"op":"dispatch","t":..,"d":..`);
//! the delivery lanes ([`super::lanes`]) stamp each recipient's own sequence number as they
//! write it. Every dispatched frame also enters the session's resume buffer (bounded), so a
//! client that drops its socket can resume and receive exactly what it missed.

use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, close};
use tokio::sync::{broadcast, mpsc};

use super::lanes::{Job, Lanes, Targets};
use super::out::Out;
use super::registry::Registry;
use super::resume::Ring;
use super::slot::{Slot, SlotState};
use super::wire::FramePrefix;
use crate::access::Access;

/// Who receives an event.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Every session.
    All,
    /// Sessions whose user can view this channel.
    Channel(Id),
    /// Sessions of one user.
    User(Id),
    /// Sessions watching this member (`watch_members`), and the member's own: presence and
    /// member updates in large-server mode.
    Watchers(Id),
}

/// An event as the admin event stream sees it.
#[derive(Debug, Clone)]
pub struct BusEvent {
    /// The gateway event's name, or the admin-only event's type.
    pub kind: String,
    /// When it was published.
    pub at: SystemTime,
    pub data: serde_json::Value,
}

/// How resuming went.
pub enum ResumeOutcome {
    /// Replayed frames were sent; the session is attached to the new socket.
    Resumed(Arc<Slot>),
    /// Unknown session, another user's, or events were lost: identify again.
    Invalid,
}

/// Receives, outside the sessions, the events one user may see (a plugin bot's webhook
/// queue). [`Tap::offer`] runs on the publishing thread: it must not block.
pub trait Tap: Send + Sync {
    /// The user whose view of events the tap gets.
    fn user(&self) -> Id;
    /// One event the user may see: its name and its payload's JSON.
    fn offer(&self, event: &str, payload: &str);
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
    slots: RwLock<Registry>,
    lanes: Lanes,
    admin_events: broadcast::Sender<Arc<BusEvent>>,
    /// Ids of sessions that ended for good (removed, ended, reaped): voice leaves with them.
    ended_tx: mpsc::UnboundedSender<String>,
    ended_rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    /// Event taps (plugin webhooks), filtered like sessions of their user.
    taps: RwLock<Vec<Arc<dyn Tap>>>,
}

impl Hub {
    /// A hub filtering by `access`; starts the delivery lanes.
    pub fn new(cfg: HubConfig, access: Arc<Access>) -> Hub {
        let (admin_events, _) = broadcast::channel(1024);
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        Hub {
            lanes: Lanes::start(),
            cfg,
            access,
            slots: RwLock::new(Registry::default()),
            admin_events,
            ended_tx,
            ended_rx: Mutex::new(Some(ended_rx)),
            taps: RwLock::new(Vec::new()),
        }
    }

    /// Replaces the event taps.
    pub fn set_taps(&self, taps: Vec<Arc<dyn Tap>>) {
        *self.taps.write().unwrap_or_else(|p| p.into_inner()) = taps;
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

    /// How many frames a connection may have waiting before it counts as too slow (4010).
    /// A resume replays at most the resume buffer, so the queue holds that much and more.
    /// `(frames delivered, sessions closed because their outbound queue overflowed)` since
    /// start, for `/metrics`.
    pub fn delivery_counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let c = &self.lanes.counters;
        (c.frames.load(Relaxed), c.overflows.load(Relaxed))
    }

    /// How many frames a connection may have waiting (room for a full replay).
    pub fn queue_capacity(&self) -> usize {
        self.cfg.outbound_queue.max(16)
    }

    /// Registers a new session attached to `out`.
    pub fn register(&self, id: String, user: Id, family: Id, out: Arc<Out>) -> Arc<Slot> {
        let slot = Arc::new(Slot {
            id,
            user,
            family,
            lane: self.lanes.assign(),
            grouped: AtomicU64::new(0),
            state: Mutex::new(SlotState {
                buffer: Ring::new(self.cfg.resume_buffer),
                out: Some(out),
                detached_at: None,
            }),
        });
        self.registry_mut().insert(slot.clone());
        slot
    }

    fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.slots.read().unwrap_or_else(|p| p.into_inner())
    }

    fn registry_mut(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.slots.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes `slot` watch `members` (instead of what it watched): it receives their
    /// presence and member updates published to [`Audience::Watchers`].
    pub fn watch(&self, slot: &Arc<Slot>, members: HashSet<Id>) {
        self.registry_mut().set_watching(slot, members);
    }

    /// Marks a session's socket gone (it stays resumable for the window).
    /// Returns whether the user has no attached session left.
    pub fn detach(&self, slot: &Slot, out: &Arc<Out>) -> bool {
        {
            let mut st = slot.lock();
            // Only detach if this socket is still the attached one (a resume may have replaced it).
            if st.out.as_ref().is_some_and(|o| Arc::ptr_eq(o, out)) {
                st.out = None;
                st.detached_at = Some(Instant::now());
            }
        }
        !self.user_online(slot.user)
    }

    /// Removes a session for good.
    pub fn remove(&self, id: &str) {
        let removed = self.registry_mut().remove(id);
        if removed.is_some() {
            self.ended(id);
        }
    }

    /// Whether any attached session belongs to `user` (looks at the user's sessions only).
    pub fn user_online(&self, user: Id) -> bool {
        self.registry()
            .of_user(user)
            .iter()
            .any(|s| s.is_attached())
    }

    /// Users with at least one attached session.
    pub fn online_users(&self) -> HashSet<Id> {
        self.registry()
            .users()
            .filter(|(_, slots)| slots.iter().any(|s| s.is_attached()))
            .map(|(u, _)| *u)
            .collect()
    }

    /// How many sessions are attached.
    pub fn attached_count(&self) -> usize {
        self.registry().all().filter(|s| s.is_attached()).count()
    }

    /// Resumes `session_id` for `user` from `seq`: sends the missed frames and `resumed` on
    /// `out`, and attaches the session to it.
    pub fn resume(&self, session_id: &str, user: Id, seq: u64, out: Arc<Out>) -> ResumeOutcome {
        let Some(slot) = self.registry().get(session_id).cloned() else {
            return ResumeOutcome::Invalid;
        };
        if slot.user != user {
            return ResumeOutcome::Invalid;
        }
        // The slot's lock keeps its lane out while the replay is written.
        let mut st = slot.lock();
        if seq > st.buffer.last() || seq + 1 < st.buffer.oldest() {
            return ResumeOutcome::Invalid;
        }
        let mut buf = Vec::new();
        for (s, frame) in st.buffer.after(seq) {
            if out.replay(s, frame, &mut buf).is_err() {
                return ResumeOutcome::Invalid;
            }
        }
        let _ = out.text(Arc::from(r#"{"op":"resumed","d":{}}"#));
        if let Some(old) = st.out.replace(out) {
            old.close(close::RECONNECT, "resumed elsewhere");
        }
        st.detached_at = None;
        drop(st);
        ResumeOutcome::Resumed(slot)
    }

    /// Publishes an event: serializes it once and hands it to the lanes of every session in
    /// the audience, and to the admin stream (when it has followers) unless it is for one
    /// user only (what one member may now see is not a change to the server).
    pub fn publish(&self, event: Dispatch, audience: Audience) {
        let log = !matches!(audience, Audience::User(_));
        self.publish_to(event, audience, log);
    }

    /// Publishes an event to the sessions only: for a change whose service reports it to the
    /// admin stream itself, by its own name ([`Hub::admin_event`]), so that one change is one
    /// event there (a kick is `member_kick`, not also `member_leave`).
    pub fn publish_unlogged(&self, event: Dispatch, audience: Audience) {
        self.publish_to(event, audience, false);
    }

    /// Offers an event to the taps whose user is in its audience.
    fn offer_taps(
        &self,
        name: &str,
        payload: &str,
        audience: &Audience,
        viewers: Option<&crate::access::IdSet>,
    ) {
        let taps = self.taps.read().unwrap_or_else(|p| p.into_inner());
        for tap in taps.iter() {
            let user = tap.user();
            let wanted = match audience {
                Audience::All => true,
                Audience::Channel(_) => viewers.is_some_and(|v| v.contains(&user)),
                Audience::User(u) | Audience::Watchers(u) => *u == user,
            };
            if wanted {
                tap.offer(name, payload);
            }
        }
    }

    fn publish_to(&self, event: Dispatch, audience: Audience, log: bool) {
        // Direct messages are for their participants only, never the operator's stream.
        let log = log && !matches!(audience, Audience::Channel(ch) if self.access.is_private(ch));
        let mut frame = Vec::with_capacity(256);
        frame.extend_from_slice(br#"{"op":"dispatch","t":""#);
        frame.extend_from_slice(event.name().as_bytes());
        frame.extend_from_slice(br#"","d":"#);
        let payload_at = frame.len();
        if let Err(e) = event.write_payload(&mut frame) {
            tracing::error!(event = event.name(), error = %e, "cannot serialize an event");
            return;
        }
        let Ok(frame) = String::from_utf8(frame) else {
            return;
        };
        if log && self.admin_events.receiver_count() > 0 {
            let data =
                serde_json::from_str(&frame[payload_at..]).unwrap_or(serde_json::Value::Null);
            let _ = self.admin_events.send(Arc::new(BusEvent {
                kind: event.name().to_owned(),
                at: SystemTime::now(),
                data,
            }));
        }
        let prefix: FramePrefix = Arc::from(frame);
        // One cached viewer set per event: the per-session check is a hash lookup.
        let viewers = match &audience {
            Audience::Channel(ch) => Some(self.access.viewers(*ch)),
            _ => None,
        };
        self.offer_taps(
            event.name(),
            &prefix[payload_at..],
            &audience,
            viewers.as_deref(),
        );
        let lanes = self.lanes.count();
        let mut per_lane: Vec<Targets> = Vec::with_capacity(lanes);
        {
            let registry = self.registry();
            // Everyone and a channel's viewers: each lane gets its share of every session
            // (made once, shared by every such event) and skips those who cannot view the
            // channel itself. One user's sessions and a member's watchers come from the
            // indexes.
            let listed: Option<Box<dyn Iterator<Item = &Arc<Slot>>>> = match &audience {
                Audience::All | Audience::Channel(_) => None,
                Audience::User(u) => Some(Box::new(registry.of_user(*u).iter())),
                Audience::Watchers(u) => Some(Box::new(registry.watching(*u))),
            };
            match listed {
                None => {
                    for share in registry.by_lane(lanes) {
                        per_lane.push(Targets::Shared(share.clone(), viewers.clone()));
                    }
                }
                Some(slots) => {
                    per_lane.resize_with(lanes, || Targets::Listed(Vec::new()));
                    for slot in slots {
                        if let Some(Targets::Listed(lane)) = per_lane.get_mut(slot.lane) {
                            lane.push(slot.clone());
                        }
                    }
                }
            }
        }
        let mut first = true;
        for (lane, targets) in per_lane.into_iter().enumerate() {
            if !targets.is_empty() {
                // A copy of the frame per lane: each lane counts references to its own
                // (one per resume buffer entry), so the lanes never share that cache line.
                let prefix = if std::mem::take(&mut first) {
                    prefix.clone()
                } else {
                    FramePrefix::from(&*prefix)
                };
                let job = Job::Dispatch(prefix, targets);
                self.lanes.submit(lane, job);
            }
        }
    }

    /// Users with a session (attached or waiting to be resumed).
    pub fn session_users(&self) -> HashSet<Id> {
        self.registry().users().map(|(u, _)| *u).collect()
    }

    /// Sends a raw frame to one session, after the events already dispatched to it.
    pub fn send_raw(&self, slot: &Arc<Slot>, text: Arc<str>) {
        let job = Job::Raw(slot.clone(), text);
        self.lanes.submit(slot.lane, job);
    }

    /// Ends every session matching `pred` (closing attached sockets with `code`).
    pub fn end_sessions(&self, pred: impl Fn(&Slot) -> bool, code: u16, reason: &'static str) {
        let ended = self.registry_mut().remove_where(pred);
        for s in ended {
            if let Some(out) = s.lock().out.take() {
                out.close(code, reason);
            }
            self.ended(&s.id);
        }
    }

    /// Drops sessions detached for longer than the resume window. Returns how many.
    pub fn reap(&self) -> usize {
        let window = self.cfg.resume_window;
        let reaped = self
            .registry_mut()
            .remove_where(|s| s.lock().detached_at.is_some_and(|t| t.elapsed() >= window));
        for s in &reaped {
            self.ended(&s.id);
        }
        reaped.len()
    }

    /// Subscribes to every dispatched event (the admin event stream).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.admin_events.subscribe()
    }

    /// Publishes an event only to the admin stream (not a gateway dispatch).
    pub fn admin_event(&self, kind: &str, data: serde_json::Value) {
        let _ = self.admin_events.send(Arc::new(BusEvent {
            kind: kind.to_owned(),
            at: SystemTime::now(),
            data,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::super::out::tests::{frames, pair};
    use super::*;
    use serde::Serialize;
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
            managed_by: None,
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
            slowmode_seconds: 0,
        };
        let members = vec![crate::store::members::MemberRow {
            user: spectrus_proto::model::UserRef {
                id: Id(5),
                username: "a".into(),
                display_name: "a".into(),
                avatar_url: None,
                bot: false,
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

    /// An event by name, as an unknown event (the hub does not care which).
    fn ev(t: &str, d: &impl Serialize) -> Dispatch {
        Dispatch::Unknown {
            t: t.into(),
            d: serde_json::to_value(d).unwrap(),
        }
    }

    /// A connection whose queue is drained, as its task does.
    async fn connected(limit: usize) -> (Arc<Out>, tokio::net::TcpStream) {
        let (out, client) = pair(limit).await;
        let drained = out.clone();
        tokio::spawn(async move { drained.drain(false).await });
        (out, client)
    }

    fn text(frames: &[(u8, Vec<u8>)]) -> Vec<String> {
        frames
            .iter()
            .map(|(_, p)| String::from_utf8_lossy(p).into_owned())
            .collect()
    }

    #[tokio::test]
    async fn frames_are_stamped_per_session_and_replayed_on_resume() {
        let h = hub(3);
        let (out, mut client) = connected(64).await;
        let slot = h.register("s1".into(), Id(5), Id(1), out.clone());
        for i in 0..5 {
            h.publish(
                ev("X", &serde_json::json!({ "i": i })),
                Audience::Channel(Id(10)),
            );
        }
        let got = text(&frames(&mut client, 5).await);
        assert_eq!(got[4], r#"{"op":"dispatch","t":"X","d":{"i":4},"s":5}"#);
        assert!(got[0].ends_with(r#""s":1}"#));
        h.detach(&slot, &out);
        // Buffer keeps the last 3 (s = 3, 4, 5): resuming from 2 replays them, from 1 is too old.
        let (out2, mut client2) = connected(64).await;
        assert!(matches!(
            h.resume("s1", Id(5), 1, out2.clone()),
            ResumeOutcome::Invalid
        ));
        assert!(matches!(
            h.resume("s1", Id(6), 2, out2.clone()),
            ResumeOutcome::Invalid
        ));
        assert!(matches!(
            h.resume("s1", Id(5), 2, out2),
            ResumeOutcome::Resumed(_)
        ));
        let seqs = text(&frames(&mut client2, 4).await);
        assert_eq!(seqs[3], r#"{"op":"resumed","d":{}}"#);
        assert!(seqs[0].ends_with(r#""s":3}"#));
        // Live events continue the numbering on the new socket.
        h.publish(ev("Y", &1), Audience::All);
        let next = text(&frames(&mut client2, 1).await);
        assert_eq!(next[0], r#"{"op":"dispatch","t":"Y","d":1,"s":6}"#);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn every_session_gets_its_events_in_order_however_the_lanes_batch_them() {
        let h = hub(1000);
        let mut sessions = Vec::new();
        for i in 0..3 {
            let (out, client) = connected(10_000).await;
            let slot = h.register(format!("s{i}"), Id(5 + i), Id(1), out);
            sessions.push((slot, client));
        }
        // Bursts far faster than one write per frame: the lanes fall behind and batch.
        for n in 0..300u64 {
            h.publish(ev("A", &n), Audience::All);
            h.publish(ev("U", &n), Audience::User(Id(6)));
            if n % 50 == 0 {
                h.send_raw(&sessions[2].0, Arc::from(format!("raw {n}")));
            }
        }
        for (i, (_, client)) in sessions.iter_mut().enumerate() {
            let expected = 300 + if i == 1 { 300 } else { 0 } + if i == 2 { 6 } else { 0 };
            let got = text(&frames(client, expected).await);
            assert_eq!(got.len(), expected, "session {i}");
            let mut seq = 0;
            let mut last_a = None;
            for f in &got {
                if let Some(raw) = f.strip_prefix("raw ") {
                    // A raw frame comes right after the event dispatched just before it.
                    let n: u64 = raw.parse().unwrap();
                    assert_eq!(last_a, Some(n), "raw frame out of place");
                    continue;
                }
                seq += 1;
                assert!(f.ends_with(&format!(r#","s":{seq}}}"#)), "session {i}: {f}");
                if f.contains(r#""t":"A""#) {
                    let d = f.split(r#""d":"#).nth(1).unwrap();
                    let n: u64 = d.split(',').next().unwrap().parse().unwrap();
                    assert_eq!(
                        last_a.map_or(0, |l| l + 1),
                        n,
                        "session {i}: events out of order"
                    );
                    last_a = Some(n);
                }
            }
        }
    }

    #[tokio::test]
    async fn a_walk_over_many_sessions_reaches_everyone_in_order() {
        let h = hub(1000);
        let mut sessions = Vec::new();
        // Enough sessions for the walk's prefetching to run ahead of many turns.
        for i in 0..266u64 {
            let (out, client) = connected(10_000).await;
            h.register(format!("s{i}"), Id(5 + i), Id(1), out);
            sessions.push(client);
        }
        // One at a time (a walk each), then a burst (the lane batches it).
        for n in 0..20u64 {
            h.publish(ev("A", &n), Audience::All);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for n in 20..40u64 {
            h.publish(ev("A", &n), Audience::All);
        }
        for (i, client) in sessions.iter_mut().enumerate() {
            let got = tokio::time::timeout(Duration::from_secs(10), frames(client, 40))
                .await
                .unwrap_or_else(|_| panic!("session {i} did not get every event"));
            let got = text(&got);
            for (n, f) in got.iter().enumerate() {
                assert_eq!(
                    f,
                    &format!(r#"{{"op":"dispatch","t":"A","d":{n},"s":{}}}"#, n + 1),
                    "session {i}"
                );
            }
        }
    }

    #[tokio::test]
    async fn channel_audience_skips_those_who_cannot_view() {
        let h = hub(10);
        let (out, mut client) = connected(8).await;
        h.register("s".into(), Id(99), Id(1), out); // not a member
        h.publish(ev("X", &1), Audience::Channel(Id(10)));
        h.publish(ev("Y", &2), Audience::All);
        // The first frame to arrive is the second event: the first was never sent.
        let got = text(&frames(&mut client, 1).await);
        assert_eq!(got[0], r#"{"op":"dispatch","t":"Y","d":2,"s":1}"#);
    }

    #[tokio::test]
    async fn a_session_that_stops_reading_is_closed_and_can_resume() {
        let h = hub(100_000);
        let (out, mut client) = pair(4).await;
        let slot = h.register("s".into(), Id(5), Id(1), out.clone());
        let big = "x".repeat(64 * 1024);
        // Far more than the socket buffers and the queue of 4 hold while nobody reads.
        for _ in 0..200 {
            h.publish(ev("X", &big), Audience::All);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while h.user_online(Id(5)) {
            assert!(
                Instant::now() < deadline,
                "the slow session was never dropped"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(h.attached_count(), 0);
        // Draining what was queued ends with the close frame.
        let drain = tokio::spawn(async move { out.drain(false).await });
        let mut bytes = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut client, &mut bytes)
            .await
            .unwrap();
        assert!(drain.await.is_ok());
        let mut close_frame = vec![0x88, 10];
        close_frame.extend_from_slice(&close::RECONNECT.to_be_bytes());
        close_frame.extend_from_slice(b"too slow");
        assert!(bytes.ends_with(&close_frame), "no close frame at the end");
        // Nothing was lost for a resume: the buffer holds every event.
        assert_eq!(slot.lock().buffer.last(), 200);
    }

    #[tokio::test]
    async fn events_for_everyone_follow_sessions_coming_and_going() {
        let h = hub(10);
        let (a, mut ca) = connected(64).await;
        h.register("a".into(), Id(5), Id(1), a);
        h.publish(ev("X", &1), Audience::All);
        // A session that comes after an event does not get it, and gets the next ones.
        let (b, mut cb) = connected(64).await;
        h.register("b".into(), Id(6), Id(1), b);
        h.publish(ev("Y", &2), Audience::All);
        h.publish(ev("Z", &3), Audience::Channel(Id(10)));
        assert_eq!(
            text(&frames(&mut cb, 1).await),
            [r#"{"op":"dispatch","t":"Y","d":2,"s":1}"#]
        );
        let a_got = text(&frames(&mut ca, 3).await);
        assert_eq!(a_got[2], r#"{"op":"dispatch","t":"Z","d":3,"s":3}"#);
        // Gone: a removed session is left out of the next event for everyone.
        h.remove("a");
        h.publish(ev("W", &4), Audience::All);
        let b_got = text(&frames(&mut cb, 1).await);
        assert_eq!(b_got[0], r#"{"op":"dispatch","t":"W","d":4,"s":2}"#);
        assert_eq!(
            h.registry()
                .by_lane(h.lanes.count())
                .iter()
                .map(|l| l.len())
                .sum::<usize>(),
            1
        );
    }

    /// Who an event for `audience` reaches: the ids of sessions whose socket got a frame.
    async fn reached(
        h: &Hub,
        audience: Audience,
        clients: &mut [(&str, &mut tokio::net::TcpStream)],
    ) -> Vec<String> {
        h.publish(ev("P", &1), audience);
        // A marker to everyone after it: a session that got P has it before the marker.
        h.publish(ev("M", &1), Audience::All);
        let mut got = Vec::new();
        for (id, client) in clients.iter_mut() {
            // Both may come in one read: everything up to the marker.
            let mut seen = Vec::new();
            while !seen.iter().any(|f: &String| f.contains(r#""t":"M""#)) {
                seen.extend(text(&frames(client, 1).await));
            }
            assert!(seen.last().is_some_and(|f| f.contains(r#""t":"M""#)));
            if seen.iter().any(|f| f.contains(r#""t":"P""#)) {
                got.push((*id).to_owned());
            }
        }
        got
    }

    #[tokio::test]
    async fn the_user_and_watcher_indexes_follow_connects_disconnects_and_resumes() {
        let h = hub(100);
        let (a1, _c1) = connected(64).await;
        let (a2, _c2) = connected(64).await;
        let (b, mut cb) = connected(64).await;
        let s1 = h.register("a1".into(), Id(5), Id(1), a1.clone());
        let s2 = h.register("a2".into(), Id(5), Id(1), a2.clone());
        let sb = h.register("b".into(), Id(6), Id(1), b);
        assert!(h.user_online(Id(5)) && h.user_online(Id(6)));
        assert!(!h.user_online(Id(7)));
        assert_eq!(h.registry().sizes(), (3, 2, 0));

        // One of two sessions gone: still online; both: offline; a resume: online again.
        assert!(!h.detach(&s1, &a1), "a2 is still attached");
        assert!(h.user_online(Id(5)));
        assert!(h.detach(&s2, &a2), "the last attached session left");
        assert!(!h.user_online(Id(5)));
        assert_eq!(h.online_users(), HashSet::from([Id(6)]));
        let (a1b, mut c1b) = connected(64).await;
        assert!(matches!(
            h.resume("a1", Id(5), 0, a1b),
            ResumeOutcome::Resumed(_)
        ));
        assert_eq!(
            text(&frames(&mut c1b, 1).await)[0],
            r#"{"op":"resumed","d":{}}"#
        );
        assert!(h.user_online(Id(5)));
        assert_eq!(h.online_users(), HashSet::from([Id(5), Id(6)]));

        // Watchers: b watches 5 and 7; an event about 5 reaches b and 5's own session.
        h.watch(&sb, HashSet::from([Id(5), Id(7)]));
        assert_eq!(h.registry().sizes(), (3, 2, 2));
        let mut clients = [("a1", &mut c1b), ("b", &mut cb)];
        assert_eq!(
            reached(&h, Audience::Watchers(Id(5)), &mut clients).await,
            ["a1", "b"]
        );
        assert_eq!(
            reached(&h, Audience::Watchers(Id(6)), &mut clients).await,
            ["b"],
            "a member's own session, watching or not"
        );
        // Watching something else replaces what it watched.
        h.watch(&sb, HashSet::from([Id(7)]));
        assert_eq!(h.registry().sizes(), (3, 2, 1));
        assert_eq!(
            reached(&h, Audience::Watchers(Id(5)), &mut clients).await,
            ["a1"]
        );
        assert_eq!(
            reached(&h, Audience::User(Id(6)), &mut clients).await,
            ["b"]
        );

        // Ending a session takes it out of every index; a late watch for it is ignored.
        h.end_sessions(|s| s.id == "b", close::RECONNECT, "bye");
        assert!(!h.user_online(Id(6)));
        h.watch(&sb, HashSet::from([Id(5)]));
        assert_eq!(h.registry().sizes(), (2, 1, 0));
        // The detached a2 goes with the reaper once its window is over; a1 stays.
        let short = Hub {
            cfg: HubConfig {
                resume_window: Duration::ZERO,
                ..h.cfg.clone()
            },
            ..h
        };
        assert_eq!(short.reap(), 1);
        assert_eq!(short.registry().sizes(), (1, 1, 0));
        assert!(short.user_online(Id(5)));
        short.remove("a1");
        assert_eq!(short.registry().sizes(), (0, 0, 0));
        assert!(!short.user_online(Id(5)));
    }
}
