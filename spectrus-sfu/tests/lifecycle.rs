//! Leave, re-join, idle timeout and many join/leave cycles: no leaked participants, tracks,
//! addresses or tasks.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use std::time::Duration;

use common::{Harness, bounded, wait_for, wait_stats};
use spectrus_sfu::{JoinOptions, LeaveReason, SfuConfig, SfuEvent};
use spectrus_voice::SineSource;

fn left(h: &Harness, p: u64, reason: LeaveReason) -> bool {
    h.events().iter().any(|e| {
        matches!(e, SfuEvent::Left { participant, reason: r } if *participant == p && *r == reason)
    })
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_and_rejoin() {
    bounded(90, async {
        let h = Harness::new().await;
        let a = h
            .join(1, 1, SineSource::new(440.0), JoinOptions::default())
            .await;
        let b = h
            .join(1, 2, SineSource::new(660.0), JoinOptions::default())
            .await;
        assert!(wait_for(20, || a.hears(660.0) && b.hears(440.0)).await);

        h.sfu.leave(2).await;
        h.stop(&b).await;
        assert!(wait_for(5, || left(&h, 2, LeaveReason::Requested)).await);
        let s = wait_stats(&h.sfu, 10, |s| {
            s.participants == 1 && s.outbound_tracks == 0
        })
        .await;
        assert_eq!(
            (s.participants, s.outbound_tracks, s.rooms),
            (1, 0, 1),
            "{s:?}"
        );
        assert_eq!(s.known_ufrags, 1);
        assert!(wait_for(5, || a.silent_at(660.0)).await);

        // Re-join with a new engine (and a new tone): heard again on a reused transceiver.
        let b2 = h
            .join(1, 2, SineSource::new(880.0), JoinOptions::default())
            .await;
        assert!(
            wait_for(20, || a.hears(880.0) && b2.hears(440.0)).await,
            "a: 880={} {:?}",
            a.power(880.0),
            a.engine.stats()
        );

        // Joining again while joined replaces the old session.
        let b3 = h
            .join(1, 2, SineSource::new(1000.0), JoinOptions::default())
            .await;
        h.stop(&b2).await;
        assert!(
            wait_for(20, || a.hears(1000.0) && b3.hears(440.0)).await,
            "a: 1000={} {:?}; b3: 440={} {:?}; {:?}",
            a.power(1000.0),
            a.engine.stats(),
            b3.power(440.0),
            b3.engine.stats(),
            h.sfu.stats().await
        );
        let s = h.sfu.stats().await;
        assert_eq!((s.participants, s.outbound_tracks), (2, 2), "{s:?}");

        h.sfu.leave(1).await;
        h.sfu.leave(2).await;
        h.sfu.leave(2).await; // unknown now: a no-op
        let s = h.sfu.stats().await;
        assert_eq!(
            (
                s.rooms,
                s.participants,
                s.outbound_tracks,
                s.known_addresses,
                s.known_ufrags
            ),
            (0, 0, 0, 0, 0),
            "{s:?}"
        );
        h.stop(&a).await;
        h.stop(&b3).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_participants_time_out() {
    bounded(60, async {
        let mut cfg = SfuConfig::new("127.0.0.1:0".parse().unwrap());
        cfg.idle_timeout = Duration::from_secs(2);
        let h = Harness::with_config(cfg).await;
        let a = h
            .join(1, 1, SineSource::new(440.0), JoinOptions::default())
            .await;
        let b = h
            .join(1, 2, SineSource::new(660.0), JoinOptions::default())
            .await;
        // One that never connects at all.
        h.sfu.join(1, 3, JoinOptions::default()).await.unwrap();
        assert!(wait_for(20, || a.hears(660.0)).await);

        // b's client vanishes without a word.
        h.stop(&b).await;
        assert!(wait_for(10, || left(&h, 2, LeaveReason::Timeout)).await);
        assert!(wait_for(5, || left(&h, 3, LeaveReason::Timeout)).await);
        assert!(!left(&h, 1, LeaveReason::Timeout), "a is active");
        let s = wait_stats(&h.sfu, 10, |s| s.outbound_tracks == 0).await;
        assert_eq!((s.participants, s.outbound_tracks), (1, 0), "{s:?}");
        h.stop(&a).await;
        assert!(wait_for(10, || left(&h, 1, LeaveReason::Timeout)).await);
        assert_eq!(h.sfu.stats().await.participants, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_join_leave_cycles() {
    bounded(180, async {
        let h = Harness::new().await;
        let a = h
            .join(1, 1, SineSource::new(440.0), JoinOptions::default())
            .await;
        let b = h
            .join(1, 2, SineSource::new(660.0), JoinOptions::default())
            .await;
        assert!(wait_for(20, || a.hears(660.0)).await);
        let tasks_before = alive_tasks();

        // 100 signalling-only participants come and go; `a` renegotiates each time.
        for i in 0..100u64 {
            h.sfu
                .join(1, 1000 + i, JoinOptions::default())
                .await
                .unwrap();
            h.sfu.leave(1000 + i).await;
        }
        let s = wait_stats(&h.sfu, 30, |s| {
            s.participants == 2 && s.outbound_tracks == 2
        })
        .await;
        assert_eq!(
            (s.participants, s.outbound_tracks, s.known_ufrags),
            (2, 2, 2),
            "{s:?}"
        );
        // Renegotiations settled and audio still flows both ways.
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(wait_for(20, || a.hears(660.0) && b.hears(440.0)).await);

        // A few full client cycles, with real connections.
        for i in 0..5u64 {
            let c = h
                .join(1, 50 + i, SineSource::new(880.0), JoinOptions::default())
                .await;
            assert!(wait_for(20, || a.hears(880.0)).await, "cycle {i}");
            h.sfu.leave(50 + i).await;
            h.stop(&c).await;
            let pump = c.pump;
            drop(c.engine);
            tokio::time::sleep(Duration::from_millis(300)).await;
            eprintln!(
                "cycle {i}: alive tasks {} pump finished {}",
                alive_tasks(),
                pump.is_finished()
            );
        }
        let s = wait_stats(&h.sfu, 30, |s| {
            s.participants == 2 && s.outbound_tracks == 2
        })
        .await;
        assert_eq!((s.participants, s.outbound_tracks), (2, 2), "{s:?}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        let tasks_after = alive_tasks();
        eprintln!("alive tasks: before {tasks_before}, after {tasks_after}");
        assert!(
            tasks_after <= tasks_before + 2,
            "tasks grew from {tasks_before} to {tasks_after}"
        );

        h.sfu.leave(1).await;
        h.sfu.leave(2).await;
        let s = h.sfu.stats().await;
        assert_eq!(
            (
                s.rooms,
                s.participants,
                s.outbound_tracks,
                s.known_addresses,
                s.known_ufrags
            ),
            (0, 0, 0, 0, 0),
            "{s:?}"
        );
        h.stop(&a).await;
        h.stop(&b).await;
    })
    .await;
}

/// The SFU thread has no runtime to end it: it must notice the last handle going, remove
/// everyone (each gets `Left`), close the events channel and free its UDP port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_thread_stops_when_the_last_handle_is_gone() {
    bounded(30, async {
        let (sfu, mut events) =
            spectrus_sfu::Sfu::start(SfuConfig::new("127.0.0.1:0".parse().unwrap()))
                .await
                .unwrap();
        let addr = sfu.local_addr();
        sfu.join(1, 7, JoinOptions::default()).await.unwrap();
        let other = sfu.clone();
        assert!(other.is_running());
        drop(sfu);
        // One handle left: still serving.
        assert_eq!(other.stats().await.participants, 1);
        drop(other);
        let mut seen = Vec::new();
        while let Some(ev) = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the events channel closes")
        {
            seen.push(ev);
        }
        assert!(seen.contains(&SfuEvent::Left {
            participant: 7,
            reason: LeaveReason::Requested
        }));
        // The port is free again once the thread is gone.
        assert!(wait_for(5, || std::net::UdpSocket::bind(addr).is_ok()).await);
    })
    .await;
}
