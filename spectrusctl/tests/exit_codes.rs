//! The binary's contract without a daemon: sysexits-style codes, one line on stderr that
//! names the socket, never a panic.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn spectrusctl(args: &[&str], env_socket: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spectrusctl"));
    cmd.args(args).env_remove("SPECTRUS_ADMIN_SOCKET");
    if let Some(socket) = env_socket {
        cmd.env("SPECTRUS_ADMIN_SOCKET", socket);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_one_line(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.starts_with("spectrusctl: "), "{err:?}");
    assert!(!err.contains("panicked"), "{err:?}");
    err
}

#[test]
fn missing_socket_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("admin.sock");
    let o = spectrusctl(&["--socket", socket.to_str().unwrap(), "status"], None);
    assert_eq!(o.status.code(), Some(69));
    let err = assert_one_line(&o);
    assert!(err.contains(socket.to_str().unwrap()), "{err}");
    assert!(err.contains("is spectrusd running?"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn a_file_that_is_not_a_socket_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("admin.sock");
    std::fs::write(&file, "not a socket").unwrap();
    let o = spectrusctl(&["users", "list", "--socket", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(69));
    assert!(assert_one_line(&o).contains("not a socket"));
}

#[test]
fn the_environment_names_the_socket() {
    let o = spectrusctl(&["status"], Some("/nonexistent/spectrus-test.sock"));
    assert_eq!(o.status.code(), Some(69));
    assert!(assert_one_line(&o).contains("/nonexistent/spectrus-test.sock"));
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        &["frobnicate"][..],
        &["users", "create"],
        &["invites", "create", "--expires", "7"],
        &["roles", "create", "x", "--perm", "fly"],
    ] {
        let o = spectrusctl(args, Some("/nonexistent.sock"));
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0() {
    let o = spectrusctl(&["--help"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Exit status"));
    let o = spectrusctl(&["--version"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("spectrusctl "));
}

#[test]
fn completions_need_no_daemon() {
    let o = spectrusctl(&["completions", "bash"], Some("/nonexistent.sock"));
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("_spectrusctl"));
}

#[test]
fn an_unreadable_layout_file_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let o = spectrusctl(
        &["layout", "apply", missing.to_str().unwrap()],
        Some("/nonexistent.sock"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(assert_one_line(&o).contains("missing.toml"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "roles = [\n\n").unwrap();
    let o = spectrusctl(
        &["layout", "apply", bad.to_str().unwrap()],
        Some("/nonexistent.sock"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(assert_one_line(&o).contains("not valid TOML"));
}

#[test]
fn a_daemon_that_never_answers_is_a_timeout_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("admin.sock");
    // A hung daemon: it accepts connections, reads nothing and answers nothing.
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let started = std::time::Instant::now();
    let o = spectrusctl(
        &[
            "--socket",
            socket.to_str().unwrap(),
            "--timeout",
            "1",
            "status",
        ],
        None,
    );
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(69), "{}", stderr(&o));
    let err = assert_one_line(&o);
    assert!(err.contains("did not answer"), "{err}");
    assert!(err.contains("within 1 s"), "{err}");
    assert!(err.contains(socket.to_str().unwrap()), "{err}");
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");

    // The environment variable sets it too, and a bad value is a usage error.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spectrusctl"));
    let o = cmd
        .args(["--socket", socket.to_str().unwrap(), "users", "list"])
        .env("SPECTRUSCTL_TIMEOUT", "0.5")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(69));
    assert!(assert_one_line(&o).contains("within 0.5 s"));
    let o = spectrusctl(
        &[
            "--socket",
            socket.to_str().unwrap(),
            "--timeout",
            "soon",
            "status",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(64));
}
