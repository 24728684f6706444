//! Interop with an independent WebRTC stack: headless Chromium (Debian's `chromium`) loads
//! the daemon's `/voice-test.html`, joins a voice channel over the real gateway with a fake
//! microphone playing a 660 Hz WAV, and reports the dominant frequency it hears (WebAudio
//! analyser) as chat messages; a `spectrus-client` voice session in the same channel sends
//! 440 Hz and must hear 660 Hz. Skipped (passes with a note) when `/usr/bin/chromium` is
//! missing; `.ci/run` installs it.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use spectrus_client::HistoryQuery;
use spectrus_client::voice::SineSource;
use spectrus_testkit::{TestDaemon, voice};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills Chromium (and its process group) when the test ends, however it ends.
struct Browser(Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let pid = self.0.id() as i32;
        // The browser's helpers share its process group (started with `process_group(0)`).
        kill_group(pid);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SIGKILL to the process group `pgid`, through the `kill` command.
fn kill_group(pgid: i32) {
    let _ = Command::new("kill")
        .args(["-9", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

fn parse_heard(content: &str) -> Option<(f32, f32)> {
    let rest = content.strip_prefix("voice-test heard=")?;
    let mut it = rest.split_whitespace();
    let hz: f32 = it.next()?.parse().ok()?;
    let db: f32 = it.next()?.strip_prefix("db=")?.parse().ok()?;
    Some((hz, db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_and_the_engine_hear_each_other() {
    if !Path::new(CHROMIUM).exists() {
        // CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} is not installed; .ci/run should have installed it"
        );
        eprintln!("SKIPPED: {CHROMIUM} is not installed (apt-get install chromium)");
        return;
    }
    tokio::time::timeout(Duration::from_secs(150), run())
        .await
        .expect("test timed out");
}

async fn run() {
    let d = TestDaemon::start_with(&[("SPECTRUS_VOICE_TEST_PAGE", "true")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let browser_user = d.member(&owner, "chromium").await.unwrap();
    let lounge = spectrus_testkit::lounge(&owner).await.id;
    let general = spectrus_testkit::general(&owner).await;

    // The engine: 440 Hz, hearing into memory.
    let engine = voice::join(&owner, lounge, SineSource::new(440.0)).await;

    // The browser: 660 Hz from a fake microphone.
    let tmp = tempfile::tempdir().unwrap();
    let wav = tmp.path().join("tone.wav");
    voice::write_tone(&wav, 660.0, 10);
    let profile = tmp.path().join("profile");
    let token = browser_user.access_token().unwrap();
    let url = format!(
        "{}/voice-test.html#token={token}&channel={lounge}&report={general}",
        d.url
    );
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
        "--remote-debugging-port=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!(
        "--use-file-for-fake-audio-capture={}",
        wav.display()
    ))
    .arg(&url)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let _browser = Browser(cmd.spawn().expect("start chromium"));

    // Wait for both directions: the engine hears 660 Hz, the page reports ~440 Hz.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut engine_heard = false;
    let mut page_heard = None;
    let mut last_reports = Vec::new();
    while Instant::now() < deadline && !(engine_heard && page_heard.is_some()) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        engine_heard = engine_heard || engine.hears(660.0);
        let msgs = owner
            .messages(
                general,
                HistoryQuery {
                    limit: Some(100),
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_default();
        last_reports = msgs.iter().map(|m| m.content.clone()).collect();
        if let Some(err) = last_reports
            .iter()
            .find(|c| c.starts_with("voice-test error="))
        {
            panic!("the page failed: {err}");
        }
        if page_heard.is_none() {
            page_heard = msgs
                .iter()
                .filter_map(|m| parse_heard(&m.content))
                .find(|(hz, db)| (hz - 440.0).abs() <= 15.0 && *db > -70.0);
        }
    }
    assert!(
        engine_heard,
        "the engine did not hear Chromium's 660 Hz: power {} stats {:?}; page says {:?}",
        engine.power(660.0),
        engine.session.stats(),
        last_reports
    );
    assert!(
        page_heard.is_some(),
        "Chromium did not hear the engine's 440 Hz; page reports: {last_reports:?}"
    );
    // The engine does not hear itself.
    assert!(voice::silent_at(&engine.audio, 440.0));
    engine.session.leave().await;
}
