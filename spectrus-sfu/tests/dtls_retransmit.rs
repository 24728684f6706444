//! The DTLS handshake under loss, as the SFU and its participants run it (`rtc-dtls`, patched in
//! `third_party/rtc-dtls`): the SFU is the DTLS client, a participant answering `setup:passive`
//! the server. When the server's flight 4 (ServerHello … ServerHelloDone) is lost twice, the
//! client repeats its ClientHello; the server must go on retransmitting its flight until one
//! arrives (RFC 6347 §4.2.1 and §4.2.4), not fall silent. Two sans-IO endpoints on a virtual
//! clock, the lossy link between them in this file.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc::dtls::config::ConfigBuilder;
use rtc::dtls::config::HandshakeConfig;
use rtc::dtls::crypto::Certificate;
use rtc::dtls::endpoint::{Endpoint, EndpointEvent};
use rtc::shared::TransportProtocol;

const CLIENT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 40001);
const SERVER: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 40002);

/// DTLS record content type "handshake" and handshake type ServerHello (RFC 6347 §4.1, §4.2.2).
const HANDSHAKE: u8 = 22;
const SERVER_HELLO: u8 = 2;
const CLIENT_HELLO: u8 = 1;

fn config(is_client: bool) -> Arc<HandshakeConfig> {
    let provider = rtc::crypto::default_provider().expect("a crypto provider");
    let certificate =
        Certificate::generate_self_signed(vec!["spectrus".to_owned()], provider.crypto())
            .expect("a certificate");
    let builder = ConfigBuilder::default()
        .with_crypto_provider(provider)
        .with_certificates(vec![certificate])
        .with_insecure_skip_verify(true);
    Arc::new(
        builder
            .build(is_client, None)
            .expect("a DTLS configuration"),
    )
}

/// The handshake type of every record in a datagram.
fn handshake_types(datagram: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut rest = datagram;
    while rest.len() >= 14 {
        let length = usize::from(u16::from_be_bytes([rest[11], rest[12]]));
        if rest[0] == HANDSHAKE {
            types.push(rest[13]);
        }
        rest = rest.get(13 + length..).unwrap_or_default();
    }
    types
}

/// What happened on the link.
#[derive(Default)]
struct Link {
    /// Bursts of the server's datagrams carrying a ServerHello.
    server_hellos: usize,
    /// Of those, how many the link dropped.
    dropped: usize,
    /// ClientHellos the server received after the link first dropped its flight.
    client_hellos_after_drop: usize,
    client_complete: bool,
    server_complete: bool,
}

/// Sends everything `from` has queued to `to`, unless `lose` says the burst is lost; whether
/// anything was sent, and whether `to` completed its handshake.
fn deliver(
    from: &mut Endpoint,
    to: &mut Endpoint,
    from_addr: SocketAddr,
    now: Instant,
    lose: &mut dyn FnMut(&[BytesMut]) -> bool,
) -> (bool, bool) {
    let mut burst = Vec::new();
    while let Some(t) = from.poll_transmit() {
        burst.push(t.message);
    }
    if burst.is_empty() {
        return (false, false);
    }
    if lose(&burst) {
        return (true, false);
    }
    let mut complete = false;
    for datagram in burst {
        // A datagram the receiver refuses is its business; the handshake's outcome is checked.
        if let Ok(events) = to.read(now, from_addr, None, datagram) {
            complete |= events
                .iter()
                .any(|e| matches!(e, EndpointEvent::HandshakeComplete));
        }
    }
    (true, complete)
}

/// Runs the handshake, the server's first `lost` flights 4 dropped, on a virtual clock for at
/// most `limit`: datagrams go back and forth until neither end has more to send, then the clock
/// moves to the earlier retransmission timer.
fn handshake_losing_server_flights(lost: usize, limit: Duration) -> Link {
    let start = Instant::now();
    let mut now = start;
    let mut client = Endpoint::new(CLIENT, TransportProtocol::UDP, None);
    let mut server = Endpoint::new(SERVER, TransportProtocol::UDP, Some(config(false)));
    client
        .connect(now, SERVER, config(true), None)
        .expect("the client starts");
    let mut link = Link::default();
    while now.duration_since(start) < limit {
        loop {
            // Client to server: never lost; the ClientHellos after a loss are counted.
            let dropped = link.dropped;
            let mut hellos = 0;
            let (sent_c, done_s) = deliver(&mut client, &mut server, CLIENT, now, &mut |burst| {
                if dropped > 0 {
                    hellos += burst
                        .iter()
                        .filter(|d| handshake_types(d).contains(&CLIENT_HELLO))
                        .count();
                }
                false
            });
            link.client_hellos_after_drop += hellos;
            // Server to client: the first `lost` bursts carrying a ServerHello are dropped.
            let (sent_s, done_c) = deliver(&mut server, &mut client, SERVER, now, &mut |burst| {
                if burst
                    .iter()
                    .any(|d| handshake_types(d).contains(&SERVER_HELLO))
                {
                    link.server_hellos += 1;
                    if link.server_hellos <= lost {
                        link.dropped += 1;
                        return true;
                    }
                }
                false
            });
            link.server_complete |= done_s;
            link.client_complete |= done_c;
            if !sent_c && !sent_s {
                break;
            }
        }
        if link.client_complete && link.server_complete {
            break;
        }
        let next = [client.poll_timeout(&SERVER), server.poll_timeout(&CLIENT)]
            .into_iter()
            .flatten()
            .min();
        let Some(next) = next else { break };
        now = now.max(next);
        // An end without an association (or with one past its retransmissions) is checked by
        // the outcome, not here.
        let _ = client.handle_timeout(SERVER, now);
        let _ = server.handle_timeout(CLIENT, now);
    }
    link
}

#[test]
fn a_handshake_without_loss_completes() {
    let link = handshake_losing_server_flights(0, Duration::from_secs(5));
    assert!(
        link.client_complete && link.server_complete,
        "both ends complete"
    );
    assert_eq!(link.server_hellos, 1, "one flight 4, no retransmission");
}

#[test]
fn the_server_keeps_resending_its_flight_while_the_client_repeats_its_hello() {
    let link = handshake_losing_server_flights(2, Duration::from_secs(60));
    assert_eq!(link.dropped, 2, "the link dropped the first two flights 4");
    assert!(
        link.client_hellos_after_drop >= 1,
        "the client repeated its ClientHello meanwhile ({} times)",
        link.client_hellos_after_drop
    );
    assert!(
        link.server_hellos >= 3,
        "the server sent its flight 4 again after the repeated ClientHello ({} times in all)",
        link.server_hellos
    );
    assert!(
        link.client_complete,
        "the SFU's side completed its handshake"
    );
    assert!(
        link.server_complete,
        "the participant's side completed its handshake"
    );
}
