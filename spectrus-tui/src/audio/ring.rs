//! A bounded single-producer single-consumer ring of `f32` samples, lock-free and
//! allocation-free after creation, so a sound card's callback thread can hand samples to the
//! voice engine (and back) without ever blocking.
//!
//! Samples are kept as their bit patterns in `AtomicU32` slots: no `unsafe`. The producer
//! publishes a write with a release store of its counter; the consumer acquires it before
//! reading, and the other way round for freed slots.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

struct Shared {
    slots: Box<[AtomicU32]>,
    /// Samples ever read (only the consumer stores it).
    read: AtomicUsize,
    /// Samples ever written (only the producer stores it).
    written: AtomicUsize,
    /// Samples the producer could not write because the ring was full.
    dropped: AtomicU64,
}

/// The writing end of a ring; see [`ring`].
pub struct Producer {
    shared: Arc<Shared>,
}

/// The reading end of a ring; see [`ring`].
pub struct Consumer {
    shared: Arc<Shared>,
}

/// A ring holding at most `capacity` samples (at least 1).
pub fn ring(capacity: usize) -> (Producer, Consumer) {
    let shared = Arc::new(Shared {
        slots: (0..capacity.max(1)).map(|_| AtomicU32::new(0)).collect(),
        read: AtomicUsize::new(0),
        written: AtomicUsize::new(0),
        dropped: AtomicU64::new(0),
    });
    (
        Producer {
            shared: shared.clone(),
        },
        Consumer { shared },
    )
}

impl Shared {
    fn capacity(&self) -> usize {
        self.slots.len()
    }
}

impl Producer {
    /// Writes samples from `samples` while there is room; returns how many were written.
    /// The rest are counted as dropped. Never blocks.
    pub fn push_iter(&mut self, samples: impl IntoIterator<Item = f32>) -> usize {
        let s = &*self.shared;
        let written = s.written.load(Ordering::Relaxed);
        let read = s.read.load(Ordering::Acquire);
        let free = s.capacity() - written.wrapping_sub(read);
        let mut n = 0;
        let mut lost = 0u64;
        for v in samples {
            if n < free {
                s.slots[written.wrapping_add(n) % s.capacity()]
                    .store(v.to_bits(), Ordering::Relaxed);
                n += 1;
            } else {
                lost += 1;
            }
        }
        s.written.store(written.wrapping_add(n), Ordering::Release);
        if lost > 0 {
            s.dropped.fetch_add(lost, Ordering::Relaxed);
        }
        n
    }

    /// [`Producer::push_iter`] over a slice.
    pub fn push_slice(&mut self, samples: &[f32]) -> usize {
        self.push_iter(samples.iter().copied())
    }

    /// Samples waiting to be read.
    pub fn len(&self) -> usize {
        let s = &*self.shared;
        s.written
            .load(Ordering::Relaxed)
            .wrapping_sub(s.read.load(Ordering::Acquire))
    }

    /// Whether nothing waits to be read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many samples fit.
    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }
}

impl Consumer {
    /// Reads up to `out.len()` samples into `out`; returns how many. Never blocks.
    pub fn pop_slice(&mut self, out: &mut [f32]) -> usize {
        let s = &*self.shared;
        let read = s.read.load(Ordering::Relaxed);
        let written = s.written.load(Ordering::Acquire);
        let n = written.wrapping_sub(read).min(out.len());
        for (i, o) in out[..n].iter_mut().enumerate() {
            *o = f32::from_bits(
                s.slots[read.wrapping_add(i) % s.capacity()].load(Ordering::Relaxed),
            );
        }
        s.read.store(read.wrapping_add(n), Ordering::Release);
        n
    }

    /// Throws away all but the newest `keep` samples (to bound latency); returns how many
    /// were skipped.
    pub fn skip_to_newest(&mut self, keep: usize) -> usize {
        let s = &*self.shared;
        let read = s.read.load(Ordering::Relaxed);
        let written = s.written.load(Ordering::Acquire);
        let skip = written.wrapping_sub(read).saturating_sub(keep);
        s.read.store(read.wrapping_add(skip), Ordering::Release);
        skip
    }

    /// Samples waiting to be read.
    pub fn len(&self) -> usize {
        let s = &*self.shared;
        s.written
            .load(Ordering::Acquire)
            .wrapping_sub(s.read.load(Ordering::Relaxed))
    }

    /// Whether nothing waits to be read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Samples the producer dropped so far because the ring was full.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_and_wraparound() {
        let (mut p, mut c) = ring(4);
        let mut out = [0.0; 4];
        for round in 0..10 {
            let base = round as f32 * 10.0;
            assert_eq!(p.push_slice(&[base, base + 1.0, base + 2.0]), 3);
            assert_eq!(c.len(), 3);
            assert_eq!(c.pop_slice(&mut out), 3);
            assert_eq!(&out[..3], &[base, base + 1.0, base + 2.0]);
            assert!(c.is_empty());
        }
    }

    #[test]
    fn full_ring_drops_and_counts_instead_of_blocking() {
        let (mut p, mut c) = ring(3);
        assert_eq!(p.push_slice(&[1.0, 2.0, 3.0, 4.0, 5.0]), 3);
        assert_eq!(c.dropped(), 2);
        let mut out = [0.0; 8];
        assert_eq!(c.pop_slice(&mut out), 3);
        assert_eq!(&out[..3], &[1.0, 2.0, 3.0]);
        assert_eq!(c.pop_slice(&mut out), 0, "an empty ring reads nothing");
    }

    #[test]
    fn skipping_keeps_the_newest() {
        let (mut p, mut c) = ring(8);
        p.push_slice(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(c.skip_to_newest(2), 3);
        let mut out = [0.0; 8];
        assert_eq!(c.pop_slice(&mut out), 2);
        assert_eq!(&out[..2], &[4.0, 5.0]);
        assert_eq!(c.skip_to_newest(2), 0);
    }

    #[test]
    fn threads_see_every_sample_in_order() {
        let (mut p, mut c) = ring(64);
        let total = 100_000usize;
        let writer = std::thread::spawn(move || {
            let mut next = 0usize;
            while next < total {
                let end = (next + 17).min(total);
                next += p.push_iter((next..end).map(|i| i as f32));
                std::thread::yield_now();
            }
        });
        let mut expected = 0usize;
        let mut buf = [0.0f32; 13];
        while expected < total {
            let n = c.pop_slice(&mut buf);
            for v in &buf[..n] {
                assert_eq!(*v, expected as f32);
                expected += 1;
            }
            if n == 0 {
                std::thread::yield_now();
            }
        }
        writer.join().expect("writer");
    }
}
