//! Voice end to end: the real `spectrus-tui` binary in tmux, a real daemon, real WebRTC over
//! loopback. The client captures from `--headless-audio tone.wav` (440 Hz) and records to
//! `--record-to out.wav`; the other participant is the SDK's voice engine playing 660 Hz.
//! The engine must hear 440 Hz, the recording must hold 660 Hz (and never our own 440 Hz),
//! and the user-visible controls must act on the audio: the mic meter moves, `/volume @owner
//! 0` silences the owner in the recording, `/mute` stops what the engine hears.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::path::Path;
use std::time::Duration;

use spectrus_client::voice::SineSource;
use spectrus_testkit::voice::{self, silent_at};
use spectrus_testkit::{TestDaemon, eventually, voice_channel};
use spectrus_voice::tone::goertzel_power;

#[path = "support/audio.rs"]
mod audio;
#[path = "support/tmux.rs"]
mod tmux;
use tmux::Tmux;

/// 200 ms at 48 kHz.
const WINDOW: usize = 9_600;

fn power_of(samples: &[f32], freq: f32) -> f32 {
    let tail = &samples[samples.len().saturating_sub(WINDOW)..];
    goertzel_power(tail, freq)
}

fn recording_power(path: &Path, freq: f32) -> f32 {
    let samples = audio::read_wav(path);
    if samples.len() < WINDOW {
        return 0.0;
    }
    power_of(&samples, freq)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_client_talks_and_listens_through_the_daemon() {
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");
    let room = voice_channel(&owner, "tui-voice").await;

    let home = tempfile::tempdir().expect("home");
    let tone = home.path().join("tone.wav");
    let out = home.path().join("out.wav");
    audio::write_wav(&tone, &audio::tone(440.0, 1.0));
    let args = [
        "--headless-audio".to_owned(),
        tone.display().to_string(),
        "--record-to".to_owned(),
        out.display().to_string(),
    ];
    let tmux = Tmux::client("voice-e2e", 120, home.path(), &daemon.url, "bob", &args);
    tmux.wait_for("#general", Duration::from_secs(20));

    // The other participant: the SDK engine, playing 660 Hz.
    let other = voice::join(&owner, room, SineSource::new(660.0)).await;

    // Join from the keyboard; the status line shows the channel and the mic meter once the
    // peer connection is up, and the meter moves with the 440 Hz tone.
    tmux.type_line("/join tui-voice");
    let screen = tmux.wait_until("connected to ♪tui-voice", Duration::from_secs(30), |s| {
        s.contains("♪tui-voice mic ")
    });
    assert!(!screen.contains("EXITED"), "{screen}");
    tmux.wait_for("mic ▮▮▮▮", Duration::from_secs(10));

    // The engine hears the client's microphone (the WAV)...
    assert!(
        eventually(Duration::from_secs(40), || other.hears(440.0)).await,
        "the engine does not hear 440 Hz: power {} stats {:?}; screen:\n{}",
        other.power(440.0),
        other.session.stats(),
        tmux.capture()
    );
    // ...and the client records the engine's 660 Hz, without its own voice.
    assert!(
        eventually(Duration::from_secs(40), || recording_power(&out, 660.0)
            > 0.01)
        .await,
        "out.wav has no 660 Hz: power {}; screen:\n{}",
        recording_power(&out, 660.0),
        tmux.capture()
    );
    let recorded = audio::read_wav(&out);
    assert!(
        power_of(&recorded, 440.0) < 0.001,
        "the client plays its own voice back: {}",
        power_of(&recorded, 440.0)
    );

    // Per-user volume: the owner at 0% is silent in the recording.
    tmux.type_line("/volume @owner 0");
    tmux.wait_for("plays at 0%", Duration::from_secs(10));
    assert!(
        eventually(Duration::from_secs(20), || recording_power(&out, 660.0)
            < 0.0005)
        .await,
        "volume 0 still plays the owner: {}",
        recording_power(&out, 660.0)
    );

    // Mute: the engine stops hearing the client.
    tmux.type_line("/mute");
    tmux.wait_for(" muted", Duration::from_secs(10));
    assert!(
        eventually(Duration::from_secs(20), || silent_at(&other.audio, 440.0)).await,
        "the engine still hears a muted client: {}",
        other.power(440.0)
    );

    // Quitting finishes the recording: a valid WAV with seconds of audio in it.
    tmux.keys(&["C-c"]);
    tmux.wait_for("EXITED 0", Duration::from_secs(20));
    let final_len = hound::WavReader::open(&out).expect("a finished WAV").len();
    assert!(final_len > 48_000 * 2, "only {final_len} samples recorded");
    other.session.leave().await;
}

/// Without `--headless-audio`/`--record-to` the client opens the sound card. On a machine
/// without one (CI) joining says so in the status line, leaves voice, and nothing of the
/// audio library is printed over the screen; with one, voice connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_sound_card_joining_explains_instead_of_crashing() {
    let daemon = TestDaemon::start().await.expect("daemon");
    let owner = daemon.owner().await.expect("owner");
    daemon.member(&owner, "bob").await.expect("bob");
    let home = tempfile::tempdir().expect("home");
    let tmux = Tmux::client("nocard", 160, home.path(), &daemon.url, "bob", &[]);
    tmux.wait_for("#general", Duration::from_secs(20));
    tmux.type_line("/join");
    let screen = tmux.wait_until("a voice outcome", Duration::from_secs(30), |s| {
        s.contains("voice: no input device") || s.contains(" mic ")
    });
    assert!(
        !screen.contains("ALSA"),
        "audio library noise on screen:\n{screen}"
    );
    if screen.contains("voice: no input device") {
        assert!(screen.contains("voice off"), "{screen}");
        // The client is still alive and usable.
        tmux.type_line("still here");
        tmux.wait_for("still here", Duration::from_secs(10));
    }
    assert!(!tmux.capture().contains("EXITED"), "{}", tmux.capture());
}
