//! Starting and stopping engines leaks no tasks.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::Duration;

use spectrus_voice::{EngineConfig, NullSink, SilenceSource, VoiceEngine};

fn alive() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_stop_leaks_no_tasks() {
    let before = alive();
    for _ in 0..5 {
        let (engine, signals) =
            VoiceEngine::start(EngineConfig::default(), SilenceSource, NullSink)
                .await
                .unwrap();
        eprintln!("running: {}", alive());
        engine.stop().await;
        drop(engine);
        drop(signals);
        tokio::time::sleep(Duration::from_millis(200)).await;
        eprintln!("after stop: {}", alive());
    }
    assert!(
        alive() <= before,
        "tasks: before {before}, after {}",
        alive()
    );
}
