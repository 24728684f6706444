//! The daemon serves the browser client: the app shell for client routes, files under the
//! versioned `/assets/<build-id>/` prefix, compression, and the security headers on every
//! response (API included). A debug daemon (what `cargo test` runs) reads `web/` from disk
//! under the build id `dev` with `no-cache`; the release caching is covered by the unit
//! tests of `api::web::serve`.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use spectrus_testkit::TestDaemon;

const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' blob:; connect-src 'self' ws: wss:; worker-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "microphone=(self)"),
];

fn assert_secure(what: &str, h: &HeaderMap) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            h.get(*name).and_then(|v| v.to_str().ok()),
            Some(*value),
            "{what}: header {name}"
        );
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The build id a daemon of this test's profile serves under.
fn build_id(index: &str) -> String {
    if cfg!(debug_assertions) {
        return "dev".into();
    }
    index
        .split("/assets/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("index.html names an asset")
        .to_owned()
}

#[tokio::test]
async fn the_client_is_served_with_security_headers_and_compression() {
    let d = TestDaemon::start().await.unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str, enc: &str| {
        http.get(format!("{}{path}", d.url))
            .header("accept-encoding", enc)
            .send()
    };

    // The shell, for / and for client routes, without its placeholder.
    let root = get("/", "identity").await.unwrap();
    assert_eq!(root.status(), StatusCode::OK);
    assert_secure("/", root.headers());
    assert_eq!(header(root.headers(), "cache-control"), "no-cache");
    assert!(header(root.headers(), "content-type").starts_with("text/html"));
    let shell = root.text().await.unwrap();
    assert!(!shell.contains("__BUILD__"), "placeholder left in {shell}");
    assert!(shell.contains("<html"), "{shell}");
    for route in ["/invite/abc", "/channels/1/2", "/login", "/settings"] {
        let resp = get(route, "identity").await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{route}");
        assert_secure(route, resp.headers());
        assert_eq!(resp.text().await.unwrap(), shell, "{route} gives the shell");
    }

    // A vendored module under the versioned prefix, in each encoding.
    let id = build_id(&shell);
    let asset = format!("/assets/{id}/vendor/preact.mjs");
    let plain = get(&asset, "identity").await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_secure(&asset, plain.headers());
    let expected_cache = if id == "dev" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    assert_eq!(header(plain.headers(), "cache-control"), expected_cache);
    assert!(header(plain.headers(), "content-type").starts_with("text/javascript"));
    assert_eq!(header(plain.headers(), "content-encoding"), "");
    let etag = header(plain.headers(), "etag").to_owned();
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 5_000, "preact is about 12 KB");

    let br = get(&asset, "gzip, deflate, br").await.unwrap();
    assert_eq!(header(br.headers(), "content-encoding"), "br");
    assert_eq!(header(br.headers(), "vary"), "accept-encoding");
    assert_eq!(header(br.headers(), "cache-control"), expected_cache);
    let packed = br.bytes().await.unwrap();
    assert!(
        packed.len() < plain.len() / 2,
        "brotli: {} bytes",
        packed.len()
    );
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&packed[..], 4096)
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain);

    let gz = get(&asset, "gzip").await.unwrap();
    assert_eq!(header(gz.headers(), "content-encoding"), "gzip");
    let packed = gz.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain);

    // Revalidation answers 304 without a body.
    let again = http
        .get(format!("{}{asset}", d.url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // The voice probe is not served unless asked for (debug.voice_test_page).
    for probe in ["/voice-test.html", "/voice-test.js"] {
        let resp = get(probe, "identity").await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{probe}");
    }
}

#[tokio::test]
async fn the_voice_probe_is_served_only_behind_its_flag() {
    let d = TestDaemon::start_with(&[("SPECTRUS_VOICE_TEST_PAGE", "true")])
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", d.url)).send();
    // Top-level files at the root (the voice probe: a page and its script, CSP-clean).
    let probe = get("/voice-test.html").await.unwrap();
    assert_eq!(probe.status(), StatusCode::OK);
    let probe = probe.text().await.unwrap();
    assert!(probe.contains("<script src=\"/voice-test.js\">"));
    assert!(
        !probe.contains("<script>"),
        "no inline script under the CSP"
    );
    let js = get("/voice-test.js").await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(header(js.headers(), "content-type").starts_with("text/javascript"));
}

#[tokio::test]
async fn api_errors_stay_json_and_dev_files_are_not_served() {
    let d = TestDaemon::start().await.unwrap();
    let http = reqwest::Client::new();

    let resp = http
        .get(format!("{}/api/v1/nope", d.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_secure("/api/v1/nope", resp.headers());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let resp = http
        .get(format!("{}/api/v1/server", d.url))
        .send()
        .await
        .unwrap();
    assert_secure("/api/v1/server", resp.headers());
    let resp = http.get(format!("{}/healthz", d.url)).send().await.unwrap();
    assert_secure("/healthz", resp.headers());

    for path in [
        "/api/nope",
        "/package.json",
        "/tsconfig.json",
        "/assets/dev/package-lock.json",
        "/assets/dev/vendor/preact.d.mts",
        "/assets/dev/node_modules/preact/package.json",
        "/assets/dev/tests/harness.mjs",
        "/assets/dev/../Cargo.toml",
        "/nope.js",
    ] {
        let resp = http.get(format!("{}{path}", d.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert_secure(path, resp.headers());
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }

    let resp = http.post(format!("{}/", d.url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
