//! Running the real `spectrus-tui` binary in tmux for end-to-end tests: a session on a
//! private socket (killed, with its server, when dropped), screen capture, keys, and the
//! command line that starts the client in a temporary home with nothing of the real user's.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux session on a private socket, killed when dropped.
pub struct Tmux {
    pub socket: String,
    pub session: String,
}

impl Tmux {
    /// Starts `command` in a new detached `width`x`height` session.
    pub fn start(socket: &str, session: &str, width: u16, height: u16, command: &str) -> Tmux {
        let t = Tmux {
            socket: socket.to_owned(),
            session: session.to_owned(),
        };
        let started = t.cmd(&[
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
        assert!(started.status.success(), "tmux failed: {started:?}");
        t
    }

    /// Starts the `spectrus-tui` binary under test in a new `width`x40 session (socket
    /// `spectrus-<name>-<pid>`), logged in to `url` as `user` with the test password, in the
    /// temporary home `home`, with `extra` arguments ([`client_command`]).
    pub fn client(
        name: &str,
        width: u16,
        home: &Path,
        url: &str,
        user: &str,
        extra: &[String],
    ) -> Tmux {
        let bin = env!("CARGO_BIN_EXE_spectrus-tui");
        let command = client_command(bin, home, url, user, spectrus_testkit::PASSWORD, extra);
        let socket = format!("spectrus-{name}-{}", std::process::id());
        Tmux::start(&socket, "tui", width, 40, &command)
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e}"))
    }

    pub fn capture(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        let out = self.cmd(&args);
        assert!(out.status.success(), "send-keys failed: {out:?}");
    }

    /// Types `text` literally and presses Enter.
    pub fn type_line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    /// Polls the screen until it contains `needle` (at most `limit`).
    pub fn wait_for(&self, needle: &str, limit: Duration) -> String {
        self.wait_until(needle, limit, |s| s.contains(needle))
    }

    /// Polls the screen until `ok` holds (at most `limit`); `what` names it on failure.
    pub fn wait_until(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.capture();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("{what:?} not on screen within {limit:?}; screen:\n{screen}");
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

pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shell command that runs the client binary `bin` logged in to `url` as `user`, in the
/// temporary home `home` (`env -i`: no session bus, no real XDG dirs), with `extra`
/// arguments; when it exits, the pane shows `EXITED <code>` and stays a while.
pub fn client_command(
    bin: &str,
    home: &Path,
    url: &str,
    user: &str,
    password: &str,
    extra: &[String],
) -> String {
    let h = home.to_string_lossy().into_owned();
    let extra: Vec<String> = extra.iter().map(|a| sh_quote(a)).collect();
    format!(
        "env -i HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         XDG_STATE_HOME={h}/state TERM=xterm-256color PATH=/usr/bin:/bin \
         SPECTRUS_PASSWORD={pw} SPECTRUS_LOG=debug {bin} --server {url} --user {user} {extra}; \
         echo EXITED $?; sleep 30",
        h = sh_quote(&h),
        pw = sh_quote(password),
        bin = sh_quote(bin),
        url = sh_quote(url),
        user = sh_quote(user),
        extra = extra.join(" "),
    )
}
