//! A hostile client against the real daemon: gateway frame floods, sockets that never
//! identify, slow readers, and resource bounds. Each test checks that the abuser is cut off
//! with the documented answer and that everyone else is still served.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use spectrus_testkit::TestDaemon;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const WAIT: Duration = Duration::from_secs(10);

/// A raw TCP connection to the gateway with the WebSocket handshake done, so that frames
/// tungstenite's client would not send (bare continuations) can be written by hand.
async fn raw_gateway(url: &str) -> TcpStream {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /api/v1/gateway HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    // Read the response headers byte by byte so no frame is swallowed.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(s.read_u8().await.unwrap());
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");
    s
}

/// A masked client frame.
fn client_frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut f = vec![
        if fin { 0x80 } else { 0 } | opcode,
        0x80 | payload.len() as u8,
    ];
    let mask = [7u8, 1, 9, 3];
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Reads server frames (unmasked) until a close frame; its code. `None` when the socket
/// ended without one.
async fn raw_close_code(s: &mut TcpStream) -> Option<u16> {
    let read = async {
        loop {
            let b0 = s.read_u8().await.ok()?;
            let b1 = s.read_u8().await.ok()?;
            let len = match b1 & 0x7f {
                126 => u64::from(s.read_u16().await.ok()?),
                127 => s.read_u64().await.ok()?,
                n => u64::from(n),
            };
            let mut payload = vec![0; len as usize];
            s.read_exact(&mut payload).await.ok()?;
            if b0 & 0x0f == 0x8 {
                return Some(u16::from_be_bytes([payload[0], payload[1]]));
            }
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .expect("no answer in time")
}

/// Reads from a tungstenite client until the close frame; its code.
async fn ws_close_code<S>(ws: &mut S) -> u16
where
    S: futures_util::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    close_code_reading(ws, |_| {}).await
}

/// Reads until the close frame, handing every text frame before it to `on_text`; its code.
async fn close_code_reading<S>(ws: &mut S, mut on_text: impl FnMut(&str)) -> u16
where
    S: futures_util::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(WsMessage::Close(Some(f))))) => return u16::from(f.code),
            Ok(Some(Ok(WsMessage::Text(t)))) => on_text(&t),
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame: {other:?}"),
        }
    }
}

#[tokio::test]
async fn ping_floods_and_continuation_floods_are_closed_with_4008() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let url = owner.gateway_url();

    // Pings: tungstenite would answer each with a pong without the gateway seeing it.
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let identify =
        serde_json::json!({"op": "identify", "d": {"token": owner.access_token().unwrap()}});
    ws.send(WsMessage::Text(identify.to_string().into()))
        .await
        .unwrap();
    for _ in 0..400 {
        if ws
            .send(WsMessage::Ping(vec![1, 2, 3].into()))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(ws_close_code(&mut ws).await, 4008);

    // Pongs nobody asked for.
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    for _ in 0..400 {
        if ws.send(WsMessage::Pong(vec![1].into())).await.is_err() {
            break;
        }
    }
    assert_eq!(ws_close_code(&mut ws).await, 4008);

    // Empty continuation frames of a message that never ends: no message ever completes.
    let mut s = raw_gateway(&d.url).await;
    let mut flood = client_frame(0x1, false, b"{\"op\":");
    for _ in 0..400 {
        flood.extend(client_frame(0x0, false, b""));
    }
    s.write_all(&flood).await.unwrap();
    assert_eq!(raw_close_code(&mut s).await, Some(4008));

    // Everyone else is still served.
    let mut gw = spectrus_client::Gateway::connect(&owner).await.unwrap();
    let ch = spectrus_testkit::general(&owner).await;
    owner.say(ch, "still here").await.unwrap();
    assert!(gw.next_dispatch(WAIT).await.is_some());
}

#[tokio::test]
async fn a_socket_that_heartbeats_but_never_identifies_is_closed() {
    let d = TestDaemon::start_with(&[("SPECTRUS_HEARTBEAT_INTERVAL_MS", "1000")])
        .await
        .unwrap();
    let url = d.client().gateway_url();
    let (ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    // Heartbeats every 300 ms, well within the interval, and never an identify.
    let beat = tokio::spawn(async move {
        loop {
            let hb = r#"{"op":"heartbeat","d":{"seq":0}}"#;
            if tx.send(WsMessage::Text(hb.into())).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let mut acks = 0;
    let code = close_code_reading(&mut rx, |t| {
        if t.contains("heartbeat_ack") {
            acks += 1;
        }
    })
    .await;
    beat.abort();
    assert!(acks >= 2, "heartbeats were answered meanwhile ({acks})");
    assert_eq!(code, 4009);
}

/// The dispatches of `MESSAGE_CREATE` in `text` frames: (seq, message id).
fn message_create(text: &str) -> Option<(u64, String)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if v["t"] != "MESSAGE_CREATE" {
        return None;
    }
    Some((v["s"].as_u64()?, v["d"]["id"].as_str()?.to_owned()))
}

#[tokio::test]
async fn a_reader_too_slow_is_closed_with_4010_and_resumes_losing_nothing() {
    let d = TestDaemon::start_with(&[("SPECTRUS_OUTBOUND_QUEUE", "64")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = spectrus_testkit::general(&owner).await;
    let token = bob.access_token().unwrap();

    // Bob's socket takes little into its kernel buffer, and he stops reading after ready.
    let addr = d.url.trim_start_matches("http://").parse().unwrap();
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = sock.connect(addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(bob.gateway_url(), stream)
        .await
        .unwrap();
    let _hello = ws.next().await.unwrap().unwrap();
    let identify = serde_json::json!({"op": "identify", "d": {"token": token}});
    ws.send(WsMessage::Text(identify.to_string().into()))
        .await
        .unwrap();
    let ready: serde_json::Value =
        serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    let session_id = ready["d"]["session_id"].as_str().unwrap().to_owned();

    // Far more than his kernel buffers and his 64-frame queue hold.
    let body = "x".repeat(2000);
    let mut posted = Vec::new();
    for chunk in 0..150 {
        let texts: Vec<String> = (0..10).map(|i| format!("{chunk}.{i} {body}")).collect();
        let sends = texts.iter().map(|t| owner.say(ch, t));
        for m in futures_util::future::join_all(sends).await {
            posted.push(m.unwrap().id.to_string());
        }
    }

    // Now he reads: everything up to the close, then 4010.
    let mut got = Vec::new();
    let code = close_code_reading(&mut ws, |t| got.extend(message_create(t))).await;
    assert_eq!(code, 4010, "too slow");
    assert!(got.len() < posted.len(), "the close came before the end");
    let last = got.last().map_or(0, |(s, _)| *s);

    // He resumes from the last sequence number he saw and gets the rest.
    let (mut ws, _) = tokio_tungstenite::connect_async(bob.gateway_url())
        .await
        .unwrap();
    let _hello = ws.next().await.unwrap().unwrap();
    let resume = serde_json::json!({"op": "resume", "d": {"token": token, "session_id": session_id, "seq": last}});
    ws.send(WsMessage::Text(resume.to_string().into()))
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) if t.contains(r#""op":"resumed""#) => break,
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                assert!(!t.contains("invalid_session"), "the session must resume");
                got.extend(message_create(&t));
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no resumed: {other:?}"),
        }
    }
    let seqs: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order, no repeats");
    let mut ids: Vec<String> = got.into_iter().map(|(_, id)| id).collect();
    ids.sort();
    posted.sort();
    assert_eq!(ids, posted, "every message exactly once");
}

/// A TCP connection to the daemon from the loopback address `from` (any of 127.0.0.0/8).
async fn connect_from(d: &TestDaemon, from: &str) -> TcpStream {
    try_connect_from(d, from).await.unwrap()
}

/// [`connect_from`], for a connection the daemon may reset at once: on a busy machine the
/// reset can arrive before `connect` has returned, which then fails with it.
async fn try_connect_from(d: &TestDaemon, from: &str) -> std::io::Result<TcpStream> {
    let to: std::net::SocketAddr = d.url.trim_start_matches("http://").parse().unwrap();
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind(format!("{from}:0").parse().unwrap()).unwrap();
    sock.connect(to).await
}

/// Everything the server sends until it closes the connection.
async fn read_all(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    // A reset after the answer is as good as a close.
    let _ = tokio::time::timeout(WAIT, s.read_to_end(&mut buf))
        .await
        .expect("the server did not close the connection");
    String::from_utf8_lossy(&buf).into_owned()
}

async fn healthz_over(s: &mut TcpStream) -> String {
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    read_all(s).await
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_connections_and_others_are_served() {
    let d = TestDaemon::start_with(&[("SPECTRUS_CONNECTIONS_PER_IP", "8")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    // One gateway socket and seven idle connections from 127.0.0.2.
    let addr: std::net::SocketAddr = d.url.trim_start_matches("http://").parse().unwrap();
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = sock.connect(addr).await.unwrap();
    let (gw, _) = tokio_tungstenite::client_async(owner.gateway_url(), stream)
        .await
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..7 {
        held.push(connect_from(&d, "127.0.0.2").await);
    }

    // The ninth is refused with 429 and closed.
    let mut ninth = connect_from(&d, "127.0.0.2").await;
    let answer = read_all(&mut ninth).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");

    // Everyone else is served meanwhile.
    let mut other = connect_from(&d, "127.0.0.3").await;
    assert!(healthz_over(&mut other).await.starts_with("HTTP/1.1 200"));
    assert!(owner.me().await.is_ok());

    // A closed connection, the gateway's included, frees its place.
    drop(gw);
    held.clear();
    let mut ok = false;
    for _ in 0..50 {
        let mut again = connect_from(&d, "127.0.0.2").await;
        if healthz_over(&mut again).await.starts_with("HTTP/1.1 200") {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "the address may connect again");
}

#[tokio::test]
async fn headers_or_a_body_that_trickle_in_are_cut_off() {
    let d = TestDaemon::start_with(&[("SPECTRUS_READ_TIMEOUT_SECS", "2")])
        .await
        .unwrap();
    // A login announcing 100 000 bytes and sending one every 300 ms.
    let mut s = connect_from(&d, "127.0.0.1").await;
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100000\r\n\r\n{",
    )
    .await
    .unwrap();
    let (mut rd, mut wr) = s.into_split();
    let trickle = tokio::spawn(async move {
        while wr.write_all(b" ").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(WAIT, rd.read_to_end(&mut buf))
        .await
        .expect("the server did not close the connection");
    trickle.abort();
    let answer = String::from_utf8_lossy(&buf);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");

    // Headers that never end: the connection is closed.
    let mut s = connect_from(&d, "127.0.0.1").await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_all(&mut s).await;
    assert!(!answer.contains("200 OK"), "{answer}");

    // A prompt client is served as ever.
    let mut s = connect_from(&d, "127.0.0.1").await;
    assert!(healthz_over(&mut s).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn new_connections_from_one_address_are_limited_per_second_and_others_are_served() {
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_NEW_CONNECTIONS_PER_SECOND", "2"),
        ("SPECTRUS_NEW_CONNECTIONS_BURST", "5"),
        ("SPECTRUS_METRICS_ENABLED", "true"),
        ("SPECTRUS_METRICS_BIND", "127.0.0.1:0"),
    ])
    .await
    .unwrap();
    let owner = d.owner().await.unwrap();
    // 25 connections from 127.0.0.2 at once: the burst (5) is let in, the rest is held
    // unread for a second, then told 429 and closed without being asked anything.
    let mut churn = Vec::new();
    for _ in 0..25 {
        churn.push(connect_from(&d, "127.0.0.2").await);
    }
    let started = std::time::Instant::now();
    let answers = futures_util::future::join_all(churn.into_iter().map(|mut s| async move {
        let mut buf = vec![0u8; 1024];
        let r = tokio::time::timeout(Duration::from_millis(2500), s.read(&mut buf)).await;
        let after = started.elapsed();
        (
            s,
            after,
            r.map(|r| r.map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())),
        )
    }))
    .await;
    let (mut admitted, mut refused) = (0, 0);
    for (mut s, after, r) in answers {
        match r {
            Ok(Ok(answer)) if !answer.is_empty() => {
                // Held for a second first, not answered at once.
                assert!(
                    after >= Duration::from_millis(900),
                    "answered after {after:?}"
                );
                assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
                assert!(answer.contains("\"rate_limited\""), "{answer}");
                assert!(answer.contains("too many new connections"), "{answer}");
                assert!(answer.to_lowercase().contains("retry-after: 1"), "{answer}");
                refused += 1;
            }
            Ok(other) => panic!("closed without an answer: {other:?}"),
            Err(_) => {
                // Nothing said: admitted, and served.
                assert!(healthz_over(&mut s).await.starts_with("HTTP/1.1 200"));
                admitted += 1;
            }
        }
    }
    assert!((5..=7).contains(&admitted), "admitted {admitted}");
    assert_eq!(admitted + refused, 25);

    // Everyone else is served meanwhile: another address, and the owner's open connection.
    let mut other = connect_from(&d, "127.0.0.3").await;
    assert!(healthz_over(&mut other).await.starts_with("HTTP/1.1 200"));
    assert!(owner.me().await.is_ok());

    // Half a second later the address may connect again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut again = connect_from(&d, "127.0.0.2").await;
    assert!(healthz_over(&mut again).await.starts_with("HTTP/1.1 200"));

    // Counted in /metrics.
    let url = spectrus_testkit::metrics::url(&d)
        .await
        .expect("the metrics address is logged");
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let counted = spectrus_testkit::metrics::sample(
        &text,
        "spectrus_rate_limited_total{scope=\"new_connections\"}",
    );
    assert_eq!(counted, f64::from(refused));
}

#[tokio::test]
async fn a_reconnecting_flooder_is_held_then_reset_and_others_are_served() {
    let d = TestDaemon::start_with(&[
        ("SPECTRUS_NEW_CONNECTIONS_PER_SECOND", "1"),
        ("SPECTRUS_NEW_CONNECTIONS_BURST", "3"),
        ("SPECTRUS_CONNECTIONS_PER_IP", "6"),
    ])
    .await
    .unwrap();
    let owner = d.owner().await.unwrap();
    // The burst (3) is let in; the next three are held (each counting as open); beyond its
    // six open connections the address is reset at once, unanswered.
    let mut admitted = Vec::new();
    for _ in 0..3 {
        admitted.push(connect_from(&d, "127.0.0.2").await);
    }
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from(&d, "127.0.0.2").await);
    }
    let mut buf = [0u8; 256];
    match try_connect_from(&d, "127.0.0.2").await {
        Ok(mut seventh) => {
            let r = tokio::time::timeout(Duration::from_millis(500), seventh.read(&mut buf))
                .await
                .expect("the seventh connection was not closed at once");
            assert!(
                matches!(r, Ok(0)) || r.is_err(),
                "the seventh was answered: {r:?}"
            );
        }
        // Reset before `connect` returned: closed at once all the same.
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }

    // The held ones are not answered at once, then told 429.
    for s in &mut held {
        assert!(
            tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf))
                .await
                .is_err(),
            "a held connection was answered at once"
        );
    }
    for s in &mut held {
        let answer = read_all(s).await;
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    }

    // The admitted ones are served, and so is everyone else.
    for s in &mut admitted {
        assert!(healthz_over(s).await.starts_with("HTTP/1.1 200"));
    }
    let mut other = connect_from(&d, "127.0.0.3").await;
    assert!(healthz_over(&mut other).await.starts_with("HTTP/1.1 200"));
    assert!(owner.me().await.is_ok());
}
