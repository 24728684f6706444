//! Three participants: mixing, server mute, deafen, speaking events.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use std::time::{Duration, Instant};

use common::{Harness, bounded, wait_for, wait_for_ms};
use spectrus_sfu::{JoinOptions, SfuEvent};
use spectrus_voice::{SilenceSource, SineSource};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_and_deafen() {
    bounded(90, async {
        let h = Harness::new().await;
        let a = h
            .join(7, 1, SineSource::new(440.0), JoinOptions::default())
            .await;
        let b = h
            .join(7, 2, SineSource::new(660.0), JoinOptions::default())
            .await;
        let c = h.join(7, 3, SilenceSource, JoinOptions::default()).await;

        assert!(
            wait_for(20, || c.hears(440.0) && c.hears(660.0)).await,
            "c: 440={} 660={} {:?}",
            c.power(440.0),
            c.power(660.0),
            c.engine.stats()
        );
        assert!(wait_for(10, || a.hears(660.0) && b.hears(440.0)).await);
        assert!(a.silent_at(440.0) && b.silent_at(660.0));
        assert_eq!(c.engine.stats().speakers, vec![1, 2]);

        // Server-mute the 440 Hz speaker: gone for both listeners within one second.
        h.sfu.set_state(1, true, false, false, false).await.unwrap();
        let t = Instant::now();
        let gone = wait_for_ms(1000, || c.silent_at(440.0) && b.silent_at(440.0)).await;
        assert!(
            gone,
            "still hearing 440 after {:?}: c={} b={}",
            t.elapsed(),
            c.power(440.0),
            b.power(440.0)
        );
        assert!(c.hears(660.0), "660 must survive: {}", c.power(660.0));

        // Deafen the third: nothing is delivered to it any more.
        h.sfu.set_state(3, false, true, false, false).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let before = c.engine.stats().packets_received;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let after = c.engine.stats().packets_received;
        assert_eq!(before, after, "deafened participant still receives");
        // The others are unaffected.
        assert!(a.hears(660.0));

        // Unmute and undeafen: audio comes back.
        h.sfu
            .set_state(1, false, false, false, false)
            .await
            .unwrap();
        h.sfu
            .set_state(3, false, false, false, false)
            .await
            .unwrap();
        assert!(wait_for(10, || c.hears(440.0) && c.hears(660.0)).await);

        // Speaking: the tones spoke, the silent one never did, and the mute ended 1's turn.
        let ev = h.events();
        let speaking = |p: u64, s: bool| {
            ev.iter().any(|e| {
                matches!(e, SfuEvent::Speaking { participant, speaking, room: 7 }
                    if *participant == p && *speaking == s)
            })
        };
        assert!(speaking(1, true) && speaking(2, true) && speaking(1, false));
        assert!(!speaking(3, true), "silence must not count as speaking");

        for x in [&a, &b, &c] {
            h.stop(x).await;
        }
    })
    .await;
}
