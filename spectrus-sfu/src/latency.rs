//! A small fixed-bucket histogram of the time the SFU adds to a forwarded packet (from the
//! datagram's arrival to the forwarded copy's hand-off to the socket).

use std::time::Duration;

/// 10 µs buckets up to 1 ms, then 1 ms buckets up to 100 ms, then one overflow bucket.
const FINE: usize = 100;
const COARSE: usize = 99;

/// Histogram of forwarding latency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyHistogram {
    buckets: Vec<u64>,
    count: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; FINE + COARSE + 1],
            count: 0,
        }
    }
}

impl LatencyHistogram {
    pub(crate) fn record(&mut self, d: Duration) {
        let us = d.as_micros();
        let i = if us < 1_000 {
            (us / 10) as usize
        } else if us < 100_000 {
            FINE + (us / 1_000) as usize - 1
        } else {
            FINE + COARSE
        };
        if let Some(b) = self.buckets.get_mut(i) {
            *b += 1;
            self.count += 1;
        }
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Upper bound of the bucket holding the `p`-th percentile (0–100), if any sample.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let us = if i < FINE {
                    (i as u64 + 1) * 10
                } else {
                    (i - FINE + 2) as u64 * 1_000
                };
                return Some(Duration::from_micros(us));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let mut h = LatencyHistogram::default();
        assert_eq!(h.percentile(50.0), None);
        for _ in 0..98 {
            h.record(Duration::from_micros(15));
        }
        h.record(Duration::from_millis(5));
        h.record(Duration::from_secs(1));
        assert_eq!(h.count(), 100);
        assert_eq!(h.percentile(50.0), Some(Duration::from_micros(20)));
        assert_eq!(h.percentile(99.0), Some(Duration::from_millis(6)));
        assert!(h.percentile(100.0).unwrap() > Duration::from_millis(99));
    }
}
