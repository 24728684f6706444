//! `spectrusctl license …` against a real daemon: no licence in words, an offline licence file
//! signed by a test key imported (table, `--json`, `status`), a tampered or unreadable file
//! refused in one line, activation with Keygen unreachable, deactivation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{ctl, ctl_json};
use spectrus_testkit::TestDaemon;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Keygen offline licence file (`base64+ed25519`), valid for a year from now.
fn licence_file(pair: &Ed25519KeyPair, plan: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let date = |secs: u64| {
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let payload = serde_json::json!({
        "meta": {"issued": date(now - 60), "expiry": date(now + 365 * 86_400), "ttl": 365 * 86_400},
        "data": {"id": "lic-1", "type": "licenses", "attributes": {
            "name": "Night Owls", "expiry": null, "status": "ACTIVE", "metadata": {"plan": plan}}},
        "included": []
    });
    let enc = STANDARD.encode(payload.to_string());
    let sig = STANDARD.encode(pair.sign(format!("license/{enc}").as_bytes()).as_ref());
    let doc = serde_json::json!({"enc": enc, "sig": sig, "alg": "base64+ed25519"}).to_string();
    format!(
        "-----BEGIN LICENSE FILE-----\n{}\n-----END LICENSE FILE-----\n",
        STANDARD.encode(doc)
    )
}

#[tokio::test]
async fn license_commands() {
    let pair = Ed25519KeyPair::generate().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let d = TestDaemon::start_with(&[
        (
            "SPECTRUS_KEYGEN_PUBLIC_KEY",
            &hex(pair.public_key().as_ref()),
        ),
        ("SPECTRUS_KEYGEN_URL", &format!("http://{closed}")),
        ("SPECTRUS_KEYGEN_ACCOUNT", "spectrus-test"),
    ])
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // No licence: said, with what to do.
    let text = ctl(&d, &["license", "status"]).ok().to_owned();
    assert!(text.contains("state       none"), "{text}");
    assert!(text.contains("spectrusctl license activate KEY"), "{text}");
    assert!(ctl(&d, &["status"]).ok().contains("licence   none"));

    // Keygen unreachable: refused in one line, nothing stored.
    ctl(&d, &["license", "activate", "SPECTRUS-KEY-0000-1111"])
        .fails(1, "Keygen could not be reached");

    // A tampered file, a missing file.
    let good = licence_file(&pair, "Pro");
    let tampered = good.replacen("LICENSE FILE-----\n", "LICENSE FILE-----\nAAAA", 1);
    let path = dir.path().join("tampered.lic");
    std::fs::write(&path, tampered).unwrap();
    let run = ctl(&d, &["license", "import", path.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("licence"), "{run:?}");
    ctl(&d, &["license", "import", "/nonexistent/x.lic"]).fails(1, "cannot read");
    let forged = licence_file(&Ed25519KeyPair::generate().unwrap(), "Pro");
    std::fs::write(&path, forged).unwrap();
    ctl(&d, &["license", "import", path.to_str().unwrap()]).fails(1, "signature does not match");
    assert_eq!(ctl_json(&d, &["license", "status"])["state"], "none");

    // A good file: premium, with the plan, in the table, --json and `status`.
    let path = dir.path().join("good.lic");
    std::fs::write(&path, good).unwrap();
    let text = ctl(&d, &["license", "import", path.to_str().unwrap()])
        .ok()
        .to_owned();
    assert!(text.contains("premium     yes"), "{text}");
    assert!(text.contains("plan        Pro"), "{text}");
    assert!(text.contains("source      file"), "{text}");
    let json = ctl_json(&d, &["license", "status"]);
    assert_eq!(json["premium"], true);
    assert_eq!(json["plan"], "Pro");
    assert!(json["lapses_at"].is_string(), "{json}");
    let status = ctl(&d, &["status"]).ok().to_owned();
    assert!(
        status.contains("licence   valid (premium, plan Pro, lapses 20"),
        "{status}"
    );
    assert_eq!(ctl_json(&d, &["status"])["license"]["premium"], true);

    // Deactivate: back to free.
    assert!(
        ctl(&d, &["license", "deactivate"])
            .ok()
            .contains("licence deactivated")
    );
    assert_eq!(ctl_json(&d, &["license", "status"])["premium"], false);
    ctl(&d, &["license", "deactivate"]).fails(1, "licence not found");
}
