//! End to end: the real `spectrus-tui` binary in a tmux pane opens a direct message with
//! `/dm owner`, sends a line typed there (found on the server through the SDK, in the
//! owner's conversation), and shows the owner's reply live.
//!
//! tmux runs on its own socket with a temporary HOME and XDG dirs (see `support/tmux.rs`).

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::{Duration, Instant};

use spectrus_testkit::TestDaemon;

#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_dm_opens_a_conversation_that_works_both_ways() {
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");

    let home = tempfile::tempdir().expect("home");
    let tmux = Tmux::client("e2e-dm", 120, home.path(), &daemon.url, "bob", &[]);
    tmux.wait_for("#general", Duration::from_secs(10));

    tmux.type_line("/dm owner");
    let screen = tmux.wait_for("Message @owner", Duration::from_secs(10));
    assert!(screen.contains("DIRECT MESSAGES"), "{screen}");
    tmux.type_line("hello owner, privately");

    // It reaches the server, in the owner's one conversation.
    let deadline = Instant::now() + Duration::from_secs(10);
    let dm = loop {
        let dms = owner.dms().await.expect("dms");
        if let Some(d) = dms.first() {
            let history = owner
                .messages(d.id, Default::default())
                .await
                .expect("history");
            if history
                .iter()
                .any(|m| m.content == "hello owner, privately")
            {
                assert_eq!(d.recipients[0].username, "bob");
                break d.id;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the DM never reached the server; screen:\n{}",
            tmux.capture()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // The owner's reply shows up live.
    owner.say(dm, "got it, bob").await.expect("reply");
    tmux.wait_for("got it, bob", Duration::from_secs(10));
}
