//! End to end: the real `spectrus-tui` in a tmux pane against a real daemon: markdown drawn
//! as styles (no `**` on screen), `/search` lists a match far back in history, and Enter
//! jumps to it.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::Duration;

use spectrus_testkit::{TestDaemon, general};

#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_lists_a_match_and_enter_jumps_to_it() {
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");
    let g = general(&owner).await;
    owner
        .say(g, "the secret recipe is pasta")
        .await
        .expect("say");
    for i in 0..70 {
        owner.say(g, &format!("filler {i}")).await.expect("say");
    }
    owner.say(g, "**loud** and ~~gone~~").await.expect("say");

    let home = tempfile::tempdir().expect("home");
    let tmux = Tmux::client("e2e-search", 120, home.path(), &daemon.url, "bob", &[]);
    let screen = tmux.wait_for("loud and gone", Duration::from_secs(10));
    assert!(!screen.contains("**loud**"), "{screen}");
    assert!(!screen.contains("secret recipe"), "{screen}");

    tmux.type_line("/search recipe");
    tmux.wait_for("search: recipe (1)", Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_until("the match in the channel", Duration::from_secs(10), |s| {
        !s.contains("search: recipe") && s.contains("the secret recipe is pasta")
    });
    assert!(!screen.contains("EXITED"), "{screen}");
}
