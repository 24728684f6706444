//! End to end: the real `spectrus-tui` binary in a tmux pane against a real daemon. It logs
//! in with `--server --user` and `SPECTRUS_PASSWORD`, shows a message another user posts, and
//! sends one typed at the keyboard, which is then found on the server through the SDK.
//!
//! tmux runs on its own socket with a temporary HOME and XDG dirs, so nothing of the real
//! user's is touched; a guard kills the session (and that private server) even on failure.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::time::{Duration, Instant};

use spectrus_proto::model::ChannelType;
use spectrus_testkit::TestDaemon;

#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_in_shows_and_sends_messages() {
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");
    let general = owner
        .channels()
        .await
        .expect("channels")
        .into_iter()
        .find(|c| c.kind == ChannelType::Text)
        .expect("a text channel");

    let home = tempfile::tempdir().expect("home");
    let tmux = Tmux::client("e2e", 120, home.path(), &daemon.url, "bob", &[]);

    // Logged in: the chat view shows the channel.
    let screen = tmux.wait_for(&format!("#{}", general.name), Duration::from_secs(10));
    assert!(!screen.contains("EXITED"), "{screen}");

    // A message from another user arrives on screen.
    owner
        .say(general.id, "hello bob, from the owner")
        .await
        .expect("say");
    tmux.wait_for("hello bob, from the owner", Duration::from_secs(10));

    // Type one and press Enter; it reaches the server.
    tmux.keys(&["-l", "typed in the terminal"]);
    tmux.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let history = owner
            .messages(general.id, Default::default())
            .await
            .expect("history");
        if let Some(m) = history
            .iter()
            .find(|m| m.content == "typed in the terminal")
        {
            assert_eq!(m.author.username, "bob");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "message not on the server; screen:\n{}",
            tmux.capture()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And the echo is drawn.
    tmux.wait_for("typed in the terminal", Duration::from_secs(10));
    // Nothing of the client was written outside the temporary home.
    assert!(home.path().join("state/spectrus/tui.log").exists());
}
