//! Test harness: an SFU and voice engines wired to it directly (no gateway).

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spectrus_sfu::{JoinOptions, Sfu, SfuConfig, SfuEvent};
use spectrus_voice::tone::goertzel_power;
use spectrus_voice::{
    AudioSource, EngineConfig, EngineSignal, MemoryBuffer, MemorySink, VoiceEngine,
};

/// Samples analysed for "does it hear the tone" (200 ms).
pub const WINDOW: usize = 9_600;

pub struct Harness {
    pub sfu: Sfu,
    engines: Arc<Mutex<HashMap<u64, Arc<VoiceEngine>>>>,
    pub events: Arc<Mutex<Vec<SfuEvent>>>,
}

pub struct Client {
    pub id: u64,
    pub engine: Arc<VoiceEngine>,
    pub audio: MemoryBuffer,
    /// The task relaying the engine's signals to the SFU; ends with the engine.
    pub pump: tokio::task::JoinHandle<()>,
}

impl Client {
    /// Power of `freq` in the newest 200 ms of playback.
    pub fn power(&self, freq: f32) -> f32 {
        goertzel_power(&self.audio.last(WINDOW), freq)
    }
    pub fn hears(&self, freq: f32) -> bool {
        self.power(freq) > 0.01
    }
    pub fn silent_at(&self, freq: f32) -> bool {
        self.power(freq) < 0.001
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

impl Harness {
    pub async fn new() -> Self {
        Self::with_config(SfuConfig::new("127.0.0.1:0".parse().unwrap())).await
    }

    pub async fn with_config(cfg: SfuConfig) -> Self {
        init_tracing();
        let (sfu, mut rx) = Sfu::start(cfg).await.expect("sfu start");
        let engines: Arc<Mutex<HashMap<u64, Arc<VoiceEngine>>>> = Arc::default();
        let events: Arc<Mutex<Vec<SfuEvent>>> = Arc::default();
        let (e2, ev2) = (engines.clone(), events.clone());
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                if let SfuEvent::Offer { participant, sdp } = &ev {
                    let engine = e2.lock().unwrap().get(participant).cloned();
                    if let Some(engine) = engine
                        && let Err(e) = engine.handle_offer(sdp.clone()).await
                    {
                        tracing::warn!(participant, error = %e, "offer failed");
                    }
                }
                ev2.lock().unwrap().push(ev);
            }
        });
        Self {
            sfu,
            engines,
            events,
        }
    }

    /// Start an engine for `id` playing `source`, and join it to `room`.
    pub async fn join(
        &self,
        room: u64,
        id: u64,
        source: impl AudioSource + 'static,
        opts: JoinOptions,
    ) -> Client {
        let (sink, audio) = MemorySink::new(48_000 * 5);
        let (engine, mut signals) = VoiceEngine::start(EngineConfig::default(), source, sink)
            .await
            .expect("engine start");
        let engine = Arc::new(engine);
        let sfu = self.sfu.clone();
        let pump = tokio::spawn(async move {
            while let Some(s) = signals.recv().await {
                match s {
                    EngineSignal::Answer(sdp) => {
                        if let Err(e) = sfu.answer(id, sdp).await {
                            tracing::warn!(id, error = %e, "answer rejected");
                        }
                    }
                    EngineSignal::Candidate { candidate, .. } => {
                        let _ = sfu.candidate(id, candidate).await;
                    }
                    EngineSignal::ConnectionState(_) => {}
                }
            }
        });
        self.engines.lock().unwrap().insert(id, engine.clone());
        self.sfu.join(room, id, opts).await.expect("join");
        Client {
            id,
            engine,
            audio,
            pump,
        }
    }

    pub async fn stop(&self, c: &Client) {
        c.engine.stop().await;
        let mut engines = self.engines.lock().unwrap();
        // Only if a newer engine did not take over this participant id.
        if engines
            .get(&c.id)
            .is_some_and(|e| Arc::ptr_eq(e, &c.engine))
        {
            engines.remove(&c.id);
        }
    }

    pub fn events(&self) -> Vec<SfuEvent> {
        self.events.lock().unwrap().clone()
    }
}

/// Poll `cond` every 50 ms until it holds or `secs` pass; returns whether it held.
pub async fn wait_for(secs: u64, cond: impl FnMut() -> bool) -> bool {
    wait_for_ms(secs * 1000, cond).await
}

/// Poll `cond` every 20 ms until it holds or `ms` pass; returns whether it held.
pub async fn wait_for_ms(ms: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// Poll the SFU's stats until `cond` holds or `secs` pass.
pub async fn wait_stats(
    sfu: &Sfu,
    secs: u64,
    mut cond: impl FnMut(&spectrus_sfu::SfuStats) -> bool,
) -> spectrus_sfu::SfuStats {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let s = sfu.stats().await;
        if cond(&s) || tokio::time::Instant::now() >= deadline {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Run a test body with an overall deadline so nothing can hang.
pub async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("test timed out");
}
