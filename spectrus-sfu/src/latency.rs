//! The histogram of the time the SFU adds to a forwarded packet (from the datagram's arrival
//! to the forwarded copy's hand-off to the socket): an HDR histogram in microseconds.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Largest latency told apart from the others (1 minute); longer samples count as this.
const HIGHEST_US: u64 = 60_000_000;
/// Significant decimal digits kept: 2 gives ≤ 1 % error in ~30 KiB of counters (the stats
/// are cloned on every [`crate::Sfu::stats`] call).
const SIGNIFICANT_DIGITS: u8 = 2;

/// Histogram of forwarding latency.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    us: Histogram<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        let us = Histogram::new_with_bounds(1, HIGHEST_US, SIGNIFICANT_DIGITS)
            .unwrap_or_else(|e| unreachable!("constant histogram bounds are valid: {e}"));
        Self { us }
    }
}

impl PartialEq for LatencyHistogram {
    fn eq(&self, other: &Self) -> bool {
        self.us == other.us
    }
}

impl Eq for LatencyHistogram {}

impl LatencyHistogram {
    pub(crate) fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.us.saturating_record(us.max(1));
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.us.len()
    }

    /// Upper bound (within 1 %) of the `p`-th percentile (0–100), if any sample; samples
    /// above one minute count as one minute.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.us.is_empty() {
            return None;
        }
        let us = self.us.value_at_quantile(p / 100.0);
        Some(Duration::from_micros(us.min(self.us.high())))
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
        assert_eq!(h.percentile(50.0), Some(Duration::from_micros(15)));
        let p99 = h.percentile(99.0).unwrap_or_default();
        assert!(
            p99 >= Duration::from_millis(5) && p99 <= Duration::from_micros(5_050),
            "{p99:?}"
        );
        assert!(h.percentile(100.0).unwrap_or_default() >= Duration::from_secs(1));
        let mut long = LatencyHistogram::default();
        long.record(Duration::from_secs(3600));
        assert_eq!(long.percentile(50.0), Some(Duration::from_secs(60)));
        assert_ne!(h, long);
    }
}
