//! A bounded single-producer single-consumer ring of `f32` samples, lock-free and
//! allocation-free after creation, so a sound card's callback thread can hand samples to the
//! voice engine (and back) without ever blocking.
//!
//! A thin layer over [`rtrb`] (a wait-free SPSC ring) that writes what fits and counts the
//! rest as dropped, reads into slices, and lets the reader skip to the newest samples.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The writing end of a ring; see [`ring`].
pub struct Producer {
    inner: rtrb::Producer<f32>,
    /// Samples the producer could not write because the ring was full.
    dropped: Arc<AtomicU64>,
}

/// The reading end of a ring; see [`ring`].
pub struct Consumer {
    inner: rtrb::Consumer<f32>,
    dropped: Arc<AtomicU64>,
}

/// A ring holding at most `capacity` samples (at least 1).
pub fn ring(capacity: usize) -> (Producer, Consumer) {
    let (inner_p, inner_c) = rtrb::RingBuffer::new(capacity.max(1));
    let dropped = Arc::new(AtomicU64::new(0));
    (
        Producer {
            inner: inner_p,
            dropped: dropped.clone(),
        },
        Consumer {
            inner: inner_c,
            dropped,
        },
    )
}

impl Producer {
    /// Writes samples from `samples` while there is room; returns how many were written.
    /// The rest are counted as dropped. Never blocks.
    pub fn push_iter(&mut self, samples: impl IntoIterator<Item = f32>) -> usize {
        let mut samples = samples.into_iter();
        let free = self.inner.slots();
        let written = match self.inner.write_chunk_uninit(free) {
            Ok(chunk) => chunk.fill_from_iter(&mut samples),
            Err(_) => 0,
        };
        let lost = samples.count() as u64;
        if lost > 0 {
            self.dropped.fetch_add(lost, Ordering::Relaxed);
        }
        written
    }

    /// [`Producer::push_iter`] over a slice.
    pub fn push_slice(&mut self, samples: &[f32]) -> usize {
        self.push_iter(samples.iter().copied())
    }

    /// Samples waiting to be read.
    pub fn len(&self) -> usize {
        self.capacity() - self.inner.slots()
    }

    /// Whether nothing waits to be read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many samples fit.
    pub fn capacity(&self) -> usize {
        self.inner.buffer().capacity()
    }
}

impl Consumer {
    /// Reads up to `out.len()` samples into `out`; returns how many. Never blocks.
    pub fn pop_slice(&mut self, out: &mut [f32]) -> usize {
        let n = self.inner.slots().min(out.len());
        let Ok(chunk) = self.inner.read_chunk(n) else {
            return 0;
        };
        let (first, second) = chunk.as_slices();
        out[..first.len()].copy_from_slice(first);
        out[first.len()..n].copy_from_slice(second);
        chunk.commit_all();
        n
    }

    /// Throws away all but the newest `keep` samples (to bound latency); returns how many
    /// were skipped.
    pub fn skip_to_newest(&mut self, keep: usize) -> usize {
        let skip = self.inner.slots().saturating_sub(keep);
        match self.inner.read_chunk(skip) {
            Ok(chunk) => {
                chunk.commit_all();
                skip
            }
            Err(_) => 0,
        }
    }

    /// Samples waiting to be read.
    pub fn len(&self) -> usize {
        self.inner.slots()
    }

    /// Whether nothing waits to be read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Samples the producer dropped so far because the ring was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
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
