//! A session's resume buffer: the last dispatches it was sent, with their sequence numbers,
//! for a resume to replay.
//!
//! A ring indexed by the sequence number: the dispatch numbered `s` sits at `(s - 1) % cap`,
//! so a delivery writes one entry in place (dropping the frame it replaces) and touches
//! nothing else — no head to pop, no sequence number stored beside each frame.

use super::wire::FramePrefix;

/// The last `cap` dispatches of a session and its last sequence number.
pub(super) struct Ring {
    /// The frames numbered `last - len + 1 ..= last`, each at `(seq - 1) % cap`; grows to
    /// `cap` entries, then is overwritten in place.
    frames: Vec<FramePrefix>,
    cap: usize,
    /// The last sequence number given (0: none yet).
    last: u64,
}

impl Ring {
    /// An empty ring keeping up to `cap` dispatches (at least one).
    pub(super) fn new(cap: usize) -> Ring {
        Ring {
            frames: Vec::new(),
            cap: cap.max(1),
            last: 0,
        }
    }

    /// Numbers `frame` with the next sequence number, keeps it (replacing the oldest when
    /// full) and returns the number.
    pub(super) fn push(&mut self, frame: FramePrefix) -> u64 {
        self.last += 1;
        let at = ((self.last - 1) % self.cap as u64) as usize;
        match self.frames.get_mut(at) {
            Some(old) => *old = frame,
            None => self.frames.push(frame),
        }
        self.last
    }

    /// The last sequence number given (0 before the first dispatch).
    pub(super) fn last(&self) -> u64 {
        self.last
    }

    /// The oldest sequence number still kept (`last + 1` when none is).
    pub(super) fn oldest(&self) -> u64 {
        self.last + 1 - self.frames.len() as u64
    }

    /// The kept dispatches numbered after `seq`, oldest first.
    pub(super) fn after(&self, seq: u64) -> impl Iterator<Item = (u64, &FramePrefix)> {
        (seq.max(self.oldest() - 1) + 1..=self.last).filter_map(move |s| {
            let at = ((s - 1) % self.cap as u64) as usize;
            self.frames.get(at).map(|f| (s, f))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u64) -> FramePrefix {
        FramePrefix::from(format!("f{n}"))
    }

    fn after(r: &Ring, seq: u64) -> Vec<(u64, String)> {
        r.after(seq).map(|(s, f)| (s, f.to_string())).collect()
    }

    #[test]
    fn numbers_from_one_and_replays_what_followed_a_sequence_number() {
        let mut r = Ring::new(4);
        assert_eq!((r.last(), r.oldest()), (0, 1));
        assert!(after(&r, 0).is_empty());
        for n in 1..=3 {
            assert_eq!(r.push(frame(n)), n);
        }
        assert_eq!((r.last(), r.oldest()), (3, 1));
        assert_eq!(after(&r, 1), vec![(2, "f2".into()), (3, "f3".into())]);
        assert!(after(&r, 3).is_empty());
    }

    #[test]
    fn a_full_ring_keeps_the_last_cap_frames_in_order() {
        let mut r = Ring::new(4);
        for n in 1..=10 {
            assert_eq!(r.push(frame(n)), n);
        }
        assert_eq!((r.last(), r.oldest()), (10, 7));
        let all: Vec<(u64, String)> = (7..=10).map(|n| (n, format!("f{n}"))).collect();
        // From before the oldest kept: everything kept (the caller refuses such a resume).
        assert_eq!(after(&r, 0), all);
        assert_eq!(after(&r, 6), all);
        assert_eq!(after(&r, 8), all[2..].to_vec());
        assert!(after(&r, 10).is_empty());
        // A frame replaced in the ring is dropped: only the ring holds these.
        let mut one = Ring::new(1);
        let f = frame(1);
        one.push(f.clone());
        assert_eq!(std::sync::Arc::strong_count(&f), 2);
        one.push(frame(2));
        assert_eq!(std::sync::Arc::strong_count(&f), 1);
        assert_eq!(after(&one, 0), vec![(2, "f2".into())]);
    }
}
