//! Operating a real daemon through `spectrusctl`: the peer check, online backup under a
//! write load, SIGTERM drain, SIGHUP reload, layout export/apply, the event stream, the
//! systemd notify protocol, and the admin socket's lifecycle.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{ctl, ctl_json};
use nix::sys::signal::Signal;
use spectrus_client::{Gateway, GatewayEvent};
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::rest::RegisterRequest;
use spectrus_testkit::{PASSWORD, TestDaemon, general};

/// A daemon whose admin socket sits in a world-traversable directory.
async fn daemon_with_public_socket_dir() -> (TestDaemon, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let sock = dir.path().join("admin.sock");
    let d = TestDaemon::start_with(&[("SPECTRUS_ADMIN_SOCKET", sock.to_str().unwrap())])
        .await
        .unwrap();
    (d, dir)
}

fn as_user(d: &TestDaemon, setpriv: &[&str], args: &[&str]) -> common::Run {
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(setpriv)
        .arg(common::binary())
        .arg("--socket")
        .arg(d.admin_socket())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    common::run_command(cmd, None)
}

#[tokio::test]
async fn a_strangers_uid_is_refused_and_the_daemons_group_is_let_in() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "skipped: needs root to run the client under another uid (peer_allowed is unit-tested)"
        );
        return;
    }
    let (d, _dir) = daemon_with_public_socket_dir().await;
    let sock = d.admin_socket();
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    let stranger = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    // The file mode is the first gate.
    as_user(&d, &stranger, &["status"]).fails(77, "permission denied");
    // Past the file mode, the daemon's own check (SO_PEERCRED) refuses.
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
    let refused = as_user(&d, &stranger, &["status"]);
    refused.fails(77, "uid 65534 may not use the admin socket");
    assert!(refused.stderr.contains("(forbidden)"), "{refused:?}");
    // A supplementary group equal to the daemon's gid (SO_PEERGROUPS) is enough.
    let member = as_user(
        &d,
        &["--reuid=65534", "--regid=65534", "--groups=0"],
        &["--json", "status"],
    );
    assert_eq!(member.json()["license"]["state"], "none");
}

#[tokio::test]
async fn backup_during_a_write_load_is_consistent_and_holds_every_acknowledged_message() {
    let d = TestDaemon::start().await.unwrap();
    let owner = Arc::new(d.owner().await.unwrap());
    let general = general(&owner).await;
    let started = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (owner, started) = (owner.clone(), started.clone());
        writers.push(tokio::spawn(async move {
            let mut acked_before = Vec::new();
            for i in 0..150 {
                let m = owner.say(general, &format!("w{w} m{i}")).await.unwrap();
                if !started.load(Ordering::SeqCst) {
                    acked_before.push(m.id);
                }
            }
            acked_before
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dest = d.data_dir.parent().unwrap().join("backup.db");
    started.store(true, Ordering::SeqCst);
    let dest2 = dest.clone();
    let socket = d.admin_socket();
    let run = tokio::task::spawn_blocking(move || {
        common::run_command(
            common::command(&socket, &["--json", "backup", dest2.to_str().unwrap()]),
            None,
        )
    })
    .await
    .unwrap();
    let result = run.json();
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    assert!(
        !acked.is_empty(),
        "the load did not start before the backup"
    );
    assert_eq!(result["path"], dest.to_str().unwrap());
    assert_eq!(result["bytes"], std::fs::metadata(&dest).unwrap().len());
    // It holds password hashes and every message: the daemon's user only.
    let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "backup mode {mode:o}");

    let db =
        rusqlite::Connection::open_with_flags(&dest, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let ok: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let mut st = db.prepare("SELECT 1 FROM messages WHERE id = ?1").unwrap();
    for id in &acked {
        assert!(
            st.exists([id.0 as i64]).unwrap(),
            "acknowledged message {id} missing"
        );
    }
    // An existing file is never overwritten.
    ctl(&d, &["backup", dest.to_str().unwrap()]).fails(1, "(conflict)");
    // A directory that does not exist is named.
    let nowhere = d.data_dir.parent().unwrap().join("no-such-dir/backup.db");
    ctl(&d, &["backup", nowhere.to_str().unwrap()]).fails(1, "does not exist");
    // The table mode says where it went.
    let other = d.data_dir.parent().unwrap().join("second.db");
    let out = ctl(&d, &["backup", other.to_str().unwrap()]);
    assert!(out.ok().starts_with("backup written to "), "{out:?}");
}

/// Every regular file below `dir`, relative to it.
fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(root: &std::path::Path, p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_backup_holds_the_files_and_restores_with_them() {
    let mut d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let ch = spectrus_testkit::general(&owner).await;
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let kept = owner
        .upload(ch, "the plan", "plan.bin", &bytes)
        .await
        .unwrap();
    let att = kept.attachments[0].clone();

    let dest = d.data_dir.parent().unwrap().join("with-files.db");
    let out = ctl(&d, &["backup", dest.to_str().unwrap()]);
    let line = out.ok();
    assert!(line.contains("with-files.db.files (1 file, "), "{line}");
    let files_dir = d.data_dir.parent().unwrap().join("with-files.db.files");
    let mode = std::fs::metadata(&files_dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "files dir mode {mode:o}");
    assert_eq!(files_below(&files_dir).len(), 1, "{line}");
    // A files directory in the way is refused rather than mixed into.
    let blocked = d.data_dir.parent().unwrap().join("blocked.db");
    std::fs::create_dir(d.data_dir.parent().unwrap().join("blocked.db.files")).unwrap();
    ctl(&d, &["backup", blocked.to_str().unwrap()]).fails(1, "blocked.db.files already exists");
    assert!(!blocked.exists());

    // After the backup the message goes, and its file with it.
    owner.delete_message(ch, kept.id).await.unwrap();
    let live = d.data_dir.join("files");
    assert!(
        spectrus_testkit::eventually(Duration::from_secs(5), || files_below(&live)
            .iter()
            .all(|p| p.starts_with("tmp")))
        .await,
        "the deleted message's file is still stored: {:?}",
        files_below(&live)
    );

    // Restore the drill's way: the database and the files from the backup.
    d.terminate().unwrap();
    for f in ["spectrus.db", "spectrus.db-wal", "spectrus.db-shm"] {
        let _ = std::fs::remove_file(d.data_dir.join(f));
    }
    std::fs::remove_dir_all(&live).unwrap();
    std::fs::copy(&dest, d.data_dir.join("spectrus.db")).unwrap();
    std::fs::rename(&files_dir, &live).unwrap();
    d.restart().await.unwrap();
    let r = reqwest::Client::new()
        .get(format!("{}{}", d.url, att.url.split('?').next().unwrap()))
        .bearer_auth(owner.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);
    let history = owner
        .messages(ch, spectrus_client::HistoryQuery::default())
        .await
        .unwrap();
    assert!(
        history.iter().any(|m| m.id == kept.id),
        "the message is back"
    );
}

#[tokio::test]
async fn sigterm_drains_and_exits_0_within_5_seconds() {
    let mut d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let mut gw = Gateway::connect(&owner).await.unwrap();
    let sock = d.admin_socket();
    assert!(sock.exists());
    let (code, took) = d.terminate().unwrap();
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(!sock.exists(), "the admin socket was left behind");
    // The gateway was told to reconnect (the SDK starts reconnecting).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, gw.next_event()).await {
            Ok(Some(GatewayEvent::Reconnecting { .. })) | Ok(None) => break,
            Ok(Some(_)) => {}
            Err(_) => panic!("the gateway was not closed"),
        }
    }
}

#[tokio::test]
async fn sighup_reloads_the_registration_policy_without_dropping_a_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("spectrusd.toml");
    std::fs::write(&conf, "registration = \"invite\"\n").unwrap();
    let d = TestDaemon::start_with_args(&[], &["--config", conf.to_str().unwrap()])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let mut gw = Gateway::connect(&bob).await.unwrap();
    let register = |name: &str| RegisterRequest {
        username: name.into(),
        password: PASSWORD.into(),
        ..Default::default()
    };
    let e = d.client().register(&register("carol")).await.unwrap_err();
    assert_eq!(e.status(), Some(403));

    std::fs::write(
        &conf,
        "registration = \"open\"\n[limits]\nmessage_max_chars = 50\n",
    )
    .unwrap();
    d.signal(Signal::SIGHUP).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while ctl_json(&d, &["config"])["registration"] != "open" {
        assert!(Instant::now() < deadline, "the reload did not happen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ctl_json(&d, &["config"])["limits"]["message_max_chars"], 50);
    d.client().register(&register("carol")).await.unwrap();
    let events = ctl(&d, &["--json", "events", "--type", "config_reload"]);
    assert!(events.ok().contains("\"registration\""), "{events:?}");

    // Bob's gateway lived through it.
    let general = general(&owner).await;
    let e = owner.say(general, &"x".repeat(60)).await.unwrap_err();
    assert_eq!(e.status(), Some(400), "the new limit is not in force: {e}");
    owner.say(general, "still there?").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, gw.next_event()).await {
            Ok(Some(GatewayEvent::Dispatch {
                event: Dispatch::MessageCreate(m),
                ..
            })) => {
                assert_eq!(m.content, "still there?");
                break;
            }
            Ok(Some(GatewayEvent::Reconnecting { .. })) => panic!("the reload dropped the gateway"),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("no message on the gateway after the reload"),
        }
    }
}

#[tokio::test]
async fn layout_export_then_apply_on_a_fresh_server_reproduces_it_and_reapplying_is_a_no_op() {
    let a = TestDaemon::start().await.unwrap();
    let owner = a.owner().await.unwrap();
    ctl(
        &a,
        &[
            "roles",
            "create",
            "Moderator",
            "--perm",
            "members:kick",
            "--color",
            "#e67e22",
            "--hoist",
        ],
    )
    .ok();
    ctl(&a, &["channels", "create", "Games", "--category"]).ok();
    let chess = ctl_json(&a, &["channels", "create", "chess", "--parent", "Games"]);
    ctl(
        &a,
        &[
            "channels", "create", "Jukebox", "--voice", "--parent", "Games",
        ],
    )
    .ok();
    ctl(&a, &["channels", "create", "lobby"]).ok();
    let chess_id = spectrus_proto::Id(chess["id"].as_str().unwrap().parse().unwrap());
    owner
        .patch_channel(
            chess_id,
            &spectrus_proto::rest::PatchChannel {
                topic: Some(Some("Openings and endgames".into())),
                slowmode_seconds: Some(30),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let moderator = ctl_json(&a, &["roles", "show", "Moderator"]);
    owner
        .put_overwrite(
            chess_id,
            spectrus_proto::Id(moderator["id"].as_str().unwrap().parse().unwrap()),
            &spectrus_proto::rest::OverwriteBody {
                allow: [spectrus_proto::Permission::MessagesManage]
                    .into_iter()
                    .collect(),
                deny: Default::default(),
            },
        )
        .await
        .unwrap();

    let file = a.data_dir.parent().unwrap().join("layout.toml");
    let out = ctl(&a, &["layout", "export", file.to_str().unwrap()]);
    assert!(out.ok().contains("layout written to"), "{out:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[[categories]]") && text.contains("Openings and endgames"),
        "{text}"
    );
    let exported_a = ctl_json(&a, &["layout", "export"]);
    assert_eq!(
        exported_a
            .to_string()
            .matches("\"slowmode_seconds\":30")
            .count(),
        1,
        "the slowmode is exported: {exported_a}"
    );

    let b = TestDaemon::start().await.unwrap();
    let before_b = ctl_json(&b, &["layout", "export"]);
    let dry = ctl(
        &b,
        &["layout", "apply", file.to_str().unwrap(), "--dry-run"],
    );
    let dry = dry.ok();
    assert!(dry.starts_with("would make "), "{dry}");
    assert!(dry.contains("create role Moderator"), "{dry}");
    assert!(dry.contains("create channel Games/chess"), "{dry}");
    assert_eq!(
        ctl_json(&b, &["layout", "export"]),
        before_b,
        "the dry run wrote"
    );

    let applied = ctl(&b, &["layout", "apply", file.to_str().unwrap()]);
    assert!(applied.ok().starts_with("applied "), "{applied:?}");
    assert_eq!(ctl_json(&b, &["layout", "export"]), exported_a);
    let again = ctl(&b, &["layout", "apply", file.to_str().unwrap()]);
    assert_eq!(
        again.ok(),
        "no changes: the server already matches the layout\n"
    );
    let again = ctl_json(&b, &["layout", "apply", file.to_str().unwrap()]);
    assert_eq!(again, serde_json::json!({"changes": []}));
    let events = ctl(&b, &["--json", "events", "--type", "layout_apply"]);
    assert_eq!(events.ok().lines().count(), 1, "{events:?}");

    // A document naming an unknown role is refused whole.
    let bad = b.data_dir.parent().unwrap().join("bad.toml");
    std::fs::write(
        &bad,
        "[[categories]]\nname = \"New\"\n[[categories.overwrites]]\nrole = \"Ghost\"\n",
    )
    .unwrap();
    ctl(&b, &["layout", "apply", bad.to_str().unwrap()])
        .fails(1, "categories[0].overwrites[0].role");
    assert_eq!(ctl_json(&b, &["layout", "export"]), exported_a);
}

#[tokio::test]
async fn events_follow_sees_a_message_posted_by_another_client() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let mut child = common::command(
        &d.admin_socket(),
        &["--json", "events", "--follow", "--type", "message_create"],
    )
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let general = general(&owner).await;
    let m = owner.say(general, "secret words").await.unwrap();
    let line = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(5)))
        .await
        .unwrap()
        .expect("no event line within 5 s");
    let _ = child.kill();
    let _ = child.wait();
    let e: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(e["type"], "message_create");
    assert_eq!(e["message_id"], m.id.to_string());
    assert_eq!(e["channel_id"], general.to_string());
    assert_eq!(e["length"], 12);
    assert!(!line.contains("secret"), "content leaked: {line}");

    // Without --follow: the backlog, as human lines.
    let backlog = ctl(&d, &["events"]);
    let text = backlog.ok();
    assert!(
        text.lines().any(|l| l.contains("  member_join  ")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.contains("  message_create  ")),
        "{text}"
    );
}

#[tokio::test]
async fn systemd_notify_ready_watchdog_reloading_and_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let listener = UnixDatagram::bind(&path).unwrap();
    listener
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut d = TestDaemon::start_with(&[
        ("NOTIFY_SOCKET", path.to_str().unwrap()),
        ("WATCHDOG_USEC", "200000"),
    ])
    .await
    .unwrap();
    let mut seen = String::new();
    // A stalled read says what came so far and what the daemon logged (on a loaded CI
    // machine this once waited 10 s for a first datagram).
    let next = |seen: &mut String, d: &TestDaemon| {
        let mut buf = [0u8; 512];
        match listener.recv(&mut buf) {
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e) => panic!(
                "no notification ({e}); got {seen:?}; the daemon logged:\n{}",
                d.log().join("\n")
            ),
        }
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(seen.contains("READY=1") && seen.contains("WATCHDOG=1")) {
        assert!(Instant::now() < deadline, "got {seen:?}");
        next(&mut seen, &d);
    }
    let ready_at = seen.find("READY=1").unwrap();
    assert!(seen[ready_at..].contains("WATCHDOG=1"), "{seen:?}");
    d.signal(Signal::SIGHUP).unwrap();
    while !seen.contains("RELOADING=1") {
        assert!(Instant::now() < deadline, "got {seen:?}");
        next(&mut seen, &d);
    }
    let (code, _) = d.terminate().unwrap();
    assert_eq!(code, Some(0));
    while !seen.contains("STOPPING=1") {
        assert!(Instant::now() < deadline, "got {seen:?}");
        next(&mut seen, &d);
    }
}

#[tokio::test]
async fn a_live_socket_stops_a_second_daemon_and_a_stale_one_is_replaced() {
    let (mut d, _dir) = daemon_with_public_socket_dir().await;
    let sock = d.admin_socket();
    let second = TestDaemon::start_with(&[("SPECTRUS_ADMIN_SOCKET", sock.to_str().unwrap())]).await;
    assert!(
        second.is_err(),
        "a second daemon started on a live admin socket"
    );
    ctl(&d, &["status"]).ok();
    // A crash leaves the socket file behind; the next start replaces it.
    d.kill9();
    assert!(sock.exists());
    d.restart().await.unwrap();
    ctl(&d, &["status"]).ok();
}

#[tokio::test]
async fn a_daemon_started_by_hand_is_found_from_its_directory() {
    if std::path::Path::new(spectrus_proto::admin::DEFAULT_ADMIN_SOCKET).exists()
        || std::path::Path::new(spectrusctl::locate::DAEMON_CONFIG).exists()
    {
        eprintln!("skipped: this machine has a system spectrusd whose socket would be found first");
        return;
    }
    // `spectrusd` run in a directory keeps its data, and its socket, in ./spectrus-data.
    let here = tempfile::tempdir().unwrap();
    let data = here.path().join("spectrus-data");
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_DATA_DIR", data.to_str().unwrap()),
        (
            "SPECTRUS_ADMIN_SOCKET",
            data.join("admin.sock").to_str().unwrap(),
        ),
    ])
    .await
    .unwrap();
    let run = |dir: &std::path::Path| {
        let mut cmd = std::process::Command::new(common::binary());
        cmd.args(["--json", "status"])
            .current_dir(dir)
            .env_remove("SPECTRUS_ADMIN_SOCKET")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        common::run_command(cmd, None)
    };
    assert_eq!(run(here.path()).json()["members"], 0);
    // Elsewhere, nothing is found and the message says what to set.
    let elsewhere = tempfile::tempdir().unwrap();
    let lost = run(elsewhere.path());
    assert_eq!(lost.code, 69, "{lost:?}");
    assert!(lost.stderr.contains("no admin socket found"), "{lost:?}");
    assert!(
        lost.stderr
            .contains("--socket PATH or SPECTRUS_ADMIN_SOCKET=PATH"),
        "{lost:?}"
    );
    drop(d);
}

#[tokio::test]
async fn an_untouched_export_applies_as_no_changes_after_channels_made_out_of_order() {
    use spectrus_proto::model::ChannelType;
    use spectrus_proto::rest::CreateChannel;
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let make = |name: &str, kind: ChannelType, parent, position| CreateChannel {
        parent_id: parent,
        position,
        ..CreateChannel::new(name, kind)
    };
    // Positions with gaps, duplicates and out of order; a category filled back to front.
    let cat = owner
        .create_channel(&make("Zone", ChannelType::Category, None, Some(9)))
        .await
        .unwrap()
        .id;
    for (name, pos) in [
        ("last", Some(7)),
        ("first", Some(0)),
        ("mid", Some(3)),
        ("dup", Some(3)),
    ] {
        owner
            .create_channel(&make(name, ChannelType::Text, Some(cat), pos))
            .await
            .unwrap();
    }
    for (name, pos) in [("zz", Some(12)), ("aa", None), ("talk", Some(1))] {
        let kind = if name == "talk" {
            ChannelType::Voice
        } else {
            ChannelType::Text
        };
        owner
            .create_channel(&make(name, kind, None, pos))
            .await
            .unwrap();
    }
    ctl(&d, &["channels", "move", "first", "2"]).ok();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("layout.toml");
    ctl(&d, &["layout", "export", file.to_str().unwrap()]).ok();
    let dry = ctl(
        &d,
        &["layout", "apply", file.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(
        dry.ok(),
        "no changes: the server already matches the layout\n",
        "{}",
        std::fs::read_to_string(&file).unwrap()
    );
    // Applying it for real changes nothing either, and the order a member sees stays.
    let before = owner.channels().await.unwrap();
    let applied = ctl(&d, &["layout", "apply", file.to_str().unwrap()]);
    assert!(applied.ok().starts_with("no changes"), "{applied:?}");
    let after = owner.channels().await.unwrap();
    let order = |chs: &[spectrus_proto::model::Channel]| {
        let mut v: Vec<(Option<u64>, i64, String)> = chs
            .iter()
            .map(|c| (c.parent_id.map(|p| p.0), c.position, c.name.clone()))
            .collect();
        v.sort();
        v.into_iter().map(|x| x.2).collect::<Vec<_>>()
    };
    assert_eq!(order(&before), order(&after));

    // A reordered file still moves: swap two channels of the category.
    let text = std::fs::read_to_string(&file).unwrap();
    let swapped = text
        .replace("name = \"first\"", "name = \"@@\"")
        .replace("name = \"mid\"", "name = \"first\"")
        .replace("name = \"@@\"", "name = \"mid\"");
    std::fs::write(&file, swapped).unwrap();
    let dry = ctl(
        &d,
        &["layout", "apply", file.to_str().unwrap(), "--dry-run"],
    );
    assert!(dry.ok().contains("move channel Zone/mid"), "{dry:?}");
}
