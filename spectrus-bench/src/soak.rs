//! Soak: many gateway clients with churn for minutes while a poster sends messages; the
//! daemon's resident memory, open file descriptors, threads and tokio tasks, and the
//! clients' delivery p99, printed every 30 s, and at the end whether each stayed flat
//! (last minute against the first minute after the warm-up). A leak shows as a steady
//! climb. The warm-up must
//! cover the resume window (5 min by default): a client that identifies afresh leaves its
//! old session waiting for a resume, with its buffer filling, until the window ends, so
//! memory rightly grows until then.
//!
//! Each client is a minimal WebSocket session ([`crate::wsclient`]) in `general`. Every
//! interval a fraction of them (`--churn`) drop their connection: half of those resume
//! their session (`resume` with the last sequence seen), the others identify afresh.
//! With `--voice-rooms N --voice-size M`, N voice rooms of M participants (one speaking in
//! each) run beside them in helper processes ([`crate::voice::rooms`]), and every interval
//! one participant per room leaves and joins again. The daemon's tokio task count comes
//! from its `/metrics` (`spectrus_runtime_tasks`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use spectrus_client::Client;
use spectrus_testkit::TestDaemon;
use tokio::sync::watch;

use crate::fanout::{BENCH_ENV, accounts, general};
use crate::procstat;
use crate::report::histogram;
use crate::rng::Rng;
use crate::voice::rooms::Rooms;
use crate::wsclient::{Incoming, WsClient};

/// How often figures are printed.
const SAMPLE_EVERY: Duration = Duration::from_secs(30);
/// Only every this many clients record latencies (the rest just read), to keep the
/// load generator's own CPU small.
const MEASURE_ONE_IN: usize = 10;

/// What the soak is asked to do.
pub(crate) struct Options {
    pub clients: usize,
    pub minutes: u64,
    /// Minutes of warm-up before the flatness baseline.
    pub warmup: u64,
    /// Fraction of clients that drop and reconnect each interval.
    pub churn: f64,
    /// Messages posted per second.
    pub rate: u32,
    /// Accounts the clients are spread over.
    pub users: usize,
    /// Voice rooms beside the gateway clients, and participants in each.
    pub voice_rooms: usize,
    pub voice_size: usize,
}

#[derive(Default)]
struct Counters {
    connected: AtomicU64,
    identifies: AtomicU64,
    resumes: AtomicU64,
    resume_refused: AtomicU64,
    failures: AtomicU64,
    delivered: AtomicU64,
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The digits right after `key` (`"s":12` → 12).
fn number_after(frame: &[u8], key: &[u8]) -> Option<u64> {
    let at = find(frame, key)? + key.len();
    let mut n: u64 = 0;
    let mut any = false;
    for d in frame[at..].iter().take_while(|b| b.is_ascii_digit()) {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        any = true;
    }
    any.then_some(n)
}

/// The string right after `key` (`"session_id":"abc"` → abc).
fn string_after(frame: &[u8], key: &[u8]) -> Option<String> {
    let at = find(frame, key)? + key.len();
    let end = frame[at..].iter().position(|b| *b == b'"')?;
    Some(String::from_utf8_lossy(&frame[at..at + end]).into_owned())
}

/// One client: connect, identify (or resume), read until its churn comes, again until stop.
async fn client(
    index: usize,
    url: String,
    account: Client,
    opts: (f64, Duration),
    counters: Arc<Counters>,
    window: Arc<Mutex<hdrhistogram::Histogram<u64>>>,
    mut stop: watch::Receiver<bool>,
) {
    let (churn, interval) = opts;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0x2545_F491));
    let measure = index.is_multiple_of(MEASURE_ONE_IN);
    let mut session: Option<(String, u64)> = None;
    let mut resume_next = false;
    // Spread the first connections over a few seconds.
    tokio::time::sleep(Duration::from_millis((index % 200) as u64 * 20)).await;
    while !*stop.borrow() {
        // Access tokens live 15 minutes: a longer soak refreshes before it (re)connects. The
        // accounts are shared by many clients; the SDK refreshes each once, under its lock.
        if account.refresh_if_needed().await.is_err() {
            counters.failures.fetch_add(1, Ordering::Relaxed);
        }
        let Some(token) = account.access_token() else {
            counters.failures.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        let Ok(mut ws) = WsClient::connect(&url).await else {
            counters.failures.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        let hello = match &session {
            Some((id, seq)) if resume_next => {
                counters.resumes.fetch_add(1, Ordering::Relaxed);
                format!(
                    r#"{{"op":"resume","d":{{"token":"{token}","session_id":"{id}","seq":{seq}}}}}"#
                )
            }
            _ => {
                counters.identifies.fetch_add(1, Ordering::Relaxed);
                format!(r#"{{"op":"identify","d":{{"token":"{token}"}}}}"#)
            }
        };
        if ws.send_text(&hello).await.is_err() {
            counters.failures.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        counters.connected.fetch_add(1, Ordering::Relaxed);
        // Each interval this client leaves with probability `churn`; when is spread evenly.
        let mut beat = tokio::time::interval(Duration::from_secs(20));
        beat.tick().await;
        let mut decide = tokio::time::interval_at(
            tokio::time::Instant::now() + interval.mul_f64(rng.next_f64()),
            interval,
        );
        let stopped = stop.changed();
        tokio::pin!(stopped);
        let mut last_seq = session.as_ref().map(|s| s.1).unwrap_or(0);
        let leave = loop {
            tokio::select! {
                _ = &mut stopped => break false,
                _ = beat.tick() => {
                    let hb = format!(r#"{{"op":"heartbeat","d":{{"seq":{last_seq}}}}}"#);
                    if ws.send_text(&hb).await.is_err() {
                        break true;
                    }
                }
                _ = decide.tick() => {
                    if rng.next_f64() < churn {
                        break true;
                    }
                }
                f = ws.next_text() => match f {
                    Ok(Incoming::Text(t)) => {
                        if let Some(s) = number_after(t, br#""s":"#) {
                            last_seq = s;
                        }
                        if find(t, br#""op":"ready""#).is_some() {
                            session = string_after(t, br#""session_id":""#).map(|id| (id, 0));
                            last_seq = 0;
                        } else if find(t, br#""op":"invalid_session""#).is_some() {
                            counters.resume_refused.fetch_add(1, Ordering::Relaxed);
                            session = None;
                            break true;
                        } else if let Some(at) = find(t, b"soak ") {
                            counters.delivered.fetch_add(1, Ordering::Relaxed);
                            if measure
                                && let Some(sent) = number_after(&t[at..], b"soak ")
                            {
                                let _ = window
                                    .lock()
                                    .unwrap_or_else(|p| p.into_inner())
                                    .record(now_micros().saturating_sub(sent).max(1));
                            }
                        }
                    }
                    _ => break true,
                }
            }
        };
        if let Some(s) = &mut session {
            s.1 = last_seq;
        }
        counters.connected.fetch_sub(1, Ordering::Relaxed);
        drop(ws);
        if !leave {
            break;
        }
        // Half of the leavers come back with a resume, the others identify afresh.
        resume_next = rng.next_f64() < 0.5;
        tokio::time::sleep(Duration::from_millis(50 + (rng.next_f64() * 450.0) as u64)).await;
    }
}

/// Open file descriptors of `pid`.
fn open_fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count() as u64)
        .unwrap_or(0)
}

/// One 30-second sample.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at_s: u64,
    rss_kib: u64,
    fds: u64,
    threads: u64,
    tasks: u64,
    p99_us: u64,
}

/// "flat" when `last` is within 10 % (and `slack` absolute) of `first`.
fn verdict(name: &str, first: u64, last: u64, slack: u64) -> String {
    let flat = last <= first + (first / 10).max(slack);
    format!(
        "{name}: {first} → {last} ({:+.1} %): {}",
        (last as f64 - first as f64) / (first.max(1) as f64) * 100.0,
        if flat { "flat" } else { "GROWING" }
    )
}

/// The daemon's `/metrics` address, from its log.
fn metrics_addr(d: &TestDaemon) -> Option<String> {
    d.log().iter().find_map(|l| {
        let url = l.split("metrics at http://").nth(1)?;
        let addr = url.split(['/', ' ']).next()?;
        Some(addr.to_owned())
    })
}

/// `spectrus_runtime_tasks` from `/metrics` at `addr` (0 if it cannot be read).
async fn runtime_tasks(addr: &str) -> u64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let read = async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await?;
        let mut text = String::new();
        s.read_to_string(&mut text).await?;
        anyhow::Ok(text)
    };
    let Ok(Ok(text)) = tokio::time::timeout(Duration::from_secs(5), read).await else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix("spectrus_runtime_tasks "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
        .unwrap_or(0)
}

/// Runs the soak.
pub(crate) async fn run(o: Options) -> anyhow::Result<()> {
    let mut env = BENCH_ENV.to_vec();
    env.extend([
        ("SPECTRUS_METRICS_ENABLED", "true"),
        ("SPECTRUS_METRICS_BIND", "127.0.0.1:0"),
    ]);
    let d = TestDaemon::start_with(&env).await?;
    let pid = d.pid().context("daemon pid")?;
    let clients: Vec<Client> = accounts(&d, o.users.max(2)).await?;
    let ch = general(&clients[0]).await?;
    let url = clients[0].gateway_url();
    let metrics = metrics_addr(&d);
    let mut voice = if o.voice_rooms > 0 {
        let t = Instant::now();
        let rooms = Rooms::start(&d, &clients[0], o.voice_rooms, o.voice_size).await?;
        println!(
            "voice: {} of {} participants connected in {} rooms in {:.1} s",
            rooms.connected,
            o.voice_rooms * o.voice_size.max(2),
            o.voice_rooms,
            t.elapsed().as_secs_f64()
        );
        Some(rooms)
    } else {
        None
    };
    println!(
        "soak: {} gateway clients over {} accounts, churn {:.0} % per {} s (half resume), \
         {} messages/s, {} min; {}",
        o.clients,
        clients.len(),
        o.churn * 100.0,
        SAMPLE_EVERY.as_secs(),
        o.rate,
        o.minutes,
        if o.voice_rooms > 0 {
            format!(
                "{} voice rooms of {} (one speaker each, one participant per room rejoining every {} s)",
                o.voice_rooms,
                o.voice_size.max(2),
                SAMPLE_EVERY.as_secs()
            )
        } else {
            "no voice rooms".to_owned()
        }
    );
    let counters = Arc::new(Counters::default());
    let window = Arc::new(Mutex::new(histogram()));
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(o.clients);
    for i in 0..o.clients {
        tasks.push(tokio::spawn(client(
            i,
            url.clone(),
            clients[i % clients.len()].clone(),
            (o.churn, SAMPLE_EVERY),
            counters.clone(),
            window.clone(),
            stop_rx.clone(),
        )));
    }
    // The poster: its own client, `rate` messages a second.
    let poster = clients[0].clone();
    let rate = o.rate.max(1);
    let posted = Arc::new(AtomicU64::new(0));
    let failed_posts = Arc::new(AtomicU64::new(0));
    let (p_posted, p_failed, mut p_stop) = (posted.clone(), failed_posts.clone(), stop_rx.clone());
    let posting = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
        loop {
            tokio::select! {
                _ = p_stop.changed() => break,
                _ = tick.tick() => {
                    let c = poster.clone();
                    let (ok, bad) = (p_posted.clone(), p_failed.clone());
                    tokio::spawn(async move {
                        match c.say(ch, &format!("soak {}", now_micros())).await {
                            Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                            Err(_) => bad.fetch_add(1, Ordering::Relaxed),
                        };
                    });
                }
            }
        }
    });

    let started = Instant::now();
    let end = started + Duration::from_secs(o.minutes * 60);
    let mut samples: Vec<Sample> = Vec::new();
    println!(
        "{:>5} {:>9} {:>6} {:>7} {:>6} {:>9} {:>9} {:>8} {:>8} {:>10} {:>9} {:>6} {:>8} {:>8}",
        "t (s)",
        "RSS MiB",
        "fds",
        "threads",
        "tasks",
        "connected",
        "identify",
        "resume",
        "refused",
        "delivered",
        "p99 ms",
        "voice",
        "voice rx",
        "rejoined"
    );
    let mut rejoined = 0usize;
    let mut first = true;
    while first || Instant::now() < end {
        // The first sample is the start (before the first interval); then every interval.
        if !first {
            tokio::time::sleep(SAMPLE_EVERY.min(end.saturating_duration_since(Instant::now())))
                .await;
        }
        let p99 = {
            let mut h = window.lock().unwrap_or_else(|p| p.into_inner());
            let v = if h.is_empty() {
                0
            } else {
                h.value_at_quantile(0.99)
            };
            h.reset();
            v
        };
        let s = Sample {
            at_s: started.elapsed().as_secs(),
            rss_kib: procstat::rss_kib(pid),
            fds: open_fds(pid),
            threads: procstat::threads(pid),
            tasks: match &metrics {
                Some(addr) => runtime_tasks(addr).await,
                None => 0,
            },
            p99_us: p99,
        };
        let (peers, rx) = match &mut voice {
            Some(v) => {
                let rx = v.received_per_sec().await?;
                (
                    v.connected.to_string(),
                    // The start's window is a moment long: no rate to speak of.
                    if first {
                        "-".to_owned()
                    } else {
                        format!("{:.0} %", rx / v.nominal_per_sec * 100.0)
                    },
                )
            }
            None => ("-".to_owned(), "-".to_owned()),
        };
        println!(
            "{:>5} {:>9.1} {:>6} {:>7} {:>6} {:>9} {:>9} {:>8} {:>8} {:>10} {:>9.1} {:>6} {:>8} {:>8}",
            s.at_s,
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.threads,
            s.tasks,
            counters.connected.load(Ordering::Relaxed),
            counters.identifies.load(Ordering::Relaxed),
            counters.resumes.load(Ordering::Relaxed),
            counters.resume_refused.load(Ordering::Relaxed),
            counters.delivered.load(Ordering::Relaxed),
            s.p99_us as f64 / 1000.0,
            peers,
            rx,
            rejoined
        );
        if !first {
            samples.push(s);
        }
        first = false;
        // Voice churn: one participant per room leaves and joins again.
        if let Some(v) = &mut voice
            && Instant::now() < end
        {
            rejoined += v.churn().await?;
        }
    }
    let _ = stop.send(true);
    let _ = posting.await;
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    println!(
        "posted {} ({} failed); connection failures {}",
        posted.load(Ordering::Relaxed),
        failed_posts.load(Ordering::Relaxed),
        counters.failures.load(Ordering::Relaxed)
    );
    if let Some(v) = voice {
        println!(
            "voice: {} participants connected at the end, {rejoined} rejoins",
            v.connected
        );
        v.leave().await;
    }
    // "First" is the minute after the warm-up, "last" the final minute (two samples each
    // at 30 s; the larger of the two); the delivery p99 is judged by its trend instead.
    let after_warmup: Vec<&Sample> = samples.iter().filter(|s| s.at_s > o.warmup * 60).collect();
    if after_warmup.len() < 4 {
        println!(
            "too short to judge flatness (needs {} minutes or more)",
            o.warmup + 2
        );
        return Ok(());
    }
    let pick =
        |list: &[&Sample], f: fn(&Sample) -> u64| list.iter().map(|s| f(s)).max().unwrap_or(0);
    let first = &after_warmup[..2];
    let last = &after_warmup[after_warmup.len() - 2..];
    println!(
        "flatness, first minute after the {} min warm-up → last minute:",
        o.warmup
    );
    for (name, f, slack) in [
        (
            "RSS KiB",
            (|s: &Sample| s.rss_kib) as fn(&Sample) -> u64,
            4096,
        ),
        ("open fds", |s: &Sample| s.fds, 20),
        ("threads", |s: &Sample| s.threads, 1),
        ("tokio tasks", |s: &Sample| s.tasks, 20),
    ] {
        println!("  {}", verdict(name, pick(first, f), pick(last, f), slack));
    }
    println!("  {}", latency_trend(&after_warmup));
    Ok(())
}

/// The delivery p99's trend after the warm-up. One 30-s window's p99 swings with whatever
/// else the machine does, so the first and last minutes alone would call one bad window a
/// trend: the Theil–Sen slope (the median of the slopes between every two windows) is
/// insensitive to such outliers. "GROWING" when that slope, over the span measured, adds
/// more than 10 % of the median window (and at least 2 ms).
fn latency_trend(windows: &[&Sample]) -> String {
    let mut slopes: Vec<f64> = Vec::new();
    for (i, a) in windows.iter().enumerate() {
        for b in &windows[i + 1..] {
            if b.at_s > a.at_s {
                slopes.push((b.p99_us as f64 - a.p99_us as f64) / (b.at_s - a.at_s) as f64);
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let slope = median(&mut slopes);
    let mut p99s: Vec<f64> = windows.iter().map(|s| s.p99_us as f64).collect();
    let typical = median(&mut p99s);
    let worst = p99s.last().copied().unwrap_or(0.0);
    let span = match (windows.first(), windows.last()) {
        (Some(a), Some(b)) => b.at_s.saturating_sub(a.at_s) as f64,
        _ => 0.0,
    };
    let rise = slope * span;
    let growing = rise > (typical / 10.0).max(2000.0);
    format!(
        "delivery p99 ms over {} windows: median {:.1}, worst {:.1}; trend {:+.1} ms over {:.0} s: {}",
        windows.len(),
        typical / 1000.0,
        worst / 1000.0,
        rise / 1000.0,
        span,
        if growing { "GROWING" } else { "flat" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(p99_ms: &[f64]) -> Vec<Sample> {
        p99_ms
            .iter()
            .enumerate()
            .map(|(i, ms)| Sample {
                at_s: 360 + 30 * i as u64,
                rss_kib: 0,
                fds: 0,
                threads: 0,
                tasks: 0,
                p99_us: (ms * 1000.0) as u64,
            })
            .collect()
    }

    fn trend(p99_ms: &[f64]) -> String {
        let w = windows(p99_ms);
        latency_trend(&w.iter().collect::<Vec<_>>())
    }

    #[test]
    fn one_bad_window_at_the_end_is_not_a_trend() {
        // The windows of a real run (2026-12-07) whose last, partial window met a build.
        let t = trend(&[30.5, 64.5, 31.2, 36.8, 120.5, 34.7, 31.7, 31.0, 623.1]);
        assert!(t.ends_with(": flat"), "{t}");
        assert!(t.contains("median 34.7"), "{t}");
    }

    #[test]
    fn a_steady_climb_is_growing() {
        let t = trend(&[20.0, 24.0, 28.0, 32.0, 36.0, 40.0, 44.0, 48.0]);
        assert!(t.ends_with(": GROWING"), "{t}");
    }
}
