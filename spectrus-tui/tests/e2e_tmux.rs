//! End to end: the real `spectrus-tui` binary in a tmux pane against a real daemon. It logs
//! in with `--server --user` and `SPECTRUS_PASSWORD`, shows a message another user posts, and
//! sends one typed at the keyboard, which is then found on the server through the SDK.
//!
//! tmux runs on its own socket with a temporary HOME and XDG dirs, so nothing of the real
//! user's is touched; a guard kills the session (and that private server) even on failure.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use spectrus_proto::model::ChannelType;
use spectrus_testkit::{PASSWORD, TestDaemon};

/// A tmux session on a private socket, killed when dropped.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e}"))
    }

    fn capture(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        let out = self.cmd(&args);
        assert!(out.status.success(), "send-keys failed: {out:?}");
    }

    /// Polls the screen until it contains `needle` (at most `limit`).
    fn wait_for(&self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("{needle:?} not on screen within {limit:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-session", "-t", &self.session]);
        let _ = self.cmd(&["kill-server"]);
        // The server is gone; its socket file may stay behind.
        let uid = Command::new("id").arg("-u").output();
        if let Ok(out) = uid {
            let uid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            let _ = std::fs::remove_file(format!("/tmp/tmux-{uid}/{}", self.socket));
        }
    }
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

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
    let h = home.path().to_string_lossy().into_owned();
    let bin = env!("CARGO_BIN_EXE_spectrus-tui");
    // `env -i`: no session bus, no real XDG dirs; only what the client needs.
    let command = format!(
        "env -i HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         XDG_STATE_HOME={h}/state TERM=xterm-256color PATH=/usr/bin:/bin \
         SPECTRUS_PASSWORD={pw} SPECTRUS_LOG=debug {bin} --server {url} --user bob; \
         echo EXITED $?; sleep 30",
        h = sh_quote(&h),
        pw = sh_quote(PASSWORD),
        bin = sh_quote(bin),
        url = sh_quote(&daemon.url),
    );
    let tmux = Tmux {
        socket: format!("spectrus-e2e-{}", std::process::id()),
        session: "tui".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(started.status.success(), "tmux failed: {started:?}");

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
