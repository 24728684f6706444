//! Per-account rate limits against the real daemon (turned on: the test kit turns them off):
//! each limited action answers 429 `rate_limited` with `Retry-After` and the
//! `X-RateLimit-*` headers once its burst is spent, and logins are delayed per username.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use spectrus_testkit::{PASSWORD, TestDaemon, general};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const ON: &[(&str, &str)] = &[("SPECTRUS_RATE_LIMITS", "on")];

/// Sends `req` (built fresh each time) until it answers 429, at most `max` times; the 429
/// and how many were accepted before it.
async fn until_limited(
    max: usize,
    mut req: impl FnMut() -> reqwest::RequestBuilder,
) -> (reqwest::Response, usize) {
    for accepted in 0..max {
        let resp = req().send().await.unwrap();
        if resp.status() == 429 {
            return (resp, accepted);
        }
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    panic!("no 429 within {max} requests");
}

/// Checks a 429's headers and body; returns Retry-After in seconds.
async fn assert_limited(resp: reqwest::Response, limit: u32) -> u64 {
    assert_eq!(resp.status(), 429);
    let h = resp.headers().clone();
    let header = |name: &str| {
        h.get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let retry: u64 = header("retry-after").parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(header("x-ratelimit-limit"), limit.to_string());
    assert_eq!(header("x-ratelimit-remaining"), "0");
    let reset: f64 = header("x-ratelimit-reset").parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(reset > now - 1.0 && reset < now + 120.0, "{reset} vs {now}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("retry"));
    retry
}

#[tokio::test]
async fn posting_typing_reactions_and_invites_are_limited_per_account() {
    let d = TestDaemon::start_with(ON).await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = general(&owner).await;
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", d.url);
    let token = owner.access_token().unwrap();
    let auth = format!("Bearer {token}");

    // Messages: a burst of 5 per member per channel.
    let (resp, accepted) = until_limited(20, || {
        http.post(format!("{api}/channels/{ch}/messages"))
            .header("authorization", &auth)
            .json(&serde_json::json!({"content": "hi"}))
    })
    .await;
    assert_eq!(accepted, 5);
    assert_limited(resp, 5).await;
    // Another member is not held back by it.
    bob.say(ch, "my turn").await.unwrap();

    // Typing: 20 a minute, 5 at once.
    let (resp, accepted) = until_limited(20, || {
        http.post(format!("{api}/channels/{ch}/typing"))
            .header("authorization", &auth)
    })
    .await;
    assert_eq!(accepted, 5);
    assert_limited(resp, 5).await;

    // Reactions: 60 a minute, 15 at once.
    let m = bob.say(ch, "react to me").await.unwrap();
    let mut n = 0;
    let (resp, accepted) = until_limited(40, || {
        n += 1;
        http.put(format!(
            "{api}/channels/{ch}/messages/{}/reactions/e{}/@me",
            m.id,
            n % 10
        ))
        .header("authorization", &auth)
    })
    .await;
    assert_eq!(accepted, 15);
    assert_limited(resp, 15).await;

    // Invites: 10 a minute, 2 at once.
    let (resp, accepted) = until_limited(20, || {
        http.post(format!("{api}/invites"))
            .header("authorization", &auth)
            .json(&serde_json::json!({}))
    })
    .await;
    // (One went on inviting bob.)
    assert!(accepted <= 2, "{accepted}");
    assert_limited(resp, 2).await;
}

#[tokio::test]
async fn rest_requests_are_limited_per_account_and_per_address_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("spectrusd.toml");
    std::fs::write(&config, "[limits]\nrequests_per_minute = 40\n").unwrap();
    let d = TestDaemon::start_with_args(ON, &["--config", config.to_str().unwrap()])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", d.url);
    let auth = format!("Bearer {}", owner.access_token().unwrap());
    let (resp, _) = until_limited(40, || {
        http.get(format!("{api}/users/@me"))
            .header("authorization", &auth)
    })
    .await;
    assert_limited(resp, 10).await;
    let (resp, _) = until_limited(40, || http.get(format!("{api}/server"))).await;
    assert_limited(resp, 10).await;
}

#[tokio::test]
async fn voice_joins_and_state_changes_are_limited() {
    let d = TestDaemon::start_with(ON).await.unwrap();
    let owner = d.owner().await.unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(owner.gateway_url())
        .await
        .unwrap();
    let _hello = ws.next().await;
    let identify =
        serde_json::json!({"op": "identify", "d": {"token": owner.access_token().unwrap()}});
    ws.send(WsMessage::Text(identify.to_string().into()))
        .await
        .unwrap();
    let state = r#"{"op":"voice_state","d":{"self_mute":true,"self_deaf":false}}"#;
    for _ in 0..10 {
        ws.send(WsMessage::Text(state.into())).await.unwrap();
    }
    // Each state change outside voice is refused; past the burst of 7, for the rate.
    let mut codes = Vec::new();
    while codes.len() < 10 {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a voice_error for each")
            .unwrap()
            .unwrap();
        let Ok(text) = msg.to_text() else { continue };
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        if v["op"] == "voice_error" {
            codes.push(v["d"]["code"].as_str().unwrap().to_owned());
        }
    }
    assert!(codes[..7].iter().all(|c| c != "rate_limited"), "{codes:?}");
    assert!(codes[7..].iter().all(|c| c == "rate_limited"), "{codes:?}");
}

#[tokio::test]
async fn logins_for_one_username_slow_down_after_failures_and_never_lock_out() {
    let d = TestDaemon::start_with(ON).await.unwrap();
    let owner = d.owner().await.unwrap();
    d.member(&owner, "bob").await.unwrap();
    let http = reqwest::Client::new();
    let login = |name: &str, pw: &str| {
        http.post(format!("{}/api/v1/auth/login", d.url))
            .json(&serde_json::json!({"username": name, "password": pw}))
    };
    for _ in 0..5 {
        let r = login("bob", "wrong password").send().await.unwrap();
        assert_eq!(r.status(), 401);
    }
    // Right away, even with the right password, bob's logins wait.
    let r = login("bob", PASSWORD).send().await.unwrap();
    let retry = assert_limited(r, 5).await;
    assert!(retry <= 2, "{retry}");
    // Other accounts are not slowed down.
    let owner_name = owner.me().await.unwrap().username;
    assert_eq!(
        login(&owner_name, PASSWORD).send().await.unwrap().status(),
        200
    );
    // After the wait, the right password works and clears the delay.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(login("bob", PASSWORD).send().await.unwrap().status(), 200);
    assert_eq!(
        login("bob", "wrong password")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
