//! A certificate over ACME from a local Pebble (Debian's `pebble`), validated for real over
//! HTTP-01: Pebble fetches the challenge from the daemon's plain-HTTP listener on loopback.
//! Skipped, with a message, when `pebble` is not installed.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use spectrus_testkit::tls::TestCa;
use spectrus_testkit::{TestDaemon, eventually};

/// A loopback port free right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Pebble, killed when dropped.
struct Pebble(Child);

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pebble_installed() -> bool {
    Command::new("pebble")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

#[tokio::test]
async fn a_certificate_from_pebble_is_served_on_the_https_port() {
    if !pebble_installed() {
        eprintln!("SKIPPED: pebble is not installed (apt-get install pebble)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Pebble's own HTTPS certificate, from a test CA the daemon is told to trust.
    let ca = TestCa::new("Pebble's test CA").unwrap();
    let issued = ca.issue("pebble", 1).unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    std::fs::write(dir.path().join("pebble.crt"), &issued.cert_pem).unwrap();
    std::fs::write(dir.path().join("pebble.key"), &issued.key_pem).unwrap();
    let (acme_port, mgmt_port, http_port, tls_port) =
        (free_port(), free_port(), free_port(), free_port());
    let config = serde_json::json!({
        "pebble": {
            "listenAddress": format!("127.0.0.1:{acme_port}"),
            "managementListenAddress": format!("127.0.0.1:{mgmt_port}"),
            "certificate": dir.path().join("pebble.crt"),
            "privateKey": dir.path().join("pebble.key"),
            // Where Pebble validates HTTP-01: the daemon's plain-HTTP listener.
            "httpPort": http_port,
            "tlsPort": tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }
    });
    let config_file = dir.path().join("pebble.json");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let _pebble = Pebble(
        Command::new("pebble")
            .arg("-config")
            .arg(&config_file)
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let directory = format!("https://127.0.0.1:{acme_port}/dir");
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if trusting.get(&directory).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "pebble did not start");

    let http_bind = format!("127.0.0.1:{http_port}");
    let mut d = TestDaemon::start_with(&[
        ("SPECTRUS_ACME_DOMAIN", "localhost"),
        ("SPECTRUS_ACME_EMAIL", "admin@example.org"),
        ("SPECTRUS_ACME_DIRECTORY", directory.as_str()),
        ("SPECTRUS_ACME_CA", ca_file.to_str().unwrap()),
        ("SPECTRUS_TLS_HTTP_REDIRECT", http_bind.as_str()),
    ])
    .await
    .unwrap();
    assert!(d.url.starts_with("https://"), "{}", d.url);
    assert!(
        eventually(Duration::from_secs(60), || d
            .log()
            .iter()
            .any(|l| l.contains("ACME certificate installed")))
        .await,
        "no certificate: {:#?}",
        d.log()
    );

    // The certificate served chains to Pebble's root (made fresh at each Pebble start).
    let root = trusting
        .get(format!("https://127.0.0.1:{mgmt_port}/roots/0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    d.url = d.url.replace("127.0.0.1", "localhost");
    d.root_ca = Some(root);
    let owner = d.owner().await.unwrap();
    assert_eq!(owner.me().await.unwrap().username, "owner");

    // Account and certificate are cached, readable by the daemon's user only.
    for f in ["account.json", "cert.pem", "key.pem"] {
        let meta = std::fs::metadata(d.data_dir.join("acme").join(f)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{f}");
    }
}
