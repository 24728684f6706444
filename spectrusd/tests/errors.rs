//! Bad input of every kind answers the contract's JSON error and loses nothing.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::Value;
use spectrus_testkit::TestDaemon;

async fn error_of(resp: reqwest::Response) -> (StatusCode, String) {
    let status = resp.status();
    let body: Value = resp.json().await.expect("a JSON error body");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    (status, code)
}

#[tokio::test]
async fn errors_are_json_with_codes() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let token = owner.access_token().unwrap();
    let http = reqwest::Client::new();
    let u = |p: &str| format!("{}{p}", d.url);

    assert_eq!(
        error_of(http.get(u("/api/v1/nope")).send().await.unwrap()).await,
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    assert_eq!(
        error_of(http.get(u("/api/v1/channels")).send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "unauthorized".into())
    );
    // The gateway without a WebSocket handshake, or with the wrong version.
    assert_eq!(
        error_of(http.get(u("/api/v1/gateway")).send().await.unwrap()).await,
        (StatusCode::BAD_REQUEST, "invalid_body".into())
    );
    assert_eq!(
        error_of(
            http.get(u("/api/v1/gateway"))
                .header("connection", "upgrade")
                .header("upgrade", "websocket")
                .header("sec-websocket-version", "8")
                .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
                .send()
                .await
                .unwrap()
        )
        .await,
        (StatusCode::BAD_REQUEST, "invalid_body".into())
    );
    assert_eq!(
        error_of(
            http.get(u("/api/v1/channels"))
                .bearer_auth("garbage")
                .send()
                .await
                .unwrap()
        )
        .await,
        (StatusCode::UNAUTHORIZED, "unauthorized".into())
    );
    assert_eq!(
        error_of(
            http.delete(u("/api/v1/server"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
        )
        .await,
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed".into())
    );
    let bad_json = http
        .post(u("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(bad_json).await,
        (StatusCode::BAD_REQUEST, "invalid_body".into())
    );
    let wrong_type = http
        .post(u("/api/v1/auth/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(wrong_type).await,
        (StatusCode::BAD_REQUEST, "invalid_body".into())
    );
    let bad_id = http
        .get(u("/api/v1/channels/abc/messages"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(bad_id).await,
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    let huge = "x".repeat(2 * 1024 * 1024);
    // A fresh client: the server closes a connection whose body it refused to read.
    let big = reqwest::Client::new()
        .post(u("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"username":"{huge}","password":"x"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(big).await,
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into())
    );
    let premium = http
        .patch(u("/api/v1/server"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"branding": {"accent_color": "#ff0000"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(premium).await,
        (StatusCode::PAYMENT_REQUIRED, "premium_required".into())
    );

    // Nothing stored was lost along the way.
    let ok = http.get(u("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.json::<Value>().await.unwrap()["status"], "ok");
    assert!(owner.me().await.is_ok());
    // The web client is served at the root, and client-side routes get the app shell.
    let page = http.get(u("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<title>Spectrus</title>")
    );
    let invite_page = http.get(u("/invite/abc")).send().await.unwrap();
    assert!(invite_page.text().await.unwrap().contains("Spectrus"));
}

#[tokio::test]
async fn a_bad_configuration_fails_before_binding() {
    let bin = spectrus_testkit::daemon_binary().unwrap();
    let out = std::process::Command::new(&bin)
        .env("SPECTRUS_BIND", "not-an-address")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("SPECTRUS_BIND"), "{err}");
    let out = std::process::Command::new(&bin)
        .args(["--print-config"])
        .env("SPECTRUS_JWT_SECRET", "s".repeat(40))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("bind = \"0.0.0.0:3000\"")
            && text.contains("<redacted>")
            && !text.contains("sssss"),
        "{text}"
    );
}
