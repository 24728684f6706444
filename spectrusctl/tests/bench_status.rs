//! Latency of `spectrusctl status` against a real daemon: the whole command (process start,
//! connect, request, answer, print), run N times. Prints p50/p99; asserts nothing about time.
//! Run with `cargo test --release -p spectrusctl --test bench_status -- --ignored --nocapture`.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use spectrus_testkit::TestDaemon;

#[tokio::test]
#[ignore = "benchmark: prints figures"]
async fn status_latency() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let d = TestDaemon::start().await.unwrap();
    let _owner = d.owner().await.unwrap();
    let mut whole = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        common::ctl(&d, &["status"]).ok();
        whole.push(t.elapsed());
    }
    // The request alone, over the socket, without the process start.
    let client = spectrusctl::AdminClient::new(d.admin_socket());
    let mut request = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.get("/status").await.unwrap();
        request.push(t.elapsed());
    }
    let report = |name: &str, v: &mut Vec<Duration>| {
        v.sort();
        let p = |q: f64| v[((v.len() as f64 * q).ceil() as usize).saturating_sub(1)];
        println!(
            "{name}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
            v.len(),
            p(0.50).as_secs_f64() * 1e3,
            p(0.99).as_secs_f64() * 1e3,
            p(1.0).as_secs_f64() * 1e3
        );
    };
    report("spectrusctl status (process)", &mut whole);
    report("GET /admin/v1/status (socket)", &mut request);
}
