//! The admin socket records who acted: an action over the real socket produces an audit entry
//! whose actor carries the calling process's uid, in the public API, in `spectrusctl audit`
//! and in `--json`. And names that match nothing are named in a one-line error.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ctl, ctl_json};
use spectrus_proto::model::AuditActor;
use spectrus_proto::rest::AuditQuery;
use spectrus_testkit::TestDaemon;

#[tokio::test]
async fn admin_actions_are_audited_with_the_peer_uid() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let uid = nix::unistd::geteuid().as_raw();

    ctl(&d, &["roles", "create", "mods"]).ok();

    // The public audit log (owner's token) shows the operator and its uid.
    let entries = owner
        .audit_log(&AuditQuery {
            action: Some("role.create".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let entry = entries
        .iter()
        .find(|e| e.changes["after"]["name"] == "mods")
        .unwrap_or_else(|| panic!("no role.create entry for mods: {entries:?}"));
    assert_eq!(entry.actor, Some(AuditActor::admin_socket(uid)));
    assert_eq!(entry.actor_id, None);

    // A member's own action has no admin actor.
    owner
        .create_invite(&spectrus_proto::rest::CreateInvite::default())
        .await
        .unwrap();
    let by_owner = owner
        .audit_log(&AuditQuery {
            action: Some("invite.create".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_owner.len(), 1, "{by_owner:?}");
    assert_eq!(by_owner[0].actor, None);
    assert!(by_owner[0].actor_id.is_some());

    // spectrusctl shows it, as JSON and as a table.
    let json = ctl_json(&d, &["audit", "--action", "role.create"]);
    assert_eq!(json[0]["action"], "role.create");
    assert_eq!(json[0]["actor"]["via"], "admin_socket");
    assert_eq!(json[0]["actor"]["uid"], uid);
    assert!(json[0]["actor_id"].is_null());
    let table = ctl(&d, &["audit", "--limit", "5"]);
    let text = table.ok();
    let line = text
        .lines()
        .find(|l| l.contains("role.create"))
        .unwrap_or_else(|| panic!("no role.create line: {text}"));
    assert!(line.contains(&format!("admin (uid {uid})")), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("invite.create") && l.contains("  owner  ")),
        "{text}"
    );
}

#[tokio::test]
async fn things_that_do_not_exist_are_named() {
    let d = TestDaemon::start().await.unwrap();
    let _owner = d.owner().await.unwrap();

    ctl(&d, &["users", "show", "bob"]).fails(1, r#"no user named "bob" (not_found)"#);
    ctl(&d, &["users", "disable", "4242"]).fails(1, r#"no user with id or name "4242""#);
    ctl(&d, &["roles", "delete", "ghosts"]).fails(1, r#"no role named "ghosts""#);
    ctl(&d, &["roles", "grant", "bob", "ghosts"]).fails(1, r#"no user named "bob""#);
    ctl(&d, &["roles", "grant", "owner", "ghosts"]).fails(1, r#"no role named "ghosts""#);
    ctl(&d, &["channels", "delete", "nowhere"]).fails(1, r#"no channel named "nowhere""#);
    ctl(&d, &["invites", "revoke", "NOPE"]).fails(1, r#"no invite with code "NOPE""#);
    ctl(&d, &["bans", "add", "bob"]).fails(1, r#"no user named "bob""#);
    ctl(&d, &["bans", "remove", "owner"]).fails(1, r#"no ban on user "owner""#);

    // With --json the error is one JSON line on stderr, the daemon's error shape, same exit.
    let run = ctl(&d, &["--json", "users", "show", "bob"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    let err: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(err["error"]["code"], "not_found", "{err}");
    assert_eq!(err["error"]["message"], r#"no user named "bob""#, "{err}");
    // A daemon that cannot be reached: the same shape, its own code, exit 69.
    let gone = common::run_command(
        common::command(&d.data_dir.join("no.sock"), &["--json", "status"]),
        None,
    );
    assert_eq!(gone.code, 69, "{gone:?}");
    let err: serde_json::Value = serde_json::from_str(&gone.stderr).unwrap();
    assert_eq!(err["error"]["code"], "unavailable", "{err}");
}
