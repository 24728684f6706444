//! Voice between the browser client and the terminal client's engine: headless Chromium
//! (Debian's, with a fake microphone playing a generated 440 Hz WAV) logs in through the UI
//! and joins the voice channel by its button (`web/tests/voice/browser-peer.mjs`); a
//! `spectrus-client` voice session in the same channel sends 660 Hz. The engine must hear
//! 440 Hz, and the page (a WebAudio analyser on what its peer connection receives) 660 Hz.
//! Chromium must also accept the SFU's own RTCP: its statistics must show the SFU's receiver
//! reports about the page's audio (with a round-trip time, so the SFU echoed Chromium's sender
//! reports correctly, and no loss) and its sender reports about what the page receives.
//! Needs `web/node_modules` (`npm ci --prefix web`): missing, the test fails saying so.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spectrus_client::voice::SineSource;
use spectrus_testkit::{PASSWORD, TestDaemon, voice};

/// The node script, killed (with its browser) when the test ends however it ends.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_client_and_the_engine_hear_each_other() {
    assert!(
        web().join("node_modules/playwright-core").exists(),
        "web/node_modules is missing: run `npm ci --prefix web` (needs node and npm)"
    );
    tokio::time::timeout(Duration::from_secs(150), run())
        .await
        .expect("test timed out");
}

async fn run() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let _browser_user = d.member(&owner, "chromium").await.unwrap();
    let lounge = spectrus_testkit::lounge(&owner).await;

    // The engine: 660 Hz, hearing into memory.
    let engine = voice::join(&owner, lounge.id, SineSource::new(660.0)).await;

    // The browser: 440 Hz from a fake microphone, through the real UI.
    let tmp = tempfile::tempdir().unwrap();
    let wav = tmp.path().join("tone.wav");
    voice::write_tone(&wav, 440.0, 10);
    let daemon = spectrus_testkit::daemon_binary().unwrap();
    let mut child = Command::new("node")
        .arg("tests/voice/browser-peer.mjs")
        .current_dir(web())
        .env("SPECTRUS_URL", &d.url)
        .env("SPECTRUS_USER", "chromium")
        .env("SPECTRUS_PASSWORD", PASSWORD)
        .env("SPECTRUS_VOICE_CHANNEL", &lounge.name)
        .env("SPECTRUS_TONE_WAV", &wav)
        .env("SPECTRUS_VOICE_SECONDS", "100")
        .env("SPECTRUS_BIN", &daemon)
        .env(
            "SPECTRUS_SCREENSHOTS",
            web().join("../target/web-screenshots"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot run node");
    let stdout = child.stdout.take().expect("stdout");
    let _peer = Peer(child);
    let lines = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    lines.lock().unwrap_or_else(|p| p.into_inner()).push(v);
                }
            }
        });
    }

    let deadline = Instant::now() + Duration::from_secs(90);
    let mut engine_heard = false;
    let mut page_heard = None;
    while Instant::now() < deadline && !(engine_heard && page_heard.is_some()) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        engine_heard = engine_heard || engine.hears(440.0);
        let seen = lines.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(err) = seen.iter().find(|v| v.get("error").is_some()) {
            panic!("the browser side failed: {err}");
        }
        if let Some(p) = seen
            .iter()
            .find(|v| v["problems"].as_array().is_some_and(|a| !a.is_empty()))
        {
            panic!("the page reported problems: {p}");
        }
        page_heard = page_heard.or_else(|| {
            seen.iter().find_map(|v| {
                let hz = v["hz"].as_f64()?;
                let db = v["db"].as_f64()?;
                ((hz - 660.0).abs() <= 15.0 && db > -70.0).then_some((hz, db))
            })
        });
    }
    let seen = lines.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let tail: Vec<_> = seen.iter().rev().take(5).collect();
    assert!(
        seen.iter().any(|v| v["joined"] == true),
        "the browser never showed the voice bar; it said {tail:?}"
    );
    assert!(
        engine_heard,
        "the engine did not hear the browser's 440 Hz: power {} stats {:?}; page says {tail:?}",
        engine.power(440.0),
        engine.session.stats(),
    );
    assert!(
        page_heard.is_some(),
        "the browser did not hear the engine's 660 Hz; it said {tail:?}"
    );
    // The engine does not hear itself.
    assert!(voice::silent_at(&engine.audio, 660.0));

    // The SFU's RTCP, as Chromium took it (reports every 5 s each way).
    let rtcp_ok = |v: &serde_json::Value| {
        let inbound_ok = v["rtcp"]["remoteInbound"].as_array().is_some_and(|a| {
            a.iter().any(|r| {
                r["rttMeasurements"].as_u64().unwrap_or(0) >= 1
                    && r["roundTripTime"].as_f64().is_some_and(|t| t < 1.0)
                    && r["packetsLost"].as_i64().is_some_and(|l| l <= 5)
            })
        });
        let outbound_ok = v["rtcp"]["remoteOutbound"]
            .as_array()
            .is_some_and(|a| a.iter().any(|r| r["reports"].as_u64().unwrap_or(0) >= 1));
        inbound_ok && outbound_ok
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut rtcp_seen = false;
    while Instant::now() < deadline && !rtcp_seen {
        tokio::time::sleep(Duration::from_millis(500)).await;
        rtcp_seen = lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(rtcp_ok);
    }
    let last = lines
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .last()
        .map(|v| v["rtcp"].clone());
    assert!(
        rtcp_seen,
        "Chromium did not show the SFU's receiver and sender reports; its last RTCP statistics: {last:?}"
    );
    engine.session.leave().await;
}
