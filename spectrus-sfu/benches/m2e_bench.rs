//! Mouth-to-ear latency engine → SFU → engine on loopback: a 20 ms click (1 kHz burst) is
//! injected into one engine's source every 600 ms; the other engine's sink timestamps the
//! frame where it appears. Default engine settings (20 ms frames, default jitter buffer).
//!
//! `cargo bench -p spectrus-sfu --bench m2e_bench -- [clicks]` (default 100). Prints p50/p99;
//! asserts nothing. Resolution: one 20 ms frame at each end (the media loops tick at 20 ms).

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spectrus_sfu::{JoinOptions, Sfu, SfuConfig, SfuEvent};
use spectrus_voice::{
    AudioSink, AudioSource, EngineConfig, EngineSignal, SilenceSource, VoiceEngine,
};

type Times = Arc<Mutex<Vec<Instant>>>;

/// Silence with a 20 ms 1 kHz burst every `period` frames; records when each burst is read.
struct ClickSource {
    n: u64,
    period: u64,
    injected: Times,
}

impl AudioSource for ClickSource {
    fn read_frame(&mut self, frame: &mut [f32]) {
        self.n += 1;
        if self.n.is_multiple_of(self.period) {
            for (i, s) in frame.iter_mut().enumerate() {
                *s = 0.8 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin();
            }
            if let Ok(mut v) = self.injected.lock() {
                v.push(Instant::now());
            }
        } else {
            frame.fill(0.0);
        }
    }
}

/// Records when a loud frame follows quiet ones.
struct ClickSink {
    quiet: u32,
    heard: Times,
}

impl AudioSink for ClickSink {
    fn write_frame(&mut self, frame: &[f32]) {
        let peak = frame.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        if peak > 0.2 {
            if self.quiet >= 5
                && let Ok(mut v) = self.heard.lock()
            {
                v.push(Instant::now());
            }
            self.quiet = 0;
        } else {
            self.quiet += 1;
        }
    }
}

fn main() {
    let clicks: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run(clicks));
}

async fn start(
    sfu: &Sfu,
    id: u64,
    source: impl AudioSource + 'static,
    sink: impl AudioSink + 'static,
) -> Arc<VoiceEngine> {
    let (engine, mut signals) = VoiceEngine::start(EngineConfig::default(), source, sink)
        .await
        .expect("engine");
    let engine = Arc::new(engine);
    let s = sfu.clone();
    tokio::spawn(async move {
        while let Some(sig) = signals.recv().await {
            match sig {
                EngineSignal::Answer(sdp) => {
                    let _ = s.answer(id, sdp).await;
                }
                EngineSignal::Candidate { candidate, .. } => {
                    let _ = s.candidate(id, candidate).await;
                }
                EngineSignal::ConnectionState(_) => {}
            }
        }
    });
    engine
}

async fn run(clicks: usize) {
    let (sfu, mut events) = Sfu::start(SfuConfig::new("127.0.0.1:0".parse().expect("addr")))
        .await
        .expect("sfu");
    let injected: Times = Arc::default();
    let heard: Times = Arc::default();
    let talker = start(
        &sfu,
        1,
        ClickSource {
            n: 0,
            period: 30,
            injected: injected.clone(),
        },
        spectrus_voice::NullSink,
    )
    .await;
    let listener = start(
        &sfu,
        2,
        SilenceSource,
        ClickSink {
            quiet: 0,
            heard: heard.clone(),
        },
    )
    .await;
    let engines = [(1u64, talker.clone()), (2u64, listener.clone())];
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if let SfuEvent::Offer { participant, sdp } = ev
                && let Some((_, e)) = engines.iter().find(|(id, _)| *id == participant)
            {
                let _ = e.handle_offer(sdp).await;
            }
        }
    });
    sfu.join(1, 1, JoinOptions::default()).await.expect("join");
    sfu.join(1, 2, JoinOptions::default()).await.expect("join");
    // Let the connections come up and the talker's track be negotiated.
    tokio::time::sleep(Duration::from_secs(3)).await;
    if let Ok(mut v) = injected.lock() {
        v.clear();
    }
    if let Ok(mut v) = heard.lock() {
        v.clear();
    }
    let deadline = Instant::now() + Duration::from_millis(600 * clicks as u64 + 2_000);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if heard.lock().map(|v| v.len()).unwrap_or(0) >= clicks {
            break;
        }
    }
    let inj = injected.lock().map(|v| v.clone()).unwrap_or_default();
    let got = heard.lock().map(|v| v.clone()).unwrap_or_default();
    // Pair each detection with the latest injection before it (clicks are 600 ms apart).
    let mut lat: Vec<Duration> = got
        .iter()
        .filter_map(|h| {
            let i = inj.iter().rev().find(|i| *i <= h)?;
            let d = h.duration_since(*i);
            (d < Duration::from_millis(500)).then_some(d)
        })
        .collect();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "mouth-to-ear (engine → SFU → engine, loopback): {} of {} clicks heard; p50 {:?}, p99 {:?}, max {:?}",
        lat.len(),
        inj.len(),
        pct(0.5),
        pct(0.99),
        lat.last().copied().unwrap_or_default()
    );
    let st = sfu.stats().await;
    println!(
        "SFU-added latency: p50 ≤ {:?}, p99 ≤ {:?}",
        st.forward_latency.percentile(50.0).unwrap_or_default(),
        st.forward_latency.percentile(99.0).unwrap_or_default()
    );
    talker.stop().await;
    listener.stop().await;
}
