//! Delivery lanes: a few threads that write events into sessions' sockets.
//!
//! Each session belongs to one lane for its whole life and a lane does its jobs in order,
//! so a session receives events in the order they were dispatched. A dispatch to 10,000
//! sessions is one job per lane: the lane walks its share, stamps each session's sequence
//! number and writes the frame straight into the socket ([`super::out`]); no task is woken
//! per delivery. Events published while a walk is under way for the same sessions join it
//! ([`super::walk`]); other jobs queued behind each other are done as one batch, each
//! session's share in one write ([`work_batch`]). Lanes run at normal priority: at nice +5
//! (tried) the readers of the benchmark's 1,000 sessions pre-empted them and the fan-out's
//! tail grew by a third.
//! Walking, a lane asks the CPU for each session's state two turns ahead ([`prefetch`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::slot::{AHEAD, Item, Slot, deliver, prefetch};
use super::walk;
use super::wire::FramePrefix;
use crate::access::IdSet;

/// The sessions of one lane an event is for.
pub(super) enum Targets {
    /// These sessions (one user's, a member's watchers).
    Listed(Vec<Arc<Slot>>),
    /// The lane's share of every session ([`super::registry::Registry::by_lane`]), shared
    /// by every event for everyone or a channel; with a set of users, only their sessions
    /// (the channel's viewers), checked here as each session's turn comes.
    Shared(Arc<[Arc<Slot>]>, Option<Arc<IdSet>>),
}

impl Targets {
    /// Whether there is no session at all to look at.
    pub(super) fn is_empty(&self) -> bool {
        match self {
            Targets::Listed(v) => v.is_empty(),
            Targets::Shared(v, _) => v.is_empty(),
        }
    }

    /// The sessions to look at and, for a channel, the users whose sessions it is for.
    fn all(&self) -> (&[Arc<Slot>], Option<&IdSet>) {
        match self {
            Targets::Listed(v) => (v, None),
            Targets::Shared(v, only) => (v, only.as_deref()),
        }
    }

    /// The sessions the event is for, with their index in [`Targets::all`].
    fn iter(&self) -> impl Iterator<Item = (usize, &Arc<Slot>)> {
        let (slots, only) = self.all();
        slots
            .iter()
            .enumerate()
            .filter(move |(_, s)| only.is_none_or(|users| users.contains(&s.user)))
    }
}

/// Work for one lane.
pub(super) enum Job {
    /// One event for these sessions.
    Dispatch(FramePrefix, Targets),
    /// A frame without a sequence number for one session (voice signalling).
    Raw(Arc<Slot>, Arc<str>),
}

/// What the lanes did, for `/metrics`.
#[derive(Default)]
pub(super) struct Counters {
    /// Frames delivered to sessions (written or queued for the socket).
    pub(super) frames: AtomicU64,
    /// Sessions disconnected because their outbound queue overflowed (too slow).
    pub(super) overflows: AtomicU64,
}

impl Counters {
    fn record(&self, frames: usize, overflows: u64) {
        self.frames.fetch_add(frames as u64, Ordering::Relaxed);
        if overflows > 0 {
            self.overflows.fetch_add(overflows, Ordering::Relaxed);
        }
    }
}

/// The lanes; dropping this stops their threads once their queues are empty.
pub(super) struct Lanes {
    senders: Vec<mpsc::Sender<Job>>,
    next: AtomicUsize,
    pub(super) counters: Arc<Counters>,
}

impl Lanes {
    /// Starts one lane per two cores (at least one). A lane per core left nothing for the
    /// runtime, the store's writer and the kernel's receive work: on two cores, the
    /// 10,000-member fan-out's p99 was a third lower with the daemon on one core (so one lane)
    /// than on both (docs/benchmarks.md, session 6).
    pub(super) fn start() -> Lanes {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .div_ceil(2);
        let mut senders = Vec::with_capacity(n);
        let counters = Arc::new(Counters::default());
        for i in 0..n {
            let (tx, rx) = mpsc::channel::<Job>();
            let c = counters.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("spectrus-gw-lane{i}"))
                .spawn(move || run(rx, &c));
            match spawned {
                Ok(_) => senders.push(tx),
                Err(e) => tracing::error!(error = %e, "cannot start a gateway delivery lane"),
            }
        }
        Lanes {
            senders,
            next: AtomicUsize::new(0),
            counters,
        }
    }

    /// How many lanes run.
    pub(super) fn count(&self) -> usize {
        self.senders.len().max(1)
    }

    /// The lane for a new session (round robin).
    pub(super) fn assign(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.count()
    }

    /// Queues `job` on lane `lane`; without lanes (none could start) it runs here.
    pub(super) fn submit(&self, lane: usize, job: Job) {
        let job = match self.senders.get(lane) {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        work(job, &mut Vec::new(), &self.counters);
    }
}

/// Most jobs a lane takes in one batch.
const MAX_BATCH: usize = 64;

fn run(rx: mpsc::Receiver<Job>, counters: &Counters) {
    let mut buf = Vec::with_capacity(4096);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut groups = Groups::default();
    // Jobs taken from the queue that could not join a walk: they go first.
    let mut pending = VecDeque::new();
    loop {
        let job = match pending.pop_front() {
            Some(job) => job,
            None => match rx.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        // An event for everyone or a channel: a walk, which the next such events for the
        // same sessions join until another kind of job comes, which waits for the walk.
        let job = match job {
            Job::Dispatch(prefix, Targets::Shared(slots, viewers)) => {
                let share = slots.clone();
                let mut joining = true;
                let next = || {
                    if !joining {
                        return None;
                    }
                    match rx.try_recv() {
                        Ok(Job::Dispatch(prefix, Targets::Shared(same, viewers)))
                            if Arc::ptr_eq(&same, &share) =>
                        {
                            Some((prefix, viewers))
                        }
                        Ok(other) => {
                            pending.push_back(other);
                            joining = false;
                            None
                        }
                        Err(_) => None,
                    }
                };
                let record = |frames, overflows| counters.record(frames, overflows);
                walk::walk((prefix, viewers), &slots, next, &mut buf, record);
                continue;
            }
            job => job,
        };
        batch.push(job);
        while batch.len() < MAX_BATCH {
            match pending.pop_front().or_else(|| rx.try_recv().ok()) {
                Some(job) => batch.push(job),
                None => break,
            }
        }
        if batch.len() == 1 {
            if let Some(job) = batch.pop() {
                work(job, &mut buf, counters);
            }
        } else {
            groups.next_batch();
            work_batch(&batch, &mut groups, &mut buf, counters);
            batch.clear();
        }
    }
}

fn work(job: Job, buf: &mut Vec<u8>, counters: &Counters) {
    let mut frames = Vec::with_capacity(1);
    match job {
        Job::Dispatch(frame, targets) => {
            let items = [Item::Dispatch(&frame)];
            let slots = targets.all().0;
            let (mut delivered, mut overflows) = (0, 0);
            for (i, slot) in targets.iter() {
                if let Some(next) = slots.get(i + AHEAD) {
                    prefetch(next);
                }
                overflows += u64::from(deliver(slot, &items, buf, &mut frames));
                delivered += 1;
            }
            counters.record(delivered, overflows);
        }
        Job::Raw(slot, text) => {
            let over = deliver(&slot, &[Item::Raw(&text)], buf, &mut frames);
            counters.record(1, u64::from(over));
        }
    }
}

/// Which sessions a batch holds items for, in the order they first appear, without a map
/// or an allocation per session: a session's group is noted in the session itself
/// ([`Slot::grouped`], which only its lane touches), stamped with the batch's number.
#[derive(Default)]
struct Groups {
    /// The batch's number (32 bits, wrapping): a mark of an older batch with the same
    /// number is told apart by the group's session.
    batch: u64,
    groups: Vec<Group>,
    /// Per item: the job it comes from and the next item of the same session.
    links: Vec<(u32, u32)>,
}

/// One session's items in a batch.
struct Group {
    /// The session's address.
    slot: usize,
    /// Where the session first appeared: the job, and its index in the job's slots.
    job: u32,
    at: u32,
    /// Its first and last item in [`Groups::links`].
    first: u32,
    last: u32,
}

/// No next item.
const END: u32 = u32::MAX;

impl Groups {
    fn next_batch(&mut self) {
        self.batch = (self.batch + 1) & 0xffff_ffff;
        self.groups.clear();
        self.links.clear();
    }

    /// Adds job `job`'s item for `slot` (at `at` in the job's slots).
    fn add(&mut self, slot: &Slot, job: u32, at: u32) {
        let item = self.links.len() as u32;
        self.links.push((job, END));
        let addr = slot as *const Slot as usize;
        let mark = slot.grouped.load(Ordering::Relaxed);
        if mark >> 32 == self.batch
            && let Some(g) = self.groups.get_mut((mark & 0xffff_ffff) as usize)
            && g.slot == addr
        {
            self.links[g.last as usize].1 = item;
            g.last = item;
        } else {
            let g = self.groups.len() as u64;
            slot.grouped.store(self.batch << 32 | g, Ordering::Relaxed);
            self.groups.push(Group {
                slot: addr,
                job,
                at,
                first: item,
                last: item,
            });
        }
    }
}

/// Several jobs at once (the lane fell behind): each session gets everything the batch
/// holds for it, in order, in one write. The busier the lane, the fewer writes per frame.
fn work_batch(batch: &[Job], groups: &mut Groups, buf: &mut Vec<u8>, counters: &Counters) {
    for (j, job) in batch.iter().enumerate() {
        match job {
            Job::Dispatch(_, targets) => {
                for (at, slot) in targets.iter() {
                    groups.add(slot, j as u32, at as u32);
                }
            }
            Job::Raw(slot, _) => groups.add(slot, j as u32, 0),
        }
    }
    let mut items = Vec::new();
    let mut frames = Vec::new();
    let mut overflows = 0;
    for g in &groups.groups {
        let slot = match &batch[g.job as usize] {
            Job::Dispatch(_, targets) => &targets.all().0[g.at as usize],
            Job::Raw(slot, _) => slot,
        };
        items.clear();
        let mut next = g.first;
        while next != END {
            let (j, after) = groups.links[next as usize];
            items.push(match &batch[j as usize] {
                Job::Dispatch(frame, _) => Item::Dispatch(frame),
                Job::Raw(_, text) => Item::Raw(text),
            });
            next = after;
        }
        overflows += u64::from(deliver(slot, &items, buf, &mut frames));
    }
    counters.record(groups.links.len(), overflows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::walk::tests::{event, received, sessions};

    #[tokio::test]
    async fn a_job_that_cannot_join_a_walk_waits_for_it_and_nothing_overtakes_it() {
        let (slots, mut clients) = sessions(4).await;
        let share: Arc<[Arc<Slot>]> = slots.iter().cloned().collect();
        let all = |name| Job::Dispatch(event(name), Targets::Shared(share.clone(), None));
        let (tx, rx) = mpsc::channel();
        for job in [
            all("A"),
            all("B"),
            Job::Raw(slots[0].clone(), Arc::from("raw")),
            all("D"),
            Job::Dispatch(event("U"), Targets::Listed(vec![slots[1].clone()])),
            all("E"),
        ] {
            tx.send(job).unwrap();
        }
        drop(tx);
        let counters = Counters::default();
        run(rx, &counters);
        assert_eq!(counters.frames.load(Ordering::Relaxed), 4 * 4 + 2);
        let got = received(&mut clients, &[5, 5, 4, 4]).await;
        assert_eq!(got[0], ["A1", "B2", "raw", "D3", "E4"]);
        assert_eq!(got[1], ["A1", "B2", "D3", "U4", "E5"]);
        assert_eq!(got[2], ["A1", "B2", "D3", "E4"]);
        assert_eq!(got[3], got[2]);
    }
}
