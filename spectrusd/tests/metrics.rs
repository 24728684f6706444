//! `/metrics`: off by default; when on, its own listener answers Prometheus text with the
//! daemon's sessions, deliveries, overflows, rate-limit refusals, commit latency and voice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::Gateway;
use spectrus_proto::rest::CreateMessage;
use spectrus_testkit::{TestDaemon, general, metrics};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_on_their_own_loopback_listener_when_enabled() {
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_METRICS_ENABLED", "true"),
        ("SPECTRUS_METRICS_BIND", "127.0.0.1:0"),
        ("SPECTRUS_AUTH_PER_MINUTE", "2"),
    ])
    .await
    .unwrap();
    let url = metrics::url(&d)
        .await
        .expect("the metrics address is logged");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    // Some traffic: a gateway, a message delivered to it, refused logins.
    let owner = d.owner().await.unwrap();
    let mut gw = Gateway::connect(&owner).await.unwrap();
    let ch = general(&owner).await;
    owner
        .send_message(
            ch,
            &CreateMessage {
                content: "counted".into(),
                reply_to: None,
                nonce: None,
            },
        )
        .await
        .unwrap();
    assert!(gw.next_dispatch(Duration::from_secs(5)).await.is_some());
    let anon = d.client();
    for _ in 0..4 {
        let _ = anon.login("nobody", "wrong password").await;
    }

    // A socket flooding the gateway with frames is closed (4008), and counted.
    {
        use futures_util::{SinkExt, StreamExt};
        let (mut ws, _) = tokio_tungstenite::connect_async(owner.gateway_url())
            .await
            .unwrap();
        for _ in 0..400 {
            if ws
                .send(tokio_tungstenite::tungstenite::Message::Pong(
                    vec![1].into(),
                ))
                .await
                .is_err()
            {
                break;
            }
        }
        // Read until the daemon closes it (the refusal is counted before the close).
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(m)) = ws.next().await {
                if m.is_close() {
                    break;
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "the flooding socket was not closed");
    }

    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    for name in [
        "spectrus_gateway_sessions",
        "spectrus_gateway_deliveries_total",
        "spectrus_gateway_queue_overflows_total",
        "spectrus_rate_limited_total",
        "spectrus_store_commit_seconds_bucket",
        "spectrus_store_commit_seconds_count",
        "spectrus_voice_peers",
        "spectrus_voice_rooms",
        "spectrus_voice_packets_in_total",
        "spectrus_voice_packets_out_total",
        "spectrus_uptime_seconds",
        "spectrus_runtime_tasks",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert_eq!(metrics::sample(&text, "spectrus_gateway_sessions "), 1.0);
    assert!(metrics::sample(&text, "spectrus_gateway_deliveries_total ") >= 1.0);
    assert!(metrics::sample(&text, "spectrus_store_commit_seconds_count ") >= 1.0);
    assert!(metrics::sample(&text, "spectrus_rate_limited_total{scope=\"http\"} ") >= 1.0);
    assert!(metrics::sample(&text, "spectrus_rate_limited_total{scope=\"gateway\"} ") >= 1.0);
    // The public listener does not serve it.
    let public = reqwest::get(format!("{}/metrics", d.url)).await.unwrap();
    assert!(
        !public
            .text()
            .await
            .unwrap()
            .contains("spectrus_gateway_sessions"),
        "metrics leak on the public listener"
    );
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let d = TestDaemon::start().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !d.log().iter().any(|l| l.contains("metrics at")),
        "{:?}",
        d.log()
    );
}
