//! A lane's walk over its share of every session, which later events join on the way.
//!
//! An event for everyone or a channel is delivered by walking the lane's share of every
//! session ([`super::registry::Registry::by_lane`]). An event published for the same share
//! while a walk is under way does not wait for the walk to end: it *rides* along from the
//! session the walk has reached, in the same write as the events already riding, and goes
//! round the share once, ending just before the session where it joined. The walk ends when
//! its last rider has been round. Every session still gets its events in the order they were
//! published (a rider joins after the riders ahead of it, so it reaches every session with
//! them or after them), but a burst of posts costs one write per session instead of one per
//! post, and a post never waits for a whole walk of the one before it. The lane decides what
//! may join ([`super::lanes`]): any other job ends the joining and waits for the walk.

use std::collections::VecDeque;
use std::sync::Arc;

use super::out::Frame;
use super::slot::{AHEAD, Item, Slot, deliver, prefetch};
use super::wire::FramePrefix;
use crate::access::IdSet;

/// Every how many sessions the walk asks for events to take along.
const CHECK_EVERY: usize = 16;

/// Most events riding at once; more wait for the first to finish their round.
const MAX_RIDERS: usize = 64;

/// An event for a share of the sessions: its frame, and a channel's viewers (`None`: all).
pub(super) type Event = (FramePrefix, Option<Arc<IdSet>>);

/// An event riding the walk.
struct Rider {
    prefix: FramePrefix,
    viewers: Option<Arc<IdSet>>,
    /// The walk's step at which its round is over.
    ends: usize,
}

/// What a walk did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Walked {
    /// Events that rode (the first included).
    pub(super) events: usize,
    /// Writes made: one per session visited that any rider was for.
    pub(super) writes: usize,
}

/// Walks `slots` delivering `first` and every event `next` yields on the way (asked every
/// few sessions until it yields nothing), each round the share once from where it joined.
/// `record` is told the frames delivered and the sessions found too slow, once a round.
pub(super) fn walk(
    first: Event,
    slots: &[Arc<Slot>],
    mut next: impl FnMut() -> Option<Event>,
    buf: &mut Vec<u8>,
    mut record: impl FnMut(usize, u64),
) -> Walked {
    let n = slots.len();
    let mut walked = Walked::default();
    if n == 0 {
        return walked;
    }
    let mut riders = VecDeque::with_capacity(8);
    riders.push_back(Rider {
        prefix: first.0,
        viewers: first.1,
        ends: n,
    });
    walked.events = 1;
    let (mut delivered, mut overflows) = (0usize, 0u64);
    // Scratch reused for every session; emptied, so no borrow outlives a turn.
    let mut spare_items: Vec<Item<'static>> = Vec::with_capacity(8);
    let mut spare_frames: Vec<Frame<'static>> = Vec::with_capacity(8);
    let mut step = 0;
    while !riders.is_empty() {
        if step % CHECK_EVERY == 0 {
            while riders.len() < MAX_RIDERS {
                let Some((prefix, viewers)) = next() else {
                    break;
                };
                riders.push_back(Rider {
                    prefix,
                    viewers,
                    ends: step + n,
                });
                walked.events += 1;
            }
        }
        if step > 0 && step % n == 0 {
            // Once a round (a walk that riders keep going shows in `/metrics` as it goes).
            record(
                std::mem::take(&mut delivered),
                std::mem::take(&mut overflows),
            );
        }
        let at = step % n;
        let slot = &slots[at];
        prefetch(&slots[(at + AHEAD) % n]);
        let mut items = recycle(std::mem::take(&mut spare_items));
        let mut frames = recycle(std::mem::take(&mut spare_frames));
        for r in &riders {
            if r.viewers.as_ref().is_none_or(|v| v.contains(&slot.user)) {
                items.push(Item::Dispatch(&r.prefix));
            }
        }
        if !items.is_empty() {
            overflows += u64::from(deliver(slot, &items, buf, &mut frames));
            delivered += items.len();
            walked.writes += 1;
        }
        spare_items = recycle(items);
        spare_frames = recycle(frames);
        step += 1;
        while riders.front().is_some_and(|r| r.ends == step) {
            riders.pop_front();
        }
    }
    record(delivered, overflows);
    walked
}

/// An emptied vector keeping its allocation, free of the borrows its items held: the
/// standard library collects in place when the element types have the same layout, as an
/// item with one lifetime and the same item with another do.
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicU64;

    use spectrus_proto::Id;

    use super::*;
    use crate::bus::out::tests::{frames, pair};
    use crate::bus::resume::Ring;
    use crate::bus::slot::SlotState;

    /// `n` sessions of users 1..=n on real loopback connections (drained as a connection's
    /// task does), and their client ends.
    pub(crate) async fn sessions(n: u64) -> (Vec<Arc<Slot>>, Vec<tokio::net::TcpStream>) {
        let mut slots = Vec::new();
        let mut clients = Vec::new();
        for user in 1..=n {
            let (out, client) = pair(1000).await;
            // What the socket does not take at once is written by the connection's task.
            let drained = out.clone();
            tokio::spawn(async move { drained.drain(false).await });
            slots.push(Arc::new(Slot {
                id: format!("s{user}"),
                user: Id(user),
                family: Id(1),
                lane: 0,
                grouped: AtomicU64::new(0),
                state: Mutex::new(SlotState {
                    buffer: Ring::new(100),
                    out: Some(out),
                    detached_at: None,
                }),
            }));
            clients.push(client);
        }
        (slots, clients)
    }

    pub(crate) fn event(name: &str) -> FramePrefix {
        Arc::from(format!(r#"{{"op":"dispatch","t":"{name}","d":0"#))
    }

    /// What each client received (`n[i]` frames for client `i`), each frame as its event's
    /// name and sequence number ("A1"), a frame without a name as its text.
    pub(crate) async fn received(
        clients: &mut [tokio::net::TcpStream],
        n: &[usize],
    ) -> Vec<Vec<String>> {
        let mut all = Vec::new();
        for (client, &n) in clients.iter_mut().zip(n) {
            let got = frames(client, n).await;
            all.push(
                got.iter()
                    .map(|(_, p)| {
                        let f = String::from_utf8_lossy(p).into_owned();
                        match f.split(r#""t":""#).nth(1).and_then(|r| r.split('"').next()) {
                            Some(t) => {
                                let s = f.rsplit(r#""s":"#).next().unwrap_or("?");
                                format!("{t}{}", s.trim_end_matches('}'))
                            }
                            None => f,
                        }
                    })
                    .collect(),
            );
        }
        all
    }

    #[tokio::test]
    async fn events_published_during_a_walk_ride_it_in_order_and_in_fewer_writes() {
        let (slots, mut clients) = sessions(40).await;
        // The walk asks every 16 sessions: B is there at session 16, C (for even users only)
        // at session 32.
        let even: IdSet = (1..=40).filter(|u| u % 2 == 0).map(Id).collect();
        let mut later = VecDeque::from([
            None,
            Some((event("B"), None)),
            None,
            Some((event("C"), Some(Arc::new(even)))),
        ]);
        let mut frames_recorded = 0;
        let walked = walk(
            (event("A"), None),
            &slots,
            || later.pop_front().flatten(),
            &mut Vec::new(),
            |n, over| {
                frames_recorded += n;
                assert_eq!(over, 0);
            },
        );
        assert_eq!(walked.events, 3);
        // A alone to sessions 0..16, A+B to 16..32, A+B(+C) to 32..40; then B(+C) to 0..16
        // and C alone to the even users of 16..32: one write per session visited with
        // something for it.
        assert_eq!(walked.writes, 40 + 16 + 8);
        assert_eq!(frames_recorded, 40 + 40 + 20);
        let n: Vec<usize> = (1..=40).map(|u| if u % 2 == 0 { 3 } else { 2 }).collect();
        for (i, seen) in received(&mut clients, &n).await.iter().enumerate() {
            let want = if (i + 1) % 2 == 0 {
                &["A1", "B2", "C3"][..]
            } else {
                &["A1", "B2"][..]
            };
            assert_eq!(seen, want, "session {i}: every event once, in order");
        }
    }

    #[tokio::test]
    async fn what_waits_when_a_walk_begins_goes_in_the_same_writes() {
        let (slots, mut clients) = sessions(5).await;
        let mut later = VecDeque::from([(event("B"), None), (event("C"), None)]);
        let walked = walk(
            (event("A"), None),
            &slots,
            || later.pop_front(),
            &mut Vec::new(),
            |_, _| {},
        );
        assert_eq!(
            walked,
            Walked {
                events: 3,
                writes: 5
            }
        );
        let got = received(&mut clients, &[3; 5]).await;
        assert!(got.iter().all(|s| s == &["A1", "B2", "C3"]), "{got:?}");
    }

    #[test]
    fn a_recycled_vector_keeps_its_allocation() {
        let prefix = event("A");
        let mut v: Vec<Item<'_>> = Vec::with_capacity(8);
        v.push(Item::Dispatch(&prefix));
        let at = v.as_ptr() as usize;
        let w: Vec<Item<'static>> = recycle(v);
        assert!(w.is_empty());
        assert_eq!(w.capacity(), 8);
        assert_eq!(w.as_ptr() as usize, at);
    }
}
