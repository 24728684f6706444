//! Gateway fan-out and idle-session memory.
//!
//! Sessions are minimal WebSocket clients ([`crate::wsclient`]: identify, heartbeat, read)
//! so that the load generator stays cheap next to the daemon on the same two cores;
//! accounts and posting go through `spectrus-client`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use memchr::memmem::Finder;
use spectrus_client::Client;
use spectrus_proto::Id;
use spectrus_testkit::TestDaemon;
use tokio::sync::{Semaphore, watch};

use crate::procstat;
use crate::report::{histogram, latency_line};
use crate::wsclient::{Incoming, WsClient};

pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Environment for benchmark daemons: no auth rate limit (the bench registers many accounts),
/// no per-user rate limits and no connection cap (it posts fast, from one address).
pub(crate) const BENCH_ENV: &[(&str, &str)] = &[
    ("SPECTRUS_AUTH_PER_MINUTE", "1000000"),
    ("SPECTRUS_RATE_LIMITS", "off"),
    ("SPECTRUS_CONNECTIONS_PER_IP", "0"),
];

/// The owner plus `users - 1` members, all logged in.
pub(crate) async fn accounts(d: &TestDaemon, users: usize) -> anyhow::Result<Vec<Client>> {
    let owner = d.owner().await?;
    let mut out = vec![owner.clone()];
    for i in 1..users {
        out.push(d.member(&owner, &format!("user{i}")).await?);
    }
    Ok(out)
}

/// The `general` channel.
pub(crate) async fn general(c: &Client) -> anyhow::Result<Id> {
    Ok(c.channels()
        .await?
        .into_iter()
        .find(|c| c.name == "general")
        .context("no general channel")?
        .id)
}

/// A daemon with its owner, stopped so that the caller can fill its database directly:
/// returns the daemon, the owner's id (an author for seeded messages) and `general`.
pub(crate) async fn stopped_with_owner() -> anyhow::Result<(TestDaemon, Id, Id)> {
    let mut d = TestDaemon::start_with(BENCH_ENV).await?;
    let owner = d.owner().await?;
    let author = owner.me().await?.id;
    let ch = general(&owner).await?;
    d.stop();
    Ok((d, author, ch))
}

#[derive(Default)]
struct Counters {
    ready: AtomicUsize,
    failed: AtomicUsize,
    delivered: AtomicU64,
}

/// Finds the send time a bench message carries, in a gateway frame
/// (`"t":"MESSAGE_CREATE"`, then `"content":"bench <µs>"`) or an IRC line
/// (`PRIVMSG #bench :bench <µs>`): one forward scan of the received bytes with `memchr`'s
/// `memmem` searchers (built once, shared by every reader), stopping at the digits, and no
/// allocation, so that a WebSocket reader and an IRC reader do the same work per delivery.
pub(crate) struct Stamps {
    create: Finder<'static>,
    content: Finder<'static>,
    line: Finder<'static>,
}

const CREATE: &[u8] = br#""t":"MESSAGE_CREATE""#;
const CONTENT: &[u8] = br#""content":"bench "#;
const LINE: &[u8] = b" :bench ";

impl Stamps {
    pub(crate) fn new() -> Stamps {
        Stamps {
            create: Finder::new(CREATE),
            content: Finder::new(CONTENT),
            line: Finder::new(LINE),
        }
    }

    /// The send time in a gateway frame, if it is a bench message's `MESSAGE_CREATE`.
    pub(crate) fn frame(&self, frame: &[u8]) -> Option<u64> {
        let rest = &frame[self.create.find(frame)? + CREATE.len()..];
        digits(&rest[self.content.find(rest)? + CONTENT.len()..])
    }

    /// The send time in an IRC line, if it carries a bench message.
    pub(crate) fn line(&self, line: &[u8]) -> Option<u64> {
        digits(&line[self.line.find(line)? + LINE.len()..])
    }
}

/// The decimal number at the start of `b` (at least one digit, no overflow).
fn digits(b: &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    let mut any = false;
    for &d in b.iter().take_while(|b| b.is_ascii_digit()) {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        any = true;
    }
    any.then_some(n)
}

/// Whether `needle` occurs in `hay` (off the fan-out's path: `ready`, the frames before it).
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// One minimal session: identify, then read until told to stop. Returns latencies (µs).
async fn session(
    url: String,
    token: String,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
    connect: Arc<Semaphore>,
    stamps: Arc<Stamps>,
) -> Vec<u32> {
    let mut lat = Vec::new();
    let permit = connect.acquire_owned().await;
    let Ok(mut ws) = WsClient::connect(&url).await else {
        counters.failed.fetch_add(1, Ordering::Relaxed);
        return lat;
    };
    let identify = format!(r#"{{"op":"identify","d":{{"token":"{token}"}}}}"#);
    if ws.send_text(&identify).await.is_err() {
        counters.failed.fetch_add(1, Ordering::Relaxed);
        return lat;
    }
    loop {
        match ws.next_text().await {
            Ok(Incoming::Text(t)) if contains(t, br#""op":"ready""#) => break,
            Ok(Incoming::Text(_)) => {}
            _ => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                return lat;
            }
        }
    }
    drop(permit);
    counters.ready.fetch_add(1, Ordering::Relaxed);
    if ws
        .heartbeat(Duration::from_secs(20), r#"{"op":"heartbeat","d":{}}"#)
        .is_err()
    {
        return lat;
    }
    // Created once: a fresh `changed()` per frame would take the watch channel's lock
    // (shared by every session) twice per delivery.
    let stopped = stop.changed();
    tokio::pin!(stopped);
    loop {
        // Every complete frame of a read, in place (as the IRC clients take lines).
        let mut each = |t: &[u8]| {
            if let Some(sent) = stamps.frame(t) {
                lat.push(now_micros().saturating_sub(sent).min(u64::from(u32::MAX)) as u32);
                counters.delivered.fetch_add(1, Ordering::Relaxed);
            }
        };
        tokio::select! {
            _ = &mut stopped => break,
            r = ws.read_texts(&mut each) => {
                if !matches!(r, Ok(true)) {
                    break;
                }
            }
        }
        if ws.pinged() && ws.answer_pings().await.is_err() {
            break;
        }
    }
    lat
}

struct Sessions {
    handles: Vec<tokio::task::JoinHandle<Vec<u32>>>,
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
}

async fn open_sessions(d: &TestDaemon, clients: &[Client], n: usize) -> anyhow::Result<Sessions> {
    let counters = Arc::new(Counters::default());
    let (stop, stop_rx) = watch::channel(false);
    let connect = Arc::new(Semaphore::new(128));
    let stamps = Arc::new(Stamps::new());
    let url = clients[0].gateway_url();
    let tokens: Vec<String> = clients.iter().filter_map(Client::access_token).collect();
    let _ = d;
    let started = Instant::now();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        handles.push(tokio::spawn(session(
            url.clone(),
            tokens[i % tokens.len()].clone(),
            counters.clone(),
            stop_rx.clone(),
            connect.clone(),
            stamps.clone(),
        )));
    }
    while counters.ready.load(Ordering::Relaxed) + counters.failed.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if started.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("sessions did not connect in 5 minutes");
        }
    }
    println!(
        "sessions: {} ready, {} failed, in {:.1} s",
        counters.ready.load(Ordering::Relaxed),
        counters.failed.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    Ok(Sessions {
        handles,
        counters,
        stop,
    })
}

/// Posts `total` messages at `rate` per second on a runtime of its own; returns the
/// HTTP latency histogram and the number of failed posts.
pub(crate) fn post_at_rate(
    poster: Client,
    ch: Id,
    rate: u32,
    total: u64,
) -> anyhow::Result<(hdrhistogram::Histogram<u64>, u64)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
        let mut posts = tokio::task::JoinSet::new();
        for _ in 0..total {
            tick.tick().await;
            let c = poster.clone();
            posts.spawn(async move {
                let start = Instant::now();
                let r = c.say(ch, &format!("bench {}", now_micros())).await;
                r.map(|_| start.elapsed())
            });
        }
        let mut lat = histogram();
        let mut errors = 0;
        while let Some(r) = posts.join_next().await {
            match r {
                Ok(Ok(d)) => {
                    let _ = lat.record(d.as_micros().max(1) as u64);
                }
                _ => errors += 1,
            }
        }
        Ok((lat, errors))
    })
}

/// The fan-out benchmark.
pub(crate) async fn run(n: usize, rate: u32, duration: u64, users: usize) -> anyhow::Result<()> {
    let d = TestDaemon::start_with(BENCH_ENV).await?;
    let pid = d.pid().context("no daemon pid")?;
    let clients = accounts(&d, users.max(1)).await?;
    let poster = clients[0].clone();
    let ch = general(&poster).await?;
    let sessions = open_sessions(&d, &clients, n).await?;
    let ready = sessions.counters.ready.load(Ordering::Relaxed);

    let cpu0 = procstat::cpu(pid);
    let own0 = procstat::cpu(std::process::id());
    let t0 = Instant::now();
    let total = u64::from(rate) * duration;
    // The poster gets its own thread and runtime, so the readers' load in this process does
    // not delay its requests (the OS scheduler shares the cores fairly between them).
    let (post_lat, post_errors) = std::thread::spawn(move || post_at_rate(poster, ch, rate, total))
        .join()
        .map_err(|_| anyhow::anyhow!("poster thread panicked"))??;
    let expected = (total - post_errors) * ready as u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while sessions.counters.delivered.load(Ordering::Relaxed) < expected
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu1 = procstat::cpu(pid);
    let own1 = procstat::cpu(std::process::id());
    let rss = procstat::rss_kib(pid);
    let _ = sessions.stop.send(true);
    let mut h = histogram();
    for handle in sessions.handles {
        for l in handle.await.unwrap_or_default() {
            let _ = h.record(u64::from(l).max(1));
        }
    }
    let delivered = sessions.counters.delivered.load(Ordering::Relaxed);
    println!(
        "fanout: {ready} sessions, {rate} msg/s for {duration} s, {total} posted ({post_errors} failed)"
    );
    println!("{}", latency_line("post-to-delivery", &h));
    println!("{}", latency_line("post (HTTP 201)", &post_lat));
    println!(
        "deliveries: {delivered} of {expected} expected ({} lost), {:.0} deliveries/s",
        expected.saturating_sub(delivered),
        delivered as f64 / elapsed
    );
    println!(
        "daemon: CPU {:.0}% of one core, RSS {:.1} MiB, {} threads",
        procstat::cpu_percent(cpu0, cpu1),
        rss as f64 / 1024.0,
        procstat::threads(pid)
    );
    println!(
        "load generator (sessions and poster): CPU {:.0}% of one core",
        procstat::cpu_percent(own0, own1)
    );
    Ok(())
}

/// Idle memory: the daemon alone, then with `n` idle sessions.
pub(crate) async fn memory(n: usize) -> anyhow::Result<()> {
    let d = TestDaemon::start_with(BENCH_ENV).await?;
    let pid = d.pid().context("no daemon pid")?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let fresh = procstat::rss_kib(pid);
    println!(
        "idle daemon RSS, fresh start: {:.1} MiB ({} threads)",
        fresh as f64 / 1024.0,
        procstat::threads(pid)
    );
    let clients = accounts(&d, 10).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = procstat::rss_kib(pid);
    let sessions = open_sessions(&d, &clients, n).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let loaded = procstat::rss_kib(pid);
    let ready = sessions.counters.ready.load(Ordering::Relaxed).max(1);
    println!(
        "idle daemon RSS: {:.1} MiB ({} threads)",
        idle as f64 / 1024.0,
        procstat::threads(pid)
    );
    println!(
        "with {ready} idle sessions: {:.1} MiB, {:.1} KiB per session",
        loaded as f64 / 1024.0,
        (loaded.saturating_sub(idle)) as f64 / ready as f64
    );
    let _ = sessions.stop.send(true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Stamps, contains};

    #[test]
    fn a_frame_s_stamp_is_found_only_in_a_bench_message_create() {
        let s = Stamps::new();
        let create = br#"{"op":"dispatch","t":"MESSAGE_CREATE","d":{"id":"1","channel_id":"2","author":{"id":"3","username":"owner"},"content":"bench 1765000000123456","created_at":"x"},"s":7}"#;
        assert_eq!(s.frame(create), Some(1_765_000_000_123_456));
        // An edit of the same message, another event, a message without a stamp: none.
        let update = br#"{"op":"dispatch","t":"MESSAGE_UPDATE","d":{"content":"bench 12"},"s":8}"#;
        assert_eq!(s.frame(update), None);
        let other =
            br#"{"op":"dispatch","t":"MESSAGE_CREATE","d":{"content":"benchmark 12"},"s":9}"#;
        assert_eq!(s.frame(other), None);
        let no_digits = br#"{"op":"dispatch","t":"MESSAGE_CREATE","d":{"content":"bench x"}}"#;
        assert_eq!(s.frame(no_digits), None);
        // The content before the event's type (never sent so) is not taken for it.
        let before = br#"{"d":{"content":"bench 5"},"t":"MESSAGE_CREATE"}"#;
        assert_eq!(s.frame(before), None);
        let overflow = br#""t":"MESSAGE_CREATE","content":"bench 99999999999999999999""#;
        assert_eq!(s.frame(overflow), None);
    }

    #[test]
    fn a_line_s_stamp_is_found_in_a_privmsg_and_nowhere_else() {
        let s = Stamps::new();
        assert_eq!(
            s.line(b":poster!poster@127.0.0.1 PRIVMSG #bench :bench 42\r\n"),
            Some(42)
        );
        assert_eq!(
            s.line(b":bench.local 366 m1 #bench :End of /NAMES list.\r\n"),
            None
        );
        assert_eq!(s.line(b"PING :bench.local\r\n"), None);
        assert_eq!(s.line(b":p!p@h PRIVMSG #bench :bench \r\n"), None);
    }

    #[test]
    fn contains_finds_a_needle_anywhere() {
        assert!(contains(br#"{"op":"ready","d":{}}"#, br#""op":"ready""#));
        assert!(!contains(br#"{"op":"hello"}"#, br#""op":"ready""#));
    }
}
