//! SFU load benchmark: one room with N participants of which K speak (440 Hz tones), all
//! real WebRTC clients (spectrus-voice engines, counting but not decoding) over loopback.
//! The SFU runs alone on its own thread, so its CPU use is measured separately.
//!
//! `cargo bench -p spectrus-sfu --bench sfu_bench -- [participants] [speakers] [seconds]`
//! (defaults 100 10 10). Prints figures; asserts nothing.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use spectrus_sfu::{JoinOptions, Sfu, SfuConfig, SfuEvent};
use spectrus_voice::{
    EngineConfig, EngineSignal, NullSink, SilenceSource, SineSource, VoiceEngine,
};

/// Resident memory of the process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of one thread, from /proc (clock ticks of 10 ms).
fn thread_cpu(tid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // After the command name: state(0, not numeric, skipped) ... utime is field 14 overall.
    let ticks = f.get(10).copied().unwrap_or(0) + f.get(11).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Threads of this process.
fn threads() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Duration::from_millis((f.get(10).copied().unwrap_or(0) + f.get(11).copied().unwrap_or(0)) * 10)
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100);
    let k = args.get(1).copied().unwrap_or(10).min(n);
    let secs = args.get(2).copied().unwrap_or(10);

    // The SFU starts its own thread (`spectrus-sfu`, a plain loop without a runtime).
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (sfu, events) = rt
        .block_on(Sfu::start(SfuConfig::new(
            "127.0.0.1:0".parse().expect("addr"),
        )))
        .expect("sfu start");
    let sfu_tid = std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|tid| {
            std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
                .is_ok_and(|c| c.trim() == "spectrus-sfu")
        })
        .expect("the spectrus-sfu thread");
    rt.block_on(run(sfu, events, sfu_tid, n, k, secs));
}

async fn run(
    sfu: Sfu,
    mut events: tokio::sync::mpsc::Receiver<SfuEvent>,
    sfu_tid: String,
    n: u64,
    k: u64,
    secs: u64,
) {
    println!("sfu-bench: {n} participants, {k} speaking, {secs} s measured");
    let threads0 = threads();
    let rss0 = rss_kib();
    // SFU-only memory: signalling-only participants in another room.
    for p in 0..n {
        sfu.join(2, 100_000 + p, JoinOptions::default())
            .await
            .expect("join");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_sfu_only = rss_kib();
    println!(
        "threads: {threads0} before, {} with {n} SFU participants (signalling only)",
        threads()
    );
    for p in 0..n {
        sfu.leave(100_000 + p).await;
    }
    while let Ok(_ev) = events.try_recv() {}

    let engines: Arc<std::sync::Mutex<std::collections::HashMap<u64, Arc<VoiceEngine>>>> =
        Arc::default();
    let e2 = engines.clone();
    let offers = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let o2 = offers.clone();
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if let SfuEvent::Offer { participant, sdp } = ev {
                o2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let engine = e2.lock().expect("lock").get(&participant).cloned();
                if let Some(engine) = engine {
                    let _ = engine.handle_offer(sdp).await;
                }
            }
        }
    });
    let rss1 = rss_kib();
    let t_join = Instant::now();
    for p in 0..n {
        let cfg = EngineConfig {
            playout: false,
            ..Default::default()
        };
        let (engine, mut signals) = if p < k {
            VoiceEngine::start(cfg, SineSource::new(440.0), NullSink).await
        } else {
            VoiceEngine::start(cfg, SilenceSource, NullSink).await
        }
        .expect("engine");
        if p >= k {
            engine.set_mute(true);
        }
        let engine = Arc::new(engine);
        engines.lock().expect("lock").insert(p, engine);
        let s = sfu.clone();
        tokio::spawn(async move {
            while let Some(sig) = signals.recv().await {
                match sig {
                    EngineSignal::Answer(sdp) => {
                        let _ = s.answer(p, sdp).await;
                    }
                    EngineSignal::Candidate { candidate, .. } => {
                        let _ = s.candidate(p, candidate).await;
                    }
                    EngineSignal::ConnectionState(_) => {}
                }
            }
        });
        sfu.join(1, p, JoinOptions::default()).await.expect("join");
    }
    // Wait for everyone to connect and renegotiation to settle.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let connected = engines
            .lock()
            .expect("lock")
            .values()
            .filter(|e| e.stats().connected)
            .count() as u64;
        let st = sfu.stats().await;
        // Tracks exist only for speakers: k per listener, k - 1 per speaker.
        if (connected == n && st.outbound_tracks as u64 == k * (n - 1)) || Instant::now() > deadline
        {
            println!(
                "setup: {connected}/{n} connected, {} outbound tracks, in {:.1} s",
                st.outbound_tracks,
                t_join.elapsed().as_secs_f64()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss2 = rss_kib();
    println!(
        "threads: {} with {n} connected participants and their {n} client engines in-process",
        threads()
    );

    let offers_setup = offers.load(std::sync::atomic::Ordering::Relaxed);
    println!("offers sent during setup: {offers_setup}");
    let s0 = sfu.stats().await;
    let cpu_sfu0 = thread_cpu(&sfu_tid);
    let cpu_all0 = process_cpu();
    let recv0: u64 = engines
        .lock()
        .expect("lock")
        .values()
        .map(|e| e.stats().packets_received)
        .sum();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let dt = t0.elapsed().as_secs_f64();
    let s1 = sfu.stats().await;
    let cpu_sfu = thread_cpu(&sfu_tid).saturating_sub(cpu_sfu0).as_secs_f64();
    let cpu_all = process_cpu().saturating_sub(cpu_all0).as_secs_f64();
    let recv1: u64 = engines
        .lock()
        .expect("lock")
        .values()
        .map(|e| e.stats().packets_received)
        .sum();

    let fwd = (s1.packets_out - s0.packets_out) as f64 / dt;
    let inp = (s1.packets_in - s0.packets_in) as f64 / dt;
    let expected = (k * (n - 1) * 50) as f64;
    println!("packets in:        {inp:.0}/s");
    println!("packets forwarded: {fwd:.0}/s (ideal {expected:.0}/s)");
    println!(
        "packets received by clients: {:.0}/s",
        (recv1 - recv0) as f64 / dt
    );
    println!(
        "SFU thread CPU:    {:.1}% of one core ({:.1} µs per forwarded packet)",
        cpu_sfu / dt * 100.0,
        if fwd > 0.0 {
            cpu_sfu / dt / fwd * 1e6
        } else {
            0.0
        }
    );
    println!(
        "whole process CPU: {:.1}% (SFU + {n} client engines)",
        cpu_all / dt * 100.0
    );
    let h = &s1.forward_latency;
    println!(
        "SFU-added latency: p50 ≤ {:?}, p99 ≤ {:?} ({} samples)",
        h.percentile(50.0).unwrap_or_default(),
        h.percentile(99.0).unwrap_or_default(),
        h.count()
    );
    println!(
        "memory: SFU only (unconnected peer) ≈ {} KiB/participant; SFU + client, connected ≈ {} KiB/participant",
        rss_sfu_only.saturating_sub(rss0) / n.max(1),
        rss2.saturating_sub(rss1) / n.max(1)
    );
    println!(
        "dropped {}, blocked {}",
        s1.packets_dropped, s1.packets_blocked
    );
    let all: Vec<Arc<VoiceEngine>> = engines.lock().expect("lock").values().cloned().collect();
    for e in all {
        e.stop().await;
    }
}
