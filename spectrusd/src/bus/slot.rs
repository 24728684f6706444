//! One gateway session as the bus sees it (a [`Slot`]: its sequence number, resume buffer and
//! attached socket), and the delivery of frames to it in order.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use spectrus_proto::Id;
use spectrus_proto::gateway::close;

use super::out::{Frame, Out, Refused};
use super::resume::Ring;
use super::wire::FramePrefix;

/// A session's mutable part, behind the slot's lock.
pub(super) struct SlotState {
    /// The sequence numbers given and the last dispatches, for a resume.
    pub(super) buffer: Ring,
    /// The socket it is attached to; `None` while waiting to be resumed.
    pub(super) out: Option<Arc<Out>>,
    pub(super) detached_at: Option<Instant>,
}

/// One gateway session: survives its socket for the resume window.
pub struct Slot {
    /// The opaque session id given in `ready`.
    pub id: String,
    /// Whose session it is.
    pub user: Id,
    /// The login session (refresh-token family) it was identified with.
    pub family: Id,
    /// The delivery lane that writes its events.
    pub(super) lane: usize,
    /// The lane's batch this session was last grouped in and its group there
    /// (`batch << 32 | group`): only its lane's thread reads or writes it.
    pub(super) grouped: AtomicU64,
    pub(super) state: Mutex<SlotState>,
}

impl Slot {
    /// Whether a socket is attached (false while the session waits to be resumed).
    pub fn is_attached(&self) -> bool {
        self.lock().out.is_some()
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a lane delivers to a session.
#[derive(Clone, Copy)]
pub(super) enum Item<'a> {
    /// An event: stamped with the session's next sequence number and kept for resuming.
    Dispatch(&'a FramePrefix),
    /// A frame without a sequence number (voice signalling).
    Raw(&'a Arc<str>),
}

/// Delivers `items` to a session in order (run by its lane): each dispatch gets the next
/// sequence number and a place in the resume buffer, and everything goes to the socket in
/// one write. A client too slow to keep up loses its socket; it can resume from the buffer.
/// Returns whether that happened (the outbound queue overflowed). `buf` and `frames` are
/// the lane's scratch space: nothing is allocated per delivery.
pub(super) fn deliver<'a>(
    slot: &Slot,
    items: &[Item<'a>],
    buf: &mut Vec<u8>,
    frames: &mut Vec<Frame<'a>>,
) -> bool {
    let mut st = slot.lock();
    frames.clear();
    for item in items {
        match item {
            Item::Dispatch(frame) => {
                let seq = st.buffer.push(Arc::clone(frame));
                frames.push(Frame::Dispatch(seq, frame));
            }
            Item::Raw(text) => frames.push(Frame::Text(text)),
        }
    }
    if let Some(out) = &st.out
        && out.send_all(frames, buf) == Err(Refused::Full)
    {
        out.close(close::RECONNECT, "too slow");
        st.out = None;
        st.detached_at = Some(Instant::now());
        return true;
    }
    false
}

/// How many sessions ahead of its turn a walk asks the CPU for a session's state: by then
/// it is cold (every other session had the previous event since), and the writes before
/// its turn (a system call of a few µs each) hide the fetch.
pub(super) const AHEAD: usize = 2;

/// Asks the CPU to bring `slot`'s lines into its cache (a hint: nothing is read).
pub(super) fn prefetch(slot: &Arc<Slot>) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let at = Arc::as_ptr(slot).cast::<i8>();
        // Every line the slot spans, wherever it starts.
        for line in 0..=size_of::<Slot>() / 64 {
            // SAFETY: a prefetch neither reads nor writes what the program sees and never
            // faults, whatever the address (the last line may lie past the slot).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(line * 64)) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = slot;
}
