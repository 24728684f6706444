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
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(WsMessage::Close(Some(f))))) => return u16::from(f.code),
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
    let code = loop {
        match tokio::time::timeout(WAIT, rx.next()).await {
            Ok(Some(Ok(WsMessage::Close(Some(f))))) => break u16::from(f.code),
            Ok(Some(Ok(WsMessage::Text(t)))) if t.contains("heartbeat_ack") => acks += 1,
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame: {other:?}"),
        }
    };
    beat.abort();
    assert!(acks >= 2, "heartbeats were answered meanwhile ({acks})");
    assert_eq!(code, 4009);
}
