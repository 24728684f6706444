//! `spectrusctl emoji list | add | rename | delete` against the real daemon: what it does is
//! what members see over the public API, each change is audited as the operator's, `--json`
//! prints the daemon's answer, and refusals are one line with a non-zero exit.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use common::{ctl, ctl_json};
use spectrus_testkit::TestDaemon;

/// A valid 1×1 PNG.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

#[tokio::test]
async fn emoji_are_added_listed_renamed_and_deleted_from_the_cli() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("party.png");
    std::fs::write(
        &png,
        base64::engine::general_purpose::STANDARD
            .decode(PNG_1X1)
            .unwrap(),
    )
    .unwrap();
    let png = png.to_str().unwrap();

    // Added: members see it at once, with its image.
    let added = ctl(&d, &["emoji", "add", "party", png]);
    assert!(added.ok().starts_with("added :party: (id "), "{added:?}");
    let seen = owner.emojis().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].name, "party");
    assert_eq!(seen[0].creator_id, None, "the operator added it");
    let id = seen[0].id.to_string();
    let json = ctl_json(&d, &["emoji", "add", ":wave:", png]);
    assert_eq!(json["name"], "wave");

    // Listed, as a table and as the daemon's JSON.
    let list = ctl(&d, &["emoji", "list"]);
    let text = list.ok();
    assert!(text.starts_with("NAME "), "{text}");
    let line = text.lines().find(|l| l.starts_with(":party:")).unwrap();
    assert!(line.contains(&id) && line.contains(" - "), "{text}");
    let json = ctl_json(&d, &["emoji", "list"]);
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["party", "wave"]);

    // Renamed by name (colons or not) or id.
    let renamed = ctl(&d, &["emoji", "rename", ":party:", "fiesta"]);
    assert_eq!(renamed.ok().trim(), ":party: is now :fiesta:");
    let json = ctl_json(&d, &["emoji", "rename", &id, "fete"]);
    assert_eq!(json["name"], "fete");
    assert!(
        owner
            .emojis()
            .await
            .unwrap()
            .iter()
            .any(|e| e.name == "fete")
    );

    // Refusals: one line naming the problem, non-zero exit, nothing changed.
    ctl(&d, &["emoji", "add", "wave", png]).fails(1, "exists already");
    ctl(&d, &["emoji", "add", "Bad-Name", png]).fails(1, "name");
    ctl(&d, &["emoji", "add", "ghost", "/nonexistent/ghost.png"]).fails(1, "cannot read");
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "not an image").unwrap();
    ctl(&d, &["emoji", "add", "notes", text_file.to_str().unwrap()]).fails(1, "file");
    ctl(&d, &["emoji", "rename", "nope", "other"]).fails(1, "no emoji named \"nope\"");
    ctl(&d, &["emoji", "rename", "fete", "wave"]).fails(1, "exists already");
    assert_eq!(owner.emojis().await.unwrap().len(), 2);

    // Deleted.
    let deleted = ctl(&d, &["emoji", "delete", ":fete:"]);
    assert_eq!(deleted.ok().trim(), ":fete: deleted");
    ctl(&d, &["emoji", "delete", "fete"]).fails(1, "no emoji named \"fete\"");
    let left: Vec<String> = owner
        .emojis()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(left, ["wave"]);

    // Each change is in the audit log as the operator's.
    for action in ["emoji.create", "emoji.update", "emoji.delete"] {
        let entries = ctl_json(&d, &["audit", "--action", action]);
        let entries = entries.as_array().unwrap();
        assert!(!entries.is_empty(), "no {action} entry");
        assert!(
            entries.iter().all(|e| e["actor"]["via"] == "admin_socket"),
            "{entries:?}"
        );
    }
    assert_eq!(
        ctl_json(&d, &["audit", "--action", "emoji.update"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
