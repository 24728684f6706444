//! HTTPS on the main listener, against the real daemon with certificates from a test CA:
//! REST and the gateway over TLS, HSTS, the plain-HTTP redirect listener, certificates
//! swapped on SIGHUP without dropping open connections, and bad files refused at start.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use spectrus_client::Gateway;
use spectrus_proto::gateway::{ClientFrame, Dispatch, Heartbeat, Identify};
use spectrus_testkit::tls::{Issued, TestCa};
use spectrus_testkit::{TestDaemon, eventually, general};
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(5);

/// Writes `issued` to `dir/server.crt` and `dir/server.key`; returns their paths.
fn write_pair(dir: &Path, issued: &Issued) -> (String, String) {
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, &issued.key_pem).unwrap();
    (
        cert.to_string_lossy().into_owned(),
        key.to_string_lossy().into_owned(),
    )
}

/// A daemon serving HTTPS with a certificate from `ca`; the files live in `dir`.
async fn https_daemon(ca: &TestCa, dir: &Path, extra: &[(&str, &str)]) -> TestDaemon {
    let (cert, key) = write_pair(dir, &ca.issue("first", 1).unwrap());
    let mut env = vec![
        ("SPECTRUS_TLS_CERT", cert.as_str()),
        ("SPECTRUS_TLS_KEY", key.as_str()),
    ];
    env.extend_from_slice(extra);
    let mut d = TestDaemon::start_with(&env).await.unwrap();
    d.root_ca = Some(ca.pem().to_owned());
    d
}

fn rustls_config(ca: &TestCa) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).unwrap())
        .unwrap();
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// The certificate a new TLS connection to `url` is shown.
async fn served_certificate(ca: &TestCa, url: &str) -> CertificateDer<'static> {
    let addr = url.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(rustls_config(ca))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0]
        .clone()
        .into_owned()
}

fn der(issued: &Issued) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(issued.cert_pem.as_bytes()).unwrap()
}

fn reqwest_client(ca: &TestCa) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn rest_and_the_gateway_work_over_https_with_hsts() {
    let ca = TestCa::new("Spectrus test CA").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = https_daemon(&ca, dir.path(), &[]).await;
    assert!(d.url.starts_with("https://127.0.0.1:"), "{}", d.url);
    assert!(d.log().iter().any(|l| l.contains("listening on https://")));

    // The SDK over https (REST) and wss (gateway), trusting the test CA.
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = general(&owner).await;
    let mut gw = Gateway::connect(&bob).await.unwrap();
    assert_eq!(gw.ready().user.username, "bob");
    let sent = owner.say(ch, "over TLS").await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match gw.next_dispatch(left).await {
            Some((_, Dispatch::MessageCreate(m))) if m.id == sent.id => break,
            Some(_) => {}
            None => panic!("no MESSAGE_CREATE over wss"),
        }
    }

    // Every answer says HSTS: the web client, the API, an error.
    let http = reqwest_client(&ca);
    for path in ["/", "/api/v1/server", "/api/v1/nope"] {
        let r = http.get(format!("{}{path}", d.url)).send().await.unwrap();
        assert_eq!(
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }

    // A client that does not trust the CA is refused.
    let untrusting = spectrus_client::Client::new(&d.url).unwrap();
    assert!(untrusting.server().await.is_err());

    // Without TLS, no HSTS.
    let plain = TestDaemon::start().await.unwrap();
    let r = reqwest::get(format!("{}/", plain.url)).await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn the_http_listener_redirects_to_https_keeping_path_and_query() {
    let ca = TestCa::new("Spectrus test CA").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = https_daemon(
        &ca,
        dir.path(),
        &[("SPECTRUS_TLS_HTTP_REDIRECT", "127.0.0.1:0")],
    )
    .await;
    let line = d
        .log()
        .into_iter()
        .find(|l| l.contains("redirecting http://"))
        .expect("the redirect listener's start-up line");
    let http_addr = line
        .split("redirecting http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let https_port = d.url.rsplit(':').next().unwrap();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = plain
        .get(format!("http://{http_addr}/invite/abc?x=1&y=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("https://127.0.0.1:{https_port}/invite/abc?x=1&y=2")
    );
    assert!(r.headers().get("strict-transport-security").is_none());
    // Followed, it lands on the HTTPS server.
    let r = plain
        .post(format!("http://{http_addr}/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    let follow = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let r = follow
        .get(format!("http://{http_addr}/api/v1/server"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().scheme(), "https");
}

async fn next_json(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> serde_json::Value {
    loop {
        let m = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
            .expect("the socket open")
            .unwrap();
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

#[tokio::test]
async fn sighup_swaps_the_certificate_and_open_websockets_keep_working() {
    let ca = TestCa::new("Spectrus test CA").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = https_daemon(&ca, dir.path(), &[]).await;
    let owner = d.owner().await.unwrap();
    let ch = general(&owner).await;
    let first = std::fs::read_to_string(dir.path().join("server.crt")).unwrap();
    assert_eq!(
        served_certificate(&ca, &d.url).await,
        CertificateDer::from_pem_slice(first.as_bytes()).unwrap()
    );

    // A raw wss connection, identified, open across the reload.
    let ws_url = format!("{}/api/v1/gateway", d.url.replacen("https", "wss", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async_tls_with_config(
        ws_url,
        None,
        false,
        Some(tokio_tungstenite::Connector::Rustls(rustls_config(&ca))),
    )
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await["op"], "hello");
    let identify = ClientFrame::Identify(Identify {
        token: owner.access_token().unwrap(),
    });
    ws.send(Message::Text(
        serde_json::to_string(&identify).unwrap().into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await["op"], "ready");

    // New files, SIGHUP: new connections see the new certificate.
    let second = ca.issue("second", 2).unwrap();
    write_pair(dir.path(), &second);
    d.signal(nix::sys::signal::Signal::SIGHUP).unwrap();
    assert!(
        eventually(WAIT, || d
            .log()
            .iter()
            .any(|l| l.contains("TLS certificate reloaded")))
        .await,
        "no reload in the log"
    );
    assert_eq!(served_certificate(&ca, &d.url).await, der(&second));

    // The socket opened before still carries heartbeats and dispatches.
    let beat = ClientFrame::Heartbeat(Heartbeat { seq: None });
    ws.send(Message::Text(serde_json::to_string(&beat).unwrap().into()))
        .await
        .unwrap();
    while next_json(&mut ws).await["op"] != "heartbeat_ack" {}
    let sent = owner.say(ch, "after the reload").await.unwrap();
    loop {
        let f = next_json(&mut ws).await;
        if f["op"] == "dispatch" && f["t"] == "MESSAGE_CREATE" {
            assert_eq!(f["d"]["id"], serde_json::json!(sent.id));
            break;
        }
    }

    // A broken pair at SIGHUP is logged and the certificate in force stays.
    std::fs::write(dir.path().join("server.key"), "not a key").unwrap();
    d.signal(nix::sys::signal::Signal::SIGHUP).unwrap();
    assert!(
        eventually(WAIT, || d
            .log()
            .iter()
            .any(|l| l.contains("keeping the certificate in force")))
        .await,
        "no error in the log"
    );
    assert_eq!(served_certificate(&ca, &d.url).await, der(&second));
    assert!(owner.server().await.is_ok());
}

/// Runs the daemon with `env` until it exits; returns the exit code and what it printed.
fn start_and_fail(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let data = tempfile::tempdir().unwrap();
    let bin = spectrus_testkit::daemon_binary().unwrap();
    let mut cmd = std::process::Command::new(bin);
    cmd.env_clear()
        .env("SPECTRUS_BIND", "127.0.0.1:0")
        .env("SPECTRUS_DATA_DIR", data.path())
        .env("SPECTRUS_VOICE_UDP", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn bad_certificate_files_are_refused_at_start() {
    let ca = TestCa::new("Spectrus test CA").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = write_pair(dir.path(), &ca.issue("first", 1).unwrap());

    let (code, err) = start_and_fail(&[
        ("SPECTRUS_TLS_CERT", "/nonexistent/server.crt"),
        ("SPECTRUS_TLS_KEY", key.as_str()),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("/nonexistent/server.crt"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // A key that is not the certificate's.
    let other = dir.path().join("other.key");
    std::fs::write(&other, ca.issue("other", 9).unwrap().key_pem).unwrap();
    let (code, err) = start_and_fail(&[
        ("SPECTRUS_TLS_CERT", cert.as_str()),
        ("SPECTRUS_TLS_KEY", other.to_str().unwrap()),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot be used together"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // Not PEM at all.
    let (code, err) = start_and_fail(&[
        ("SPECTRUS_TLS_CERT", key.as_str()),
        ("SPECTRUS_TLS_KEY", key.as_str()),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no PEM certificate"), "{err}");

    // A certificate without its key.
    let (code, err) = start_and_fail(&[("SPECTRUS_TLS_CERT", cert.as_str())]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("tls.key"), "{err}");
}
