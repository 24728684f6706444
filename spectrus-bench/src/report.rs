//! Printing figures.

use hdrhistogram::Histogram;

/// A latency histogram in microseconds, 1 µs to 60 s.
#[allow(clippy::expect_used, reason = "constant bounds, checked by every run")]
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant bounds are valid")
}

/// `p50 / p99 / max` in milliseconds.
pub(crate) fn latency_line(name: &str, h: &Histogram<u64>) -> String {
    format!(
        "{name}: n={} p50={:.2} ms p99={:.2} ms p99.9={:.2} ms max={:.2} ms",
        h.len(),
        h.value_at_quantile(0.50) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
        h.value_at_quantile(0.999) as f64 / 1000.0,
        h.max() as f64 / 1000.0
    )
}
