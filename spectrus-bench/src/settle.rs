//! Waits shared by the community benchmarks (Spectrus and IRC alike): until every client
//! has connected or failed, and until the storm of frames that follows has died down.

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
