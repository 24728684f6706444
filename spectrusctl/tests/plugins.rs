//! `spectrusctl plugins …` against a real daemon and a local fake of GitHub's raw-content host:
//! the manifest shown before installing, confirmation (yes, no, `--yes --json`), list and
//! remove, a bad manifest refused field by field, a missing or oversized one, an unreachable
//! host, and the free limit of 3 plugins; the bot token and signing key shown at install,
//! `plugins token` rotating it, health in `list` and `show`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ctl, ctl_json, ctl_stdin};
use spectrus_testkit::TestDaemon;
use spectrus_testkit::fake_github::FakeGithub;

fn manifest(id: &str) -> String {
    serde_json::json!({
        "id": id, "name": "Echo", "version": "1.0.0", "description": "Says it back.",
        "author": "Acme", "homepage": "https://example.com/echo",
        "permissions": ["messages:send", "messages:read_history"],
        "events": ["MESSAGE_CREATE"],
        "webhook_url": "http://127.0.0.1:9/hook",
        "commands": [{"name": "echo", "description": "Repeat text",
            "options": [{"name": "text", "description": "What to say", "type": "string", "required": true}]}]
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_install_list_remove_and_refusals() {
    let github = FakeGithub::start().await.unwrap();
    let publish = |path: &str, body: String| github.publish(path, &body);
    publish("acme/echo/HEAD/spectrus-plugin.json", manifest("echo"));
    publish("acme/echo/v2/spectrus-plugin.json", manifest("echo"));
    let d = TestDaemon::start_with(&[("SPECTRUS_GITHUB_RAW_URL", github.url())])
        .await
        .unwrap();

    // Shown, then refused at the prompt: nothing installed.
    let run = ctl_stdin(&d, &["plugins", "install", "acme/echo"], "n\n");
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "Echo (echo) 1.0.0",
        "acme/echo@HEAD",
        "messages:send, messages:read_history",
        "MESSAGE_CREATE",
        "/echo",
        "Install this plugin? [y/N]",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?} not shown: {run:?}");
    }
    assert!(run.stderr.contains("not installed"), "{run:?}");
    assert_eq!(ctl_json(&d, &["plugins", "list"]), serde_json::json!([]));

    // Confirmed.
    let run = ctl_stdin(&d, &["plugins", "install", "acme/echo@v2"], "y\n");
    assert!(
        run.ok()
            .contains("plugin echo 1.0.0 installed from acme/echo@v2"),
        "{run:?}"
    );
    // The bot's token, shown once, and the key that signs webhook deliveries.
    assert!(run.stdout.contains("bot token (shown once"), "{run:?}");
    assert!(
        run.stdout.contains("webhook signing key (Ed25519, hex): "),
        "{run:?}"
    );
    let list = ctl(&d, &["plugins", "list"]).ok().to_owned();
    assert!(
        list.contains("echo") && list.contains("acme/echo@v2"),
        "{list}"
    );

    // Bad manifests, each field named.
    publish(
        "acme/bad/HEAD/spectrus-plugin.json",
        r#"{"id": "Bad Id", "name": "x", "version": "1", "description": "d", "author": "a",
            "webhook_url": "ftp://nope", "permissions": ["root"], "events": ["EVERYTHING"],
            "commands": [{"name": "Echo", "description": "d", "options": [{"name": "t", "description": "d", "type": "float"}]}],
            "extra": true}"#
            .into(),
    );
    let run = ctl(&d, &["plugins", "install", "--yes", "acme/bad"]);
    assert_eq!(run.code, 1, "{run:?}");
    for field in [
        "id:",
        "webhook_url:",
        "permissions[0]:",
        "events[0]:",
        "commands[0].name:",
        "commands[0].options[0].type:",
        "extra:",
    ] {
        assert!(run.stderr.contains(field), "{field} not named: {run:?}");
    }
    publish("acme/junk/HEAD/spectrus-plugin.json", "not json".into());
    ctl(&d, &["plugins", "install", "--yes", "acme/junk"]).fails(1, "manifest: is not valid JSON");
    publish(
        "acme/huge/HEAD/spectrus-plugin.json",
        " ".repeat(70 * 1024) + &manifest("huge"),
    );
    ctl(&d, &["plugins", "install", "--yes", "acme/huge"]).fails(1, "larger than 64 KiB");
    ctl(&d, &["plugins", "install", "--yes", "acme/none"]).fails(1, "no spectrus-plugin.json at");
    ctl(&d, &["plugins", "install", "--yes", "not-a-source"]).fails(1, "OWNER/REPO");
    let run = ctl(&d, &["--json", "plugins", "install", "acme/echo"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--yes"), "{run:?}");

    // The free limit: 3 plugins; a 4th needs premium.
    for id in ["two", "three", "four"] {
        publish(
            &format!("acme/{id}/HEAD/spectrus-plugin.json"),
            manifest(id),
        );
    }
    let json = ctl_json(&d, &["plugins", "install", "--yes", "acme/two"]);
    assert_eq!(json["plugin"]["id"], "two");
    let token = json["bot_token"].as_str().unwrap().to_owned();
    let key = json["public_key"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43, "{json}");
    assert_eq!(key.len(), 64, "{json}");
    assert_eq!(json["plugin"]["healthy"], true);
    // `plugins token` rotates: a new token, the same signing key.
    let rotated = ctl_json(&d, &["plugins", "token", "two"]);
    assert_eq!(rotated["plugin_id"], "two");
    assert_eq!(rotated["public_key"], key.as_str());
    assert_ne!(rotated["bot_token"], token.as_str());
    let run = ctl(&d, &["plugins", "token", "two"]);
    assert!(run.ok().contains("has a new bot token"), "{run:?}");
    assert!(run.stdout.contains(&key), "{run:?}");
    ctl(&d, &["plugins", "token", "nope"]).fails(1, "no plugin named");
    assert_eq!(
        json["plugin"]["manifest"]["commands"][0]["options"][0]["type"],
        "string"
    );
    ctl_json(&d, &["plugins", "install", "--yes", "acme/three"]);
    let run = ctl(&d, &["plugins", "install", "--yes", "acme/four"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("premium_required"), "{run:?}");
    assert!(
        run.stderr.contains("spectrusctl license activate"),
        "{run:?}"
    );
    // Reinstalling one already there is not a new plugin.
    ctl_json(&d, &["plugins", "install", "--yes", "acme/echo"]);

    // Update: the new version asks for more; the diff is shown; a disabled plugin stays off.
    assert!(
        ctl(&d, &["plugins", "disable", "echo"])
            .ok()
            .contains("disabled")
    );
    let mut v2: serde_json::Value = serde_json::from_str(&manifest("echo")).unwrap();
    v2["version"] = "1.1.0".into();
    v2["permissions"] = serde_json::json!(["messages:send", "messages:manage"]);
    publish("acme/echo/HEAD/spectrus-plugin.json", v2.to_string());
    let run = ctl_stdin(&d, &["plugins", "update", "echo"], "n\n");
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "version 1.0.0 -> 1.1.0",
        "+ permission messages:manage",
        "- permission messages:read_history",
        "Update this plugin? [y/N]",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?} not shown: {run:?}");
    }
    assert_eq!(
        ctl_json(&d, &["plugins", "show", "echo"])["manifest"]["version"],
        "1.0.0"
    );
    let run = ctl_stdin(&d, &["plugins", "update", "echo"], "y\n");
    assert!(
        run.ok()
            .contains("plugin echo 1.1.0 updated from acme/echo@HEAD"),
        "{run:?}"
    );
    let shown = ctl_json(&d, &["plugins", "show", "echo"]);
    assert_eq!(shown["manifest"]["version"], "1.1.0");
    assert_eq!(shown["enabled"], false, "an update keeps it off");
    assert!(
        ctl(&d, &["plugins", "enable", "echo"])
            .ok()
            .contains("enabled")
    );

    // Show, disable, enable.
    let shown = ctl(&d, &["plugins", "show", "echo"]).ok().to_owned();
    assert!(
        shown.contains("enabled      yes") && shown.contains("/echo"),
        "{shown}"
    );
    assert!(
        shown.contains("healthy      yes") && shown.contains("signing key"),
        "{shown}"
    );
    assert!(
        ctl(&d, &["plugins", "list"]).ok().contains("healthy"),
        "the list shows each plugin's health"
    );
    assert!(
        ctl(&d, &["plugins", "disable", "echo"])
            .ok()
            .contains("plugin echo disabled")
    );
    assert_eq!(ctl_json(&d, &["plugins", "show", "echo"])["enabled"], false);
    assert_eq!(
        ctl_json(&d, &["plugins", "enable", "echo"])["enabled"],
        true
    );
    ctl(&d, &["plugins", "show", "nope"]).fails(1, "no plugin named");

    // Remove.
    assert!(
        ctl(&d, &["plugins", "remove", "two"])
            .ok()
            .contains("plugin two removed")
    );
    ctl(&d, &["plugins", "remove", "two"]).fails(1, "no plugin named");
    let ids: Vec<String> = ctl_json(&d, &["plugins", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["echo", "three"]);
    ctl_json(&d, &["plugins", "install", "--yes", "acme/four"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_is_said() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let d = TestDaemon::start_with(&[("SPECTRUS_GITHUB_RAW_URL", &format!("http://{closed}"))])
        .await
        .unwrap();
    ctl(&d, &["plugins", "install", "--yes", "acme/echo"]).fails(1, "cannot fetch");
}
