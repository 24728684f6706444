//! Two participants exchange tones through the SFU over real loopback WebRTC.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use common::{Harness, wait_for};
use spectrus_sfu::JoinOptions;
use spectrus_voice::SineSource;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hears_the_other_not_itself() {
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let h = Harness::new().await;
        let a = h
            .join(1, 1, SineSource::new(440.0), JoinOptions::default())
            .await;
        let b = h
            .join(1, 2, SineSource::new(660.0), JoinOptions::default())
            .await;
        let ok = wait_for(20, || a.hears(660.0) && b.hears(440.0)).await;
        assert!(
            ok,
            "a: 660={} 440={} {:?}; b: 440={} 660={} {:?}; sfu {:?}",
            a.power(660.0),
            a.power(440.0),
            a.engine.stats(),
            b.power(440.0),
            b.power(660.0),
            b.engine.stats(),
            h.sfu.stats().await
        );
        // Sustained, not a blip.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert!(a.hears(660.0) && b.hears(440.0));
        assert!(a.silent_at(440.0), "a hears itself: {}", a.power(440.0));
        assert!(b.silent_at(660.0), "b hears itself: {}", b.power(660.0));
        let st = h.sfu.stats().await;
        assert_eq!(st.participants, 2);
        assert_eq!(st.outbound_tracks, 2);
        assert!(st.packets_out > 50, "{st:?}");
        // A stream's first packet goes through rtc's pipeline; the rest are opened outside it.
        assert!(
            st.packets_opened + 10 >= st.packets_in && st.packets_opened > 50,
            "{st:?}"
        );
        // Both negotiated AEAD_AES_128_GCM: every copy is sealed by the SFU's own SRTP (and
        // heard above, so the engines' rtc-srtp opened each).
        assert_eq!(st.packets_sealed_own, st.packets_out, "{st:?}");
        // Each speaker gets the SFU's receiver report (due 2.5-7.5 s after joining).
        let st = common::wait_stats(&h.sfu, 10, |s| s.receiver_reports >= 2).await;
        assert!(st.receiver_reports >= 2, "{st:?}");
        // And their sender reports are read (their NTP time is echoed in the receiver reports).
        assert!(st.sender_reports_in >= 2, "{st:?}");
        // The participants' consent checks are answered, but the checks rtc's ICE-lite agent
        // would send back are not (an ICE-lite agent sends none), and audio keeps flowing.
        let st = common::wait_stats(&h.sfu, 10, |s| s.checks_dropped >= 1).await;
        assert!(st.checks_dropped >= 1, "{st:?}");
        let (a_in, b_in) = (
            a.engine.stats().packets_received,
            b.engine.stats().packets_received,
        );
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert!(a.hears(660.0) && b.hears(440.0));
        assert!(a.engine.stats().packets_received > a_in + 25);
        assert!(b.engine.stats().packets_received > b_in + 25);
        h.stop(&a).await;
        h.stop(&b).await;
    })
    .await
    .expect("test timed out");
}
