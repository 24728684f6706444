//! Steps shared by the community benchmarks (Spectrus and IRC alike): wait until every client
//! has connected or failed, until the storm of frames that follows has died down, until the
//! posted messages have arrived; then gather the clients' latencies.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Until `ready + failed` reaches `clients`; an error naming `who` after 10 minutes.
pub(crate) async fn all_connected(
    ready: &AtomicUsize,
    failed: &AtomicUsize,
    clients: usize,
    who: &str,
) -> anyhow::Result<Duration> {
    let t0 = Instant::now();
    while ready.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < clients {
        tokio::time::sleep(Duration::from_millis(20)).await;
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(600),
            "{who} did not connect in 10 minutes"
        );
    }
    Ok(t0.elapsed())
}

/// Until `counter` stayed still for a whole second.
pub(crate) async fn quiet(counter: &AtomicU64) {
    let mut last = counter.load(Ordering::Relaxed);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = counter.load(Ordering::Relaxed);
        if now == last {
            return;
        }
        last = now;
    }
}

/// Until `delivered` reaches `expected`, or 10 s have passed (losses are reported, not waited
/// for forever).
pub(crate) async fn delivered(delivered: &AtomicU64, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every client's latencies (µs) in one histogram, once the clients have stopped.
pub(crate) async fn latencies(
    clients: Vec<tokio::task::JoinHandle<Vec<u32>>>,
) -> hdrhistogram::Histogram<u64> {
    let mut h = crate::report::histogram();
    for client in clients {
        for l in client.await.unwrap_or_default() {
            let _ = h.record(u64::from(l).max(1));
        }
    }
    h
}
