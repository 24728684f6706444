//! Shared helpers of the real-daemon tests: run the real `spectrusctl` binary against a
//! daemon started by `spectrus-testkit`, and look at its exit code and output.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use spectrus_testkit::TestDaemon;

/// What one run of `spectrusctl` did.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "spectrusctl failed: {self:?}");
        assert!(self.stderr.is_empty(), "unexpected stderr: {self:?}");
        &self.stdout
    }

    /// Asserts success and parses stdout as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// Asserts failure with `code` and one line on stderr containing `needle`.
    #[track_caller]
    pub(crate) fn fails(&self, code: i32, needle: &str) {
        assert_eq!(self.code, code, "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one line expected: {self:?}"
        );
        assert!(self.stderr.starts_with("spectrusctl: "), "{self:?}");
        assert!(self.stderr.contains(needle), "{needle:?} not in {self:?}");
    }
}

/// The `spectrusctl` binary under test.
pub(crate) fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_spectrusctl"))
}

/// A command running `spectrusctl --socket SOCKET ARGS...`.
pub(crate) fn command(socket: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("--socket")
        .arg(socket)
        .args(args)
        .env_remove("SPECTRUS_ADMIN_SOCKET")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` with `stdin` and collects the outcome.
pub(crate) fn run_command(mut cmd: Command, stdin: Option<&str>) -> Run {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("cannot run spectrusctl");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child
        .wait_with_output()
        .expect("spectrusctl did not finish");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `spectrusctl ARGS...` against `d`.
pub(crate) fn ctl(d: &TestDaemon, args: &[&str]) -> Run {
    run_command(command(&d.admin_socket(), args), None)
}

/// Runs `spectrusctl ARGS...` against `d` with `stdin`.
pub(crate) fn ctl_stdin(d: &TestDaemon, args: &[&str], stdin: &str) -> Run {
    run_command(command(&d.admin_socket(), args), Some(stdin))
}

/// Runs `spectrusctl --json ARGS...` against `d`.
pub(crate) fn ctl_json(d: &TestDaemon, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    ctl(d, &all).json()
}
