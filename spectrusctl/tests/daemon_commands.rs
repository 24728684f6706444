//! Every command group of `spectrusctl` against the real daemon, in both output modes (table
//! and `--json`), with exit codes and one-line errors.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ctl, ctl_json, ctl_stdin};
use spectrus_testkit::{PASSWORD, SETUP_CODE, TestDaemon};

#[tokio::test]
async fn status_setup_code_and_config() {
    let secret = "s".repeat(40);
    let d = TestDaemon::start_with(&[("SPECTRUS_JWT_SECRET", &secret)])
        .await
        .unwrap();
    let table = ctl(&d, &["status"]);
    let text = table.ok();
    assert!(
        text.contains(&format!("version   {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.contains("members   0 (0 online)"), "{text}");
    assert!(text.contains("licence   none"), "{text}");
    let s = ctl_json(&d, &["status"]);
    assert_eq!(s["voice"]["enabled"], true);
    let udp = s["voice"]["udp"].as_str().unwrap();
    assert!(
        text.contains(&format!("voice     on UDP {udp}: 0 rooms")),
        "{text}"
    );
    assert_eq!(s["members"], 0);
    assert_eq!(s["license"]["state"], "none");
    assert!(s["database_bytes"].as_u64().unwrap() > 0);

    assert_eq!(ctl(&d, &["setup-code"]).ok().trim(), SETUP_CODE);
    assert_eq!(ctl_json(&d, &["setup-code"])["setup_code"], SETUP_CODE);
    let _owner = d.owner().await.unwrap();
    assert!(
        ctl(&d, &["setup-code"])
            .ok()
            .contains("already been claimed")
    );
    assert!(ctl_json(&d, &["setup-code"])["setup_code"].is_null());
    assert_eq!(ctl_json(&d, &["status"])["members"], 1);

    let toml = ctl(&d, &["config"]);
    let toml = toml.ok();
    assert!(toml.contains("jwt_secret = \"<redacted>\""), "{toml}");
    assert!(!toml.contains(&secret), "{toml}");
    assert!(toml.contains("[limits]"), "{toml}");
    let json = ctl_json(&d, &["config"]);
    assert_eq!(json["jwt_secret"], "<redacted>");
    assert_eq!(json["setup_code"], "<redacted>");
    assert!(json["bind"].as_str().unwrap().starts_with("127.0.0.1:"));
}

#[tokio::test]
async fn status_says_when_voice_is_disabled() {
    let d = TestDaemon::start_with(&[("SPECTRUS_VOICE_ENABLED", "false")])
        .await
        .unwrap();
    let out = ctl(&d, &["status"]);
    assert!(
        out.ok()
            .contains("voice     disabled (voice.enabled = false)"),
        "{out:?}"
    );
    assert_eq!(ctl_json(&d, &["status"])["voice"]["enabled"], false);
}

#[tokio::test]
async fn users_create_reset_disable_enable_delete_set_owner() {
    let d = TestDaemon::start().await.unwrap();
    let _owner = d.owner().await.unwrap();

    // Generated password, printed once; it logs in.
    let created = ctl(&d, &["users", "create", "alice"]);
    let out = created.ok();
    assert!(out.starts_with("created user alice (id "), "{out}");
    let pw = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_owned();
    assert_eq!(pw.len(), 20);
    let alice = d.client();
    alice.login("alice", &pw).await.unwrap();

    // Password from stdin, JSON output without a password.
    let bob = ctl_stdin(
        &d,
        &["--json", "users", "create", "bob", "--password-stdin"],
        "bobs password\n",
    )
    .json();
    assert_eq!(bob["username"], "bob");
    assert!(bob.get("password").is_none());
    d.client().login("bob", "bobs password").await.unwrap();

    let list = ctl(&d, &["users", "list"]);
    let list = list.ok();
    assert!(list.starts_with("ID "), "{list}");
    assert!(list.contains("alice") && list.contains("bob"), "{list}");
    let list = ctl_json(&d, &["users", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 3);
    let alice_id = list[1]["id"].as_str().unwrap().to_owned();

    // By name or by id.
    assert!(
        ctl(&d, &["users", "show", "alice"])
            .ok()
            .contains("username      alice")
    );
    assert_eq!(
        ctl_json(&d, &["users", "show", &alice_id])["username"],
        "alice"
    );

    // A reset ends the sessions and prints the new password, labelled as `users create` does.
    let reset = ctl(&d, &["users", "reset-password", "alice"]);
    let out = reset.ok();
    assert!(out.starts_with("password of alice reset"), "{out}");
    let new_pw = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a labelled password line")
        .to_owned();
    assert_eq!(new_pw.len(), 20);
    assert!(out.contains("shown once"), "{out}");
    assert!(
        alice.refresh().await.is_err(),
        "old session survived the reset"
    );
    alice.login("alice", &new_pw).await.unwrap();
    let set = ctl_stdin(
        &d,
        &["users", "reset-password", "alice", "--password-stdin"],
        "chosen password\n",
    );
    assert!(set.ok().contains("their sessions were closed"));
    let json = ctl_stdin(
        &d,
        &[
            "--json",
            "users",
            "reset-password",
            "alice",
            "--password-stdin",
        ],
        "chosen password2\n",
    )
    .json();
    assert_eq!(json["password"], "chosen password2");

    // Disabled accounts cannot log in; enabling lets them back.
    assert_eq!(
        ctl(&d, &["users", "disable", "alice"]).ok(),
        "user alice disabled\n"
    );
    let e = d
        .client()
        .login("alice", "chosen password2")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    assert_eq!(ctl_json(&d, &["users", "show", "alice"])["disabled"], true);
    assert_eq!(ctl(&d, &["--json", "users", "enable", "alice"]).ok(), "");
    d.client().login("alice", "chosen password2").await.unwrap();

    // The owner can be neither disabled nor deleted; ownership moves first.
    ctl(&d, &["users", "disable", "owner"]).fails(1, "(conflict)");
    ctl(&d, &["users", "delete", "owner"]).fails(1, "move ownership first");
    assert!(
        ctl(&d, &["users", "set-owner", "alice"])
            .ok()
            .contains("is now the owner")
    );
    assert_eq!(ctl_json(&d, &["users", "show", "alice"])["owner"], true);
    assert_eq!(ctl_json(&d, &["users", "show", "owner"])["owner"], false);

    assert_eq!(
        ctl(&d, &["users", "delete", "bob"]).ok(),
        "user bob deleted\n"
    );
    ctl(&d, &["users", "show", "bob"]).fails(1, r#"no user named "bob" (not_found)"#);
    assert!(d.client().login("bob", "bobs password").await.is_err());

    // Validation and unknown names: exit 1, one line.
    ctl(&d, &["users", "create", "X"]).fails(1, "(validation_failed)");
    ctl(&d, &["users", "create", "alice"]).fails(1, "username is taken (conflict)");
    ctl(&d, &["users", "disable", "nobody"]).fails(1, "(not_found)");
}

#[tokio::test]
async fn roles_create_edit_grant_revoke_move_perms_delete() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let _bob = d.member(&owner, "bob").await.unwrap();

    let out = ctl(
        &d,
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
    );
    assert!(
        out.ok().starts_with("created role Moderator (id "),
        "{out:?}"
    );
    let helper = ctl_json(
        &d,
        &["roles", "create", "Helper", "--perm", "messages:manage"],
    );
    assert_eq!(helper["position"], 1);
    let list = ctl(&d, &["roles", "list"]);
    let list = list.ok();
    assert!(
        list.contains("Moderator") && list.contains("@everyone"),
        "{list}"
    );
    let roles = ctl_json(&d, &["roles", "list"]);
    assert_eq!(roles.as_array().unwrap().len(), 3);
    let m = ctl_json(&d, &["roles", "show", "Moderator"]);
    assert_eq!(m["position"], 2);
    assert_eq!(m["color"], "#e67e22");
    assert!(
        ctl(&d, &["roles", "show", "Moderator"])
            .ok()
            .contains("members:kick")
    );

    assert!(
        ctl(
            &d,
            &["roles", "edit", "Moderator", "--add-perm", "members:ban"]
        )
        .ok()
        .contains("role Moderator updated")
    );
    let m = ctl_json(&d, &["roles", "edit", "Moderator", "--no-color"]);
    assert!(m["color"].is_null());
    let perms: Vec<&str> = m["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        perms.contains(&"members:ban") && perms.contains(&"members:kick"),
        "{perms:?}"
    );

    assert_eq!(
        ctl(&d, &["roles", "grant", "bob", "Moderator"]).ok(),
        "bob now has role Moderator\n"
    );
    let member = ctl_json(&d, &["users", "show", "bob"]);
    assert_eq!(member["username"], "bob");
    assert_eq!(
        ctl(&d, &["--json", "roles", "revoke", "bob", "Moderator"]).ok(),
        ""
    );
    ctl(&d, &["roles", "grant", "bob", "Ghost"]).fails(1, r#"no role named "Ghost""#);

    assert!(
        ctl(&d, &["roles", "move", "Moderator", "1"])
            .ok()
            .contains("moved to position 1")
    );
    assert_eq!(ctl_json(&d, &["roles", "show", "Helper"])["position"], 2);

    let perms = ctl(&d, &["roles", "perms"]);
    assert!(perms.ok().contains("messages:send"));
    let perms = ctl_json(&d, &["roles", "perms"]);
    assert_eq!(
        perms.as_array().unwrap().len(),
        spectrus_proto::Permission::ALL.len()
    );

    ctl(&d, &["roles", "delete", "@everyone"]).fails(1, "(conflict)");
    assert_eq!(
        ctl(&d, &["roles", "delete", "Helper"]).ok(),
        "role Helper deleted\n"
    );
    assert_eq!(
        ctl_json(&d, &["roles", "list"]).as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn invites_create_list_revoke() {
    let d = TestDaemon::start_with(&[("SPECTRUS_PUBLIC_URL", "https://chat.example.org")])
        .await
        .unwrap();
    let _owner = d.owner().await.unwrap();
    let out = ctl(
        &d,
        &["invites", "create", "--max-uses", "5", "--expires", "7d"],
    );
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    assert!(
        lines[0].starts_with("spectrus://join/chat.example.org/"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("https://chat.example.org/invite/"),
        "{lines:?}"
    );
    let code = lines[0].rsplit('/').next().unwrap().to_owned();
    let json = ctl_json(&d, &["invites", "create"]);
    assert!(json["max_uses"].is_null());
    let list = ctl(&d, &["invites", "list"]);
    assert!(list.ok().contains(&code), "{list:?}");
    assert_eq!(
        ctl_json(&d, &["invites", "list"]).as_array().unwrap().len(),
        2
    );
    assert!(ctl(&d, &["invites", "revoke", &code]).ok().contains(&code));
    assert_eq!(
        ctl_json(&d, &["invites", "list"]).as_array().unwrap().len(),
        1
    );
    ctl(&d, &["invites", "revoke", &code])
        .fails(1, &format!("no invite with code {code:?} (not_found)"));
}

#[tokio::test]
async fn channels_create_list_move_delete() {
    let d = TestDaemon::start().await.unwrap();
    let out = ctl(&d, &["channels", "create", "Games", "--category"]);
    assert!(
        out.ok().starts_with("created category channel Games (id "),
        "{out:?}"
    );
    let chess = ctl_json(&d, &["channels", "create", "chess", "--parent", "Games"]);
    assert_eq!(chess["type"], "text");
    assert!(
        ctl(&d, &["channels", "create", "Radio", "--voice"])
            .ok()
            .contains("voice")
    );
    let list = ctl(&d, &["channels", "list"]);
    let list = list.ok();
    assert!(
        list.contains("Games") && list.contains("chess") && list.contains("general"),
        "{list}"
    );
    let all = ctl_json(&d, &["channels", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 7);

    ctl(&d, &["channels", "delete", "Games"]).fails(1, "(conflict)");
    assert!(
        ctl(&d, &["channels", "move", "chess", "0", "--no-parent"])
            .ok()
            .contains("moved to position 0")
    );
    let chess = ctl_json(&d, &["channels", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "chess")
        .cloned()
        .unwrap();
    assert!(chess["parent_id"].is_null());
    assert_eq!(chess["position"], 0);
    assert_eq!(
        ctl(&d, &["channels", "delete", "Games"]).ok(),
        "channel Games deleted\n"
    );
    assert_eq!(ctl(&d, &["--json", "channels", "delete", "chess"]).ok(), "");
    ctl(&d, &["channels", "delete", "chess"]).fails(1, "(not_found)");
}

#[tokio::test]
async fn bans_add_list_remove() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let troll = d.member(&owner, "troll").await.unwrap();
    assert_eq!(
        ctl(&d, &["bans", "add", "troll", "--reason", "spam, twice"]).ok(),
        "user troll banned\n"
    );
    assert!(
        troll.refresh().await.is_err(),
        "the banned user's session survived"
    );
    let e = d.client().login("troll", PASSWORD).await.unwrap_err();
    assert_eq!(e.status(), Some(403));
    let list = ctl(&d, &["bans", "list"]);
    assert!(
        list.ok().contains("troll") && list.ok().contains("spam, twice"),
        "{list:?}"
    );
    let bans = ctl_json(&d, &["bans", "list"]);
    assert_eq!(bans[0]["user"]["username"], "troll");
    assert_eq!(bans[0]["reason"], "spam, twice");
    ctl(&d, &["bans", "add", "owner"]).fails(77, "owner");
    assert_eq!(
        ctl(&d, &["bans", "remove", "troll"]).ok(),
        "ban of troll lifted\n"
    );
    assert_eq!(ctl_json(&d, &["bans", "list"]), serde_json::json!([]));
    ctl(&d, &["bans", "remove", "troll"]).fails(1, "(not_found)");
    d.client().login("troll", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn completions_need_no_daemon_and_a_missing_socket_is_69() {
    let d = TestDaemon::start().await.unwrap();
    assert!(
        ctl(&d, &["completions", "bash"])
            .ok()
            .contains("spectrusctl")
    );
    let gone = d.data_dir.join("nope.sock");
    let run = common::run_command(common::command(&gone, &["status"]), None);
    run.fails(69, "cannot connect");
}
