//! Benchmark (ignored; prints figures, asserts no timing): capture-to-playback latency
//! between two real `spectrus-tui` clients through a real daemon on loopback, on the
//! `--headless-audio` / `--record-to` path.
//!
//! Client A plays a 0.5 s WAV, looped: silence with a 100 ms 1 kHz burst starting exactly
//! at 0.1 s (a frame boundary). Client B plays silence and records. Each client logs the
//! wall-clock time of its first captured frame (`capture started at unix_us=…`) and its first
//! played frame (`playback started at unix_us=…`); sample `n` of A's WAV enters A's engine
//! at `A.capture + n / 48 kHz`, and sample `m` of B's recording leaves B's engine at
//! `B.playback + m / 48 kHz`. Each burst onset in B's recording, minus the latest burst
//! onset A sent before it, is one latency sample. The first seconds (while the daemon
//! renegotiates for a new speaker) are skipped.
//!
//! ```text
//! cargo test -p spectrus-tui --test voice_latency -- --ignored --nocapture
//! ```
//! `SPECTRUS_BENCH_SECONDS` (default 30) sets how long B records; `SPECTRUS_BENCH_MODE`
//! (`vad`, the default, or `open`) the clients' `[voice] mode`.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::path::Path;
use std::time::Duration;

use spectrus_testkit::TestDaemon;

#[path = "support/audio.rs"]
mod audio;
#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

const RATE: f64 = 48_000.0;
/// Length of A's looped WAV, in samples (0.5 s).
const PERIOD: usize = 24_000;
/// Where the burst starts in it (0.1 s, frame 5).
const ONSET: usize = 4_800;
/// Burst length (100 ms).
const BURST: usize = 4_800;

fn burst_wav() -> Vec<f32> {
    (0..PERIOD)
        .map(|i| {
            if (ONSET..ONSET + BURST).contains(&i) {
                0.5 * (std::f32::consts::TAU * 1_000.0 * i as f32 / 48_000.0).sin()
            } else {
                0.0
            }
        })
        .collect()
}

/// The last `unix_us=` value on a log line containing `what`.
fn stamp(log: &Path, what: &str) -> Option<f64> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .filter(|l| l.contains(what))
        .filter_map(|l| {
            let rest = &l[l.find("unix_us=")? + "unix_us=".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<f64>().ok()
        })
        .next_back()
        .map(|us| us / 1e6)
}

/// Sample indices where a burst starts: loud after at least 200 ms of quiet.
fn onsets(samples: &[f32]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut quiet = 0usize;
    for (i, s) in samples.iter().enumerate() {
        if s.abs() > 0.1 {
            if quiet >= 9_600 {
                out.push(i);
            }
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Client {
    tmux: Tmux,
    home: tempfile::TempDir,
}

fn start_client(url: &str, user: &str, wav: &[f32], mode: &str, tag: &str) -> Client {
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join("config/spectrus");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("tui.toml"),
        format!("[voice]\nmode = \"{mode}\"\n"),
    )
    .expect("tui.toml");
    let input = home.path().join("in.wav");
    audio::write_wav(&input, wav);
    let args = [
        "--headless-audio".to_owned(),
        input.display().to_string(),
        "--record-to".to_owned(),
        home.path().join("out.wav").display().to_string(),
    ];
    let tmux = Tmux::client(&format!("lat-{tag}"), 120, home.path(), url, user, &args);
    Client { tmux, home }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn capture_to_playback_latency_between_two_terminal_clients() {
    let seconds: u64 = std::env::var("SPECTRUS_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mode = std::env::var("SPECTRUS_BENCH_MODE").unwrap_or_else(|_| "vad".into());
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "alice").await.expect("alice");
    daemon.member(&owner, "bob").await.expect("bob");

    let a = start_client(&daemon.url, "alice", &burst_wav(), &mode, "a");
    let b = start_client(&daemon.url, "bob", &[0.0; PERIOD], &mode, "b");
    for c in [&a, &b] {
        c.tmux.wait_for("#general", Duration::from_secs(30));
        c.tmux.type_line("/join");
    }
    for c in [&a, &b] {
        c.tmux
            .wait_until("in voice", Duration::from_secs(30), |s| s.contains(" mic "));
    }
    // Let the daemon renegotiate for the new speaker, then record.
    tokio::time::sleep(Duration::from_secs(seconds + 3)).await;
    for c in [&a, &b] {
        c.tmux.keys(&["C-c"]);
    }
    for c in [&a, &b] {
        c.tmux.wait_for("EXITED", Duration::from_secs(20));
    }

    let log = |c: &Client| c.home.path().join("state/spectrus/tui.log");
    let a_capture = stamp(&log(&a), "capture started at").expect("A's capture stamp");
    let b_playback = stamp(&log(&b), "playback started at").expect("B's playback stamp");
    let recorded = audio::read_wav(&b.home.path().join("out.wav"));
    let mut latencies_ms = Vec::new();
    for m in onsets(&recorded) {
        let heard_at = b_playback + m as f64 / RATE;
        // A's sample index at that moment, then the latest burst onset before it.
        let a_index = (heard_at - a_capture) * RATE;
        if a_index < ONSET as f64 {
            continue;
        }
        let period = ((a_index - ONSET as f64) / PERIOD as f64).floor();
        let sent_at = a_capture + (period * PERIOD as f64 + ONSET as f64) / RATE;
        latencies_ms.push((heard_at - sent_at) * 1000.0);
    }
    // Skip the first 3 s of bursts (renegotiation for a new speaker).
    let skip = (3.0 * RATE / PERIOD as f64) as usize;
    let mut lat: Vec<f64> = latencies_ms.into_iter().skip(skip).collect();
    assert!(
        !lat.is_empty(),
        "no bursts arrived; B's screen:\n{}",
        b.tmux.capture()
    );
    lat.sort_by(f64::total_cmp);
    println!(
        "voice capture-to-playback, two spectrus-tui clients via spectrusd on loopback \
         (mode {mode}, {} bursts over {seconds} s): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, \
         min {:.1} ms, max {:.1} ms",
        lat.len(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.90),
        percentile(&lat, 0.99),
        lat[0],
        lat[lat.len() - 1],
    );
}

#[test]
fn onsets_follow_quiet() {
    let mut s = vec![0.0f32; 20_000];
    s[12_000] = 0.5;
    s[12_001] = 0.5;
    s[15_000] = 0.5; // too soon after the last loud sample
    assert_eq!(onsets(&s), vec![12_000]);
    let w = burst_wav();
    // The first burst of the file follows only 100 ms of quiet; the next ones 400 ms.
    assert_eq!(onsets(&[w.clone(), w.clone(), w].concat()).len(), 2);
}
