//! The snowflake generator: unique, time-ordered 64-bit ids.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use spectrus_proto::Id;
use spectrus_proto::id::EPOCH_MS;

const WORKER_BITS: u32 = 10;
const SEQ_BITS: u32 = 12;
const MAX_SEQ: u64 = (1 << SEQ_BITS) - 1;

/// Mints ids for one daemon (`worker` tells daemons sharing a database apart).
#[derive(Debug)]
pub struct Snowflakes {
    worker: u64,
    last: Mutex<(u64, u64)>,
}

impl Snowflakes {
    /// A generator for `worker` (0..1024).
    pub fn new(worker: u16) -> Snowflakes {
        Snowflakes {
            worker: u64::from(worker) & ((1 << WORKER_BITS) - 1),
            last: Mutex::new((0, 0)),
        }
    }

    /// The next id. Never repeats, never goes backwards, even if the clock does.
    pub fn next(&self) -> Id {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.next_at(now)
    }

    /// The next id at `now_ms` (Unix milliseconds): the clock is a parameter for tests.
    pub fn next_at(&self, now_ms: u64) -> Id {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let mut ms = now_ms.saturating_sub(EPOCH_MS).max(last.0);
        let seq = if ms == last.0 {
            if last.1 >= MAX_SEQ {
                // Sequence exhausted in this millisecond: borrow the next one.
                ms += 1;
                0
            } else {
                last.1 + 1
            }
        } else {
            0
        };
        *last = (ms, seq);
        Id((ms << (WORKER_BITS + SEQ_BITS)) | (self.worker << SEQ_BITS) | seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strictly_increasing_even_with_a_clock_going_back() {
        let s = Snowflakes::new(1);
        let mut prev = Id(0);
        for t in [EPOCH_MS + 10, EPOCH_MS + 10, EPOCH_MS + 5, EPOCH_MS + 11] {
            let id = s.next_at(t);
            assert!(id > prev, "{id:?} <= {prev:?}");
            prev = id;
        }
    }

    #[test]
    fn sequence_overflow_moves_to_the_next_millisecond() {
        let s = Snowflakes::new(0);
        let ids: Vec<Id> = (0..5000).map(|_| s.next_at(EPOCH_MS + 100)).collect();
        let mut sorted = ids.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 5000);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn id_carries_its_time() {
        let s = Snowflakes::new(3);
        let id = s.next_at(EPOCH_MS + 123_456);
        assert_eq!(id.unix_millis(), EPOCH_MS + 123_456);
    }
}
