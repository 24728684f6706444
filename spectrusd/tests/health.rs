//! Honest health: `/healthz` (liveness), `/readyz` (database write, voice socket, disk
//! floor), a data directory that cannot be written at start, and a database that takes
//! writes again by itself once a full disk has room.
//!
//! The disk tests mount small tmpfs file systems (they need root, as CI runs; as another
//! user they say so and return).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use spectrus_proto::rest::CreateMessage;
use spectrus_testkit::{TestDaemon, code, general};

/// A tmpfs mounted on a fresh temporary directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`"8m"`); `None` when not root (the test cannot run).
    fn mount(size: &str) -> Option<Tmpfs> {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("not root: cannot mount a tmpfs, this test does not run");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount -t tmpfs failed as root");
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Fills the file system with `name` until it has no room left.
    fn fill(&self, name: &str) -> PathBuf {
        let path = self.path().join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0xa5u8; 16 * 1024];
        while f.write_all(&chunk).is_ok() {}
        // What is left is smaller than a chunk: byte by byte.
        while f.write_all(&[0]).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

/// Runs the daemon on `data_dir` expecting it to stop during start: its exit status and
/// stderr.
fn start_must_fail(data_dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let bin = spectrus_testkit::daemon_binary().unwrap();
    let mut child = Command::new(bin)
        .env_clear()
        .env("SPECTRUS_BIND", "127.0.0.1:0")
        .env("SPECTRUS_VOICE_UDP", "127.0.0.1:0")
        .env("SPECTRUS_DATA_DIR", data_dir)
        .env("SPECTRUS_ADMIN_SOCKET", data_dir.join("admin.sock"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the daemon started on a data directory it cannot write");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status.code(), err)
}

async fn get(url: &str) -> (StatusCode, Value) {
    let resp = reqwest::get(url).await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn healthz_is_liveness_and_readyz_reports_each_check() {
    let d = TestDaemon::start().await.unwrap();
    let (status, body) = get(&format!("{}/healthz", d.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptime_seconds"].is_u64(), "{body}");

    let (status, body) = get(&format!("{}/readyz", d.url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    for check in ["database", "voice", "disk"] {
        assert_eq!(body["checks"][check]["ok"], true, "{check}: {body}");
    }
    assert!(
        body["checks"]["database"]["detail"]
            .as_str()
            .unwrap()
            .contains("committed"),
        "{body}"
    );
    assert!(body["checks"]["disk"]["free_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        body["checks"]["disk"]["min_free_bytes"].as_u64().unwrap(),
        100 * 1024 * 1024
    );
}

#[test]
fn a_taken_voice_port_stops_the_start_with_one_line() {
    // Someone else holds the voice port: the daemon refuses to start, naming the port and
    // the way out (an operator must never miss that voice is off).
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = start_must_fail(dir.path(), &[("SPECTRUS_VOICE_UDP", &addr)]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot use UDP {addr} for voice")),
        "{err}"
    );
    assert!(err.contains("voice.enabled = false"), "{err}");
}

#[tokio::test]
async fn healthz_and_readyz_report_the_voice_state() {
    let d = TestDaemon::start().await.unwrap();
    let (_, body) = get(&format!("{}/healthz", d.url)).await;
    assert_eq!(body["voice"]["enabled"], true, "{body}");
    let udp = body["voice"]["udp"].as_str().unwrap().to_owned();
    assert!(
        udp.starts_with("127.0.0.1:") && !udp.ends_with(":0"),
        "{body}"
    );
    let (_, ready) = get(&format!("{}/readyz", d.url)).await;
    assert_eq!(
        ready["checks"]["voice"]["detail"],
        format!("UDP {udp} bound")
    );

    // Voice disabled on purpose starts, is ready, and says so.
    let d = TestDaemon::start_with(&[("SPECTRUS_VOICE_ENABLED", "false")])
        .await
        .unwrap();
    let (_, body) = get(&format!("{}/healthz", d.url)).await;
    assert_eq!(body["voice"]["enabled"], false, "{body}");
    assert!(body["voice"].get("udp").is_none(), "{body}");
    let (status, body) = get(&format!("{}/readyz", d.url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["checks"]["voice"]["detail"],
        "disabled by configuration"
    );
}

#[test]
fn a_read_only_data_dir_stops_the_start_with_one_line() {
    let Some(fs) = Tmpfs::mount("4m") else { return };
    fs.remount_read_only();
    let (code, err) = start_must_fail(fs.path(), &[("SPECTRUS_MIN_FREE_MB", "0")]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot be written: read-only file system"),
        "{err}"
    );
    assert!(err.contains(&fs.path().display().to_string()), "{err}");
}

#[test]
fn a_full_data_dir_stops_the_start_with_one_line() {
    let Some(fs) = Tmpfs::mount("2m") else { return };
    // Below the configured floor (the default is 100 MiB; this file system has 2).
    let (code, err) = start_must_fail(fs.path(), &[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is full"), "{err}");
    assert!(err.contains("storage.min_free_mb = 100"), "{err}");

    // Without a floor, but with no room at all.
    fs.fill("filler");
    let (code, err) = start_must_fail(fs.path(), &[("SPECTRUS_MIN_FREE_MB", "0")]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no space left on the device"), "{err}");
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_503_and_the_store_recovers_by_itself() {
    let Some(fs) = Tmpfs::mount("24m") else {
        return;
    };
    let data = fs.path().join("data");
    let data_env = data.display().to_string();
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_DATA_DIR", &data_env),
        ("SPECTRUS_MIN_FREE_MB", "1"),
    ])
    .await
    .unwrap();
    let owner = d.owner().await.unwrap();
    let ch = general(&owner).await;
    let post = |text: &str| CreateMessage {
        content: text.into(),
        nonce: None,
        reply_to: None,
    };
    owner.send_message(ch, &post("before")).await.unwrap();
    let (status, _) = get(&format!("{}/readyz", d.url)).await;
    assert_eq!(status, StatusCode::OK);

    // The disk fills up under the running daemon.
    let filler = fs.fill("filler");
    let refused = owner.send_message(ch, &post("while full")).await;
    assert_eq!(code(refused), "unavailable");
    let (status, body) = get(&format!("{}/readyz", d.url)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    assert!(
        body["checks"]["database"]["detail"]
            .as_str()
            .unwrap()
            .contains("the disk is full"),
        "{body}"
    );
    assert_eq!(body["checks"]["disk"]["ok"], false, "{body}");
    // Liveness still answers, and reads still work.
    assert_eq!(get(&format!("{}/healthz", d.url)).await.0, StatusCode::OK);
    assert!(owner.channels().await.is_ok());
    // The log says what failed.
    let log = d.log().join("\n");
    assert!(log.contains("the disk is full"), "{log}");
    assert!(!log.contains("migration failed"), "{log}");

    // Room again: writes resume without a restart.
    std::fs::remove_file(filler).unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if owner.send_message(ch, &post("after")).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "writes did not resume after the disk had room");
    let (status, body) = get(&format!("{}/readyz", d.url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let history = owner
        .messages(ch, Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect::<Vec<_>>();
    assert!(history.contains(&"before".to_string()), "{history:?}");
    assert!(history.contains(&"after".to_string()), "{history:?}");
    assert!(!history.contains(&"while full".to_string()), "{history:?}");
}

#[tokio::test]
async fn the_log_is_plain_text_when_it_is_not_a_terminal() {
    // The kit sets NO_COLOR for every daemon; an empty one is "unset" to the logger.
    let d = TestDaemon::start_with(&[("NO_COLOR", "")]).await.unwrap();
    let _owner = d.owner().await.unwrap();
    let log = d.log();
    assert!(!log.is_empty(), "the daemon logged nothing");
    let coloured: Vec<&String> = log.iter().filter(|l| l.contains('\u{1b}')).collect();
    assert!(
        coloured.is_empty(),
        "ANSI escapes in a piped log: {coloured:?}"
    );
}

#[tokio::test]
async fn the_setup_hint_names_the_address_actually_bound() {
    // The kit binds port 0: the hint must give the port the daemon got, which `d.url` is.
    let d = TestDaemon::start().await.unwrap();
    // The lines after "listening on" (which the kit waits for) may still be on their way.
    spectrus_testkit::eventually(Duration::from_secs(5), || {
        d.log()
            .iter()
            .any(|l| l.contains("administer this server with"))
    })
    .await;
    let log = d.log();
    let hint = log
        .iter()
        .find(|l| l.contains("register the owner account at"))
        .expect("the setup hint is logged");
    assert!(
        hint.contains(&format!("at {} with setup code", d.url)),
        "{hint} does not name {}",
        d.url
    );
    // And how to reach it with spectrusctl (the socket of a daemon started by hand).
    let ctl = format!("spectrusctl --socket {}", d.admin_socket().display());
    assert!(hint.contains(&format!("{ctl} setup-code")), "{hint}");
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("administer this server with: {ctl} status"))),
        "{log:?}"
    );
}
