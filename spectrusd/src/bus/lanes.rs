//! Delivery lanes: a few threads that write events into sessions' sockets.
//!
//! Each session belongs to one lane for its whole life and a lane does its jobs in order,
//! so a session receives events in the order they were dispatched. A dispatch to 10,000
//! sessions is one job per lane: the lane walks its share, stamps each session's sequence
//! number and writes the frame straight into the socket ([`super::out`]); no task is woken
//! per delivery. Lanes run at normal priority: at nice +5 (tried) the readers of the
//! benchmark's 1,000 sessions pre-empted them and the fan-out's tail grew by a third.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::slot::{Item, Slot, deliver};
use super::wire::FramePrefix;

/// Work for one lane.
pub(super) enum Job {
    /// One event for these sessions.
    Dispatch(FramePrefix, Vec<Arc<Slot>>),
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
    fn record(&self, frames: usize, overflowed: bool) {
        self.frames.fetch_add(frames as u64, Ordering::Relaxed);
        if overflowed {
            self.overflows.fetch_add(1, Ordering::Relaxed);
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
    /// Starts one lane per core; `resume_buffer` bounds each session's replay buffer.
    pub(super) fn start(resume_buffer: usize) -> Lanes {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let mut senders = Vec::with_capacity(n);
        let counters = Arc::new(Counters::default());
        for i in 0..n {
            let (tx, rx) = mpsc::channel::<Job>();
            let c = counters.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("spectrus-gw-lane{i}"))
                .spawn(move || run(rx, resume_buffer, &c));
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
    pub(super) fn submit(&self, lane: usize, job: Job, resume_buffer: usize) {
        let job = match self.senders.get(lane) {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        work(job, resume_buffer, &mut Vec::new(), &self.counters);
    }
}

/// Most jobs a lane takes in one batch.
const MAX_BATCH: usize = 64;

fn run(rx: mpsc::Receiver<Job>, resume_buffer: usize, counters: &Counters) {
    let mut buf = Vec::with_capacity(4096);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Ok(job) = rx.recv() {
        batch.push(job);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.len() == 1 {
            if let Some(job) = batch.pop() {
                work(job, resume_buffer, &mut buf, counters);
            }
        } else {
            work_batch(&batch, resume_buffer, &mut buf, counters);
            batch.clear();
        }
    }
}

fn work(job: Job, resume_buffer: usize, buf: &mut Vec<u8>, counters: &Counters) {
    match job {
        Job::Dispatch(frame, slots) => {
            for slot in slots {
                let over = deliver(&slot, &[Item::Dispatch(&frame)], resume_buffer, buf);
                counters.record(1, over);
            }
        }
        Job::Raw(slot, text) => {
            let over = deliver(&slot, &[Item::Raw(&text)], resume_buffer, buf);
            counters.record(1, over);
        }
    }
}

/// Several jobs at once (the lane fell behind): each session gets everything the batch
/// holds for it, in order, in one write. The busier the lane, the fewer writes per frame.
fn work_batch(batch: &[Job], resume_buffer: usize, buf: &mut Vec<u8>, counters: &Counters) {
    let mut order: Vec<&Arc<Slot>> = Vec::new();
    let mut items: HashMap<*const Slot, Vec<Item<'_>>> = HashMap::new();
    for job in batch {
        match job {
            Job::Dispatch(frame, slots) => {
                for slot in slots {
                    add(&mut order, &mut items, slot, Item::Dispatch(frame));
                }
            }
            Job::Raw(slot, text) => add(&mut order, &mut items, slot, Item::Raw(text)),
        }
    }
    for slot in order {
        if let Some(list) = items.get(&Arc::as_ptr(slot)) {
            let over = deliver(slot, list, resume_buffer, buf);
            counters.record(list.len(), over);
        }
    }
}

/// Adds `item` to `slot`'s list, remembering the order sessions first appeared in.
fn add<'a>(
    order: &mut Vec<&'a Arc<Slot>>,
    items: &mut HashMap<*const Slot, Vec<Item<'a>>>,
    slot: &'a Arc<Slot>,
    item: Item<'a>,
) {
    items
        .entry(Arc::as_ptr(slot))
        .or_insert_with(|| {
            order.push(slot);
            Vec::new()
        })
        .push(item);
}
