//! Faults: the daemon is killed with SIGKILL in the middle of a write storm and started
//! again on the same data directory; nothing it acknowledged may be missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spectrus_proto::Id;
use spectrus_proto::rest::CreateMessage;
use spectrus_testkit::{TestDaemon, general};

/// Writers posting at once.
const WRITERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_write_storm_loses_no_acknowledged_message() {
    // Rate limits (per user) would slow the storm down; the storm is the point here.
    let mut d = TestDaemon::start_with(&[("SPECTRUS_RATE_LIMITS", "off")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let channel = general(&owner).await;
    let mut clients = vec![owner.clone()];
    for i in 1..WRITERS {
        clients.push(d.member(&owner, &format!("writer{i}")).await.unwrap());
    }

    // Each writer posts until the daemon is gone, recording what was acknowledged (201).
    let acked: Arc<Mutex<Vec<(Id, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for (w, c) in clients.into_iter().enumerate() {
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let content = format!("writer {w} message {n}");
                let req = CreateMessage {
                    content: content.clone(),
                    reply_to: None,
                    nonce: None,
                };
                match c.send_message(channel, &req).await {
                    Ok(m) => {
                        assert_eq!(m.content, content);
                        acked.lock().unwrap().push((m.id, content));
                    }
                    Err(_) => break,
                }
            }
        }));
    }
    // Let the storm run, then pull the plug in the middle of it.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 400 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    d.kill9();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 100,
        "too few writes before the kill to mean anything: {}",
        acked.len()
    );

    // Same data directory, same port: every acknowledged message is there, intact.
    d.restart().await.unwrap();
    let reader = d.client();
    reader
        .login("owner", spectrus_testkit::PASSWORD)
        .await
        .unwrap();
    let stored: HashSet<(Id, String)> = spectrus_testkit::history_backwards(&reader, channel, 100)
        .await
        .into_iter()
        .map(|m| (m.id, m.content))
        .collect();
    let missing: Vec<_> = acked.iter().filter(|a| !stored.contains(a)).collect();
    eprintln!(
        "{} messages acknowledged by {WRITERS} writers before SIGKILL, {} stored after restart, {} missing",
        acked.len(),
        stored.len(),
        missing.len()
    );
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // And the restarted daemon takes writes.
    reader
        .send_message(
            channel,
            &CreateMessage {
                content: "after the crash".into(),
                reply_to: None,
                nonce: None,
            },
        )
        .await
        .unwrap();
}
