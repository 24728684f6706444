//! Bad signalling and garbage datagrams: errors or drops, never panics, and the SFU keeps
//! serving the others.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Harness, bounded, wait_for};
use spectrus_sfu::{JoinOptions, Sfu, SfuConfig, SfuError, SfuEvent};
use spectrus_voice::SineSource;
use tokio::net::UdpSocket;

fn offer_for(h: &Harness, p: u64) -> Option<String> {
    h.events().into_iter().rev().find_map(|e| match e {
        SfuEvent::Offer { participant, sdp } if participant == p => Some(sdp),
        _ => None,
    })
}

fn ufrag_of(sdp: &str) -> String {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=ice-ufrag:"))
        .expect("ufrag in offer")
        .to_owned()
}

/// A STUN binding request with the given USERNAME and a bogus MESSAGE-INTEGRITY.
fn stun_request(username: &str) -> Vec<u8> {
    let u = username.as_bytes();
    let padded = (u.len() + 3) & !3;
    let body_len = 4 + padded + 24;
    let mut b = vec![0x00, 0x01];
    b.extend_from_slice(&(body_len as u16).to_be_bytes());
    b.extend_from_slice(&0x2112_A442u32.to_be_bytes());
    b.extend_from_slice(&[9u8; 12]);
    b.extend_from_slice(&0x0006u16.to_be_bytes());
    b.extend_from_slice(&(u.len() as u16).to_be_bytes());
    b.extend_from_slice(u);
    b.resize(20 + 4 + padded, 0);
    b.extend_from_slice(&0x0008u16.to_be_bytes());
    b.extend_from_slice(&20u16.to_be_bytes());
    b.extend_from_slice(&[0xAB; 20]);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offer_is_ice_lite_with_candidate_and_bitrate() {
    bounded(30, async {
        let h = Harness::new().await;
        let opts = JoinOptions {
            bitrate: Some(24_000),
            ..Default::default()
        };
        h.sfu.join(3, 9, opts).await.unwrap();
        assert!(wait_for(5, || offer_for(&h, 9).is_some()).await);
        let sdp = offer_for(&h, 9).unwrap();
        let port = h.sfu.local_addr().port();
        assert!(sdp.contains("a=ice-lite"), "{sdp}");
        assert!(sdp.contains("maxaveragebitrate=24000"), "{sdp}");
        assert!(sdp.contains(&format!("127.0.0.1 {port} typ host")), "{sdp}");
        assert!(
            sdp.contains("urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
            "{sdp}"
        );
        h.sfu.leave(9).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unspecified_bind_needs_announced_ip() {
    let cfg = SfuConfig::new("0.0.0.0:0".parse().unwrap());
    assert!(matches!(Sfu::start(cfg).await, Err(SfuError::Config(_))));
    let mut cfg = SfuConfig::new("0.0.0.0:0".parse().unwrap());
    cfg.announced_ip = Some("127.0.0.1".parse().unwrap());
    let (sfu, _rx) = Sfu::start(cfg).await.unwrap();
    assert_ne!(sfu.local_addr().port(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_rejected_and_service_continues() {
    bounded(90, async {
        let h = Harness::new().await;
        let a = h
            .join(1, 1, SineSource::new(440.0), JoinOptions::default())
            .await;
        let b = h
            .join(1, 2, SineSource::new(660.0), JoinOptions::default())
            .await;
        assert!(wait_for(20, || a.hears(660.0) && b.hears(440.0)).await);
        let sfu = &h.sfu;

        // Signalling for someone who is not there.
        assert!(matches!(
            sfu.answer(99, "v=0".into()).await,
            Err(SfuError::UnknownParticipant(99))
        ));
        assert!(matches!(
            sfu.candidate(99, "candidate:1 1 udp 1 127.0.0.1 9 typ host".into())
                .await,
            Err(SfuError::UnknownParticipant(99))
        ));
        assert!(matches!(
            sfu.set_state(99, true, true, true, true).await,
            Err(SfuError::UnknownParticipant(99))
        ));

        // An answer when no offer is pending (a already answered everything).
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(matches!(
            sfu.answer(1, "v=0\r\n".into()).await,
            Err(SfuError::NoPendingOffer(1))
        ));

        // A signalling-only participant with a pending offer gets malformed answers.
        sfu.join(1, 5, JoinOptions::default()).await.unwrap();
        assert!(wait_for(5, || offer_for(&h, 5).is_some()).await);
        for junk in [
            "",
            "garbage",
            "v=0\r\n",
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
            "\u{0}\u{1}\u{2}",
        ] {
            let r = sfu.answer(5, junk.into()).await;
            assert!(
                matches!(r, Err(SfuError::BadInput(_))),
                "{junk:?} gave {r:?}"
            );
        }
        // Candidates before any answer, and garbage candidates.
        assert!(sfu.candidate(5, "candidate:garbage".into()).await.is_err());
        assert!(
            sfu.candidate(1, "candidate:not a candidate".into())
                .await
                .is_err()
        );

        // Garbage datagrams: random bytes, fake STUN for unknown and known ufrags, then
        // DTLS/RTP-looking junk from the (now learned) address.
        let junk_socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to: SocketAddr = sfu.local_addr();
        let mut x: u32 = 12345;
        for len in [0usize, 1, 2, 3, 12, 20, 21, 100, 1200, 1500] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            junk_socket.send_to(&bytes, to).await.unwrap();
        }
        junk_socket
            .send_to(&stun_request("nobody:x"), to)
            .await
            .unwrap();
        let ufrag = ufrag_of(&offer_for(&h, 5).unwrap());
        junk_socket
            .send_to(&stun_request(&format!("{ufrag}:evil")), to)
            .await
            .unwrap();
        for first in [0x00u8, 0x16, 0x17, 0x80, 0x90, 0xBF, 0xFF] {
            let mut p = vec![first; 60];
            p[1] = 111;
            junk_socket.send_to(&p, to).await.unwrap();
        }
        // Someone else's ufrag with a forged source: only that peer connection sees it.
        let a_ufrag = ufrag_of(&offer_for(&h, 1).unwrap());
        junk_socket
            .send_to(&stun_request(&format!("{a_ufrag}:evil")), to)
            .await
            .unwrap();
        junk_socket.send_to(&[0x80; 40], to).await.unwrap();

        tokio::time::sleep(Duration::from_millis(300)).await;
        let s = sfu.stats().await;
        assert!(s.packets_dropped >= 10, "{s:?}");
        assert_eq!(s.participants, 3);

        // Everyone still served.
        a.audio.clear();
        b.audio.clear();
        assert!(wait_for(10, || a.hears(660.0) && b.hears(440.0)).await);
        sfu.leave(5).await;
        h.stop(&a).await;
        h.stop(&b).await;
    })
    .await;
}
