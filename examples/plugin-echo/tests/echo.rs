//! The plugin binary against real signed requests on loopback: a good signature is accepted,
//! a tampered body or a stale timestamp is refused (401), a ping is answered, `/echo` says the
//! text back, and `/slow` defers then posts its follow-up to the API (a local fake of it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use plugin_echo::verify::encode_hex;
use serde_json::{Value, json};

struct Plugin {
    child: Child,
    url: String,
    key: Ed25519KeyPair,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(api: Option<&str>) -> Plugin {
    let key = Ed25519KeyPair::from_seed_unchecked(&[42; 32]).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-echo"));
    cmd.args(["--listen", "127.0.0.1:0", "--public-key"])
        .arg(encode_hex(key.public_key().as_ref()))
        .args(["--bot-token", "-s3cret", "--slow-ms", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(api) = api {
        cmd.args(["--api", api]);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    Plugin {
        child,
        url: format!("http://{addr}"),
        key,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Plugin {
    /// POSTs `body` to the webhook, signed over `signed_body` at `timestamp`.
    async fn post(&self, timestamp: u64, signed_body: &str, body: &str) -> (u16, Value) {
        let ts = timestamp.to_string();
        let sig = self.key.sign(format!("{ts}{signed_body}").as_bytes());
        let r = reqwest::Client::new()
            .post(format!("{}/webhook", self.url))
            .header("content-type", "application/json")
            .header("x-signature-timestamp", ts)
            .header("x-signature-ed25519", encode_hex(sig.as_ref()))
            .header("x-spectrus-event", "MESSAGE_CREATE")
            .header("x-spectrus-delivery", "d-1")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn signed(&self, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        self.post(now(), &body, &body).await
    }

    async fn received(&self) -> Vec<Value> {
        reqwest::get(format!("{}/received", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn interaction(command: &str, options: Value) -> Value {
    json!({
        "type": 2, "id": "1234", "token": "tok-abc", "plugin_id": "echo",
        "channel_id": "77", "command": command, "options": options,
        "user": {"id": "5", "username": "ada", "display_name": "Ada"}
    })
}

#[tokio::test]
async fn signed_requests_pass_and_tampered_or_stale_ones_are_refused() {
    let p = start(None);
    let event = json!({"type": 0, "id": "d-1", "plugin_id": "echo",
        "event": "MESSAGE_CREATE", "data": {"content": "hi"}})
    .to_string();

    let (status, _) = p.post(now(), &event, &event).await;
    assert_eq!(status, 204, "a correctly signed event is accepted");

    let tampered = event.replace("hi", "bye");
    let (status, body) = p.post(now(), &event, &tampered).await;
    assert_eq!(status, 401, "a tampered body is refused");
    assert_eq!(body["error"]["code"], "bad_signature");

    let (status, body) = p.post(now() - 3600, &event, &event).await;
    assert_eq!(status, 401, "an hour-old timestamp is refused");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timestamp")
    );

    let (status, pong) = p
        .signed(&json!({"type": 1, "id": "p", "plugin_id": "echo"}))
        .await;
    assert_eq!((status, pong), (200, json!({"type": 1})));

    // Only verified deliveries are logged.
    let got = p.received().await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["event"], "MESSAGE_CREATE");
    assert_eq!(got[0]["delivery"], "d-1");
    assert_eq!(got[0]["body"]["data"]["content"], "hi");
}

#[tokio::test]
async fn echo_answers_with_the_text() {
    let p = start(None);
    let (status, answer) = p
        .signed(&interaction("echo", json!({"text": "hello there"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({"type": 4, "data": {"content": "hello there"}})
    );
}

type Seen = Arc<Mutex<Vec<(String, String, Option<String>, Value)>>>;

async fn followup(
    State(seen): State<Seen>,
    Path((id, token)): Path<(String, String)>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned());
    seen.lock().unwrap().push((id, token, auth, body));
    axum::Json(json!({}))
}

#[tokio::test]
async fn slow_defers_then_follows_up_through_the_token() {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route(
            "/api/v1/interactions/{id}/{token}/followup",
            axum::routing::post(followup),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let p = start(Some(&api));
    let (status, answer) = p
        .signed(&interaction("slow", json!({"text": "pondered"})))
        .await;
    assert_eq!((status, answer), (200, json!({"type": 5})));
    let mut waited = Duration::ZERO;
    while seen.lock().unwrap().is_empty() && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![(
            "1234".to_owned(),
            "tok-abc".to_owned(),
            Some("Bot -s3cret".to_owned()),
            json!({"content": "pondered"})
        )]
    );
}
