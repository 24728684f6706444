//! `spectrus-bench voice`: what a voice room costs the whole daemon, measured from outside.
//!
//! The release daemon runs alone; the room's WebRTC participants run in `voice-peers` helper
//! processes ([`peers`], this binary re-executed), a few dozen each. Speakers send a 20 ms
//! Opus tone frame every 20 ms with wall-clock RTP timestamps; every participant counts what
//! it receives per speaker. Over a measured window the bench reports the daemon's CPU time
//! (the scheduler's nanoseconds summed over its threads, `/proc/<pid>/task/*/schedstat`, with
//! utime + stime ticks from `/proc/<pid>/stat` beside them) per delivered packet, delivered against nominal
//! packets per second, delivery per speaker to every listener, one-way latency and the
//! daemon's RSS before, connected and after.
//!
//! `--listeners lite` hosts the non-speaking participants in `voice-lite` helpers instead
//! ([`lite`]): lean receivers on the sans-IO `rtc` crate that only count what SRTP opened and
//! its latency, about 7 µs a packet instead of the full engine's 15-20, so that the largest
//! rooms fit beside the daemon on a small machine. The speakers stay full engines in
//! `voice-peers` helpers. The daemon sees the same signalling and ICE/DTLS/SRTP either way.

pub(crate) mod lite;
pub(crate) mod mumble_peers;
mod murmur;
mod ocb2;
pub(crate) mod peers;
pub(crate) mod rooms;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use spectrus_client::Client;
use spectrus_proto::model::ChannelType;
use spectrus_proto::rest::CreateChannel;
use spectrus_testkit::TestDaemon;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::fanout::BENCH_ENV;
use crate::procstat;
use crate::report::histogram;

/// Packets per second one speaker sends (20 ms frames).
const PACKETS_PER_SECOND: f64 = 50.0;

/// Rooms with fewer participants are small: they cost the daemon little, so they are
/// measured longer by default.
pub(crate) const SMALL_ROOM: usize = 50;
/// Default measured seconds of a small room.
pub(crate) const SMALL_ROOM_SECONDS: u64 = 30;
/// Default measured seconds of the other rooms.
pub(crate) const ROOM_SECONDS: u64 = 10;

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Rooms as (participants, speakers).
    pub rooms: Vec<(usize, usize)>,
    /// Seconds measured per room; `None`: [`SMALL_ROOM_SECONDS`] for rooms under
    /// [`SMALL_ROOM`] participants, [`ROOM_SECONDS`] for the others.
    pub seconds: Option<u64>,
    /// Seconds between everyone connected and the measured window.
    pub warmup: u64,
    /// Participants per helper process.
    pub per_worker: usize,
    /// Repetitions of each room.
    pub repeat: usize,
    /// Which servers: spectrusd, murmurd or both (interleaved room by room).
    pub servers: Servers,
    /// What hosts the non-speaking participants of a Spectrus room.
    pub listeners: Listeners,
}

/// What a Spectrus room's listeners are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Listeners {
    /// Full `spectrus-voice` engines in `voice-peers` helpers, as the speakers.
    Engine,
    /// Lean `rtc` receivers in `voice-lite` helpers, one thread each (`voice/lite.rs`).
    Lite,
}

/// Which servers a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Servers {
    /// spectrusd only.
    Spectrus,
    /// Debian's mumble-server (murmurd) only.
    Mumble,
    /// Both, each room on one then the other.
    Both,
}

impl Options {
    /// Seconds measured for a room of `n` participants.
    pub(crate) fn seconds_for(&self, n: usize) -> u64 {
        self.seconds.unwrap_or(if n < SMALL_ROOM {
            SMALL_ROOM_SECONDS
        } else {
            ROOM_SECONDS
        })
    }
}

/// Parse `10/1,100/10` into rooms.
pub(crate) fn parse_rooms(s: &str) -> anyhow::Result<Vec<(usize, usize)>> {
    s.split(',')
        .map(|r| {
            let (n, k) = r
                .trim()
                .split_once('/')
                .with_context(|| format!("room {r:?} is not PARTICIPANTS/SPEAKERS"))?;
            let (n, k): (usize, usize) = (n.parse()?, k.parse()?);
            if n < 2 || k == 0 || k > n {
                bail!("room {r:?}: need at least 2 participants and 1..=participants speakers");
            }
            Ok((n, k))
        })
        .collect()
}

/// A participant's credentials, as the helpers get them.
#[derive(Clone)]
struct Account {
    user: u64,
    access: String,
    /// For a participant that rejoins after its access token expired (a long soak).
    refresh: Option<String>,
}

/// One helper process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Worker {
    async fn spawn(kind: &str, job: Value) -> anyhow::Result<Worker> {
        let exe = std::env::current_exe()?;
        let mut child = tokio::process::Command::new(exe)
            .arg(kind)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start a {kind} helper"))?;
        let mut stdin = child.stdin.take().context("helper stdin")?;
        let stdout = child.stdout.take().context("helper stdout")?;
        stdin.write_all(format!("{job}\n").as_bytes()).await?;
        stdin.flush().await?;
        Ok(Worker {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    async fn command(&mut self, cmd: &str) -> anyhow::Result<()> {
        self.stdin.write_all(format!("{cmd}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        Ok(())
    }

    /// The next line whose `event` is `event`.
    async fn expect(&mut self, event: &str, within: Duration) -> anyhow::Result<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.next_line())
                .await
                .with_context(|| format!("no {event} from a helper in time"))??
                .with_context(|| format!("a helper ended before {event}"))?;
            let v: Value = serde_json::from_str(&line)?;
            if v["event"] == event {
                return Ok(v);
            }
        }
    }
}

/// The counters of one measured window, summed over the helpers.
#[derive(Default)]
struct Window {
    sent: HashMap<u64, u64>,
    received: HashMap<(u64, u64), u64>,
    latency: Vec<(u64, u64)>,
}

impl Window {
    fn add(&mut self, snap: &Value) {
        if let Some(sent) = snap["sent"].as_object() {
            for (k, v) in sent {
                if let (Ok(k), Some(v)) = (k.parse(), v.as_u64()) {
                    *self.sent.entry(k).or_default() += v;
                }
            }
        }
        for r in snap["received"].as_array().into_iter().flatten() {
            if let (Some(l), Some(s), Some(n)) = (r[0].as_u64(), r[1].as_u64(), r[2].as_u64()) {
                *self.received.entry((l, s)).or_default() += n;
            }
        }
        for b in snap["latency"].as_array().into_iter().flatten() {
            if let (Some(v), Some(n)) = (b[0].as_u64(), b[1].as_u64()) {
                self.latency.push((v, n));
            }
        }
    }
}

/// `/proc/loadavg`'s three figures.
pub(crate) fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The figures of one room.
pub(crate) struct RoomFigures {
    pub server: &'static str,
    pub n: usize,
    pub k: usize,
    pub connected: usize,
    pub cpu_percent: f64,
    pub delivered_per_sec: f64,
    pub nominal_per_sec: f64,
    pub sent_per_sec: f64,
    /// Lowest delivery ratio of any (speaker, listener) pair, and pairs below 90 %.
    pub min_pair: f64,
    pub pairs_below_90: usize,
    pub pairs: usize,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub rss_kib: (u64, u64, u64),
    pub load: String,
    /// The CPU measure's details: nanoseconds, ticks, exited threads.
    pub cpu: procstat::NanoDelta,
}

impl RoomFigures {
    fn us_per_packet(&self) -> f64 {
        if self.delivered_per_sec > 0.0 {
            self.cpu_percent / 100.0 * 1e6 / self.delivered_per_sec
        } else {
            f64::NAN
        }
    }

    pub(crate) fn header() -> &'static str {
        "| room | server | connected | server CPU, % of one core | delivered pkt/s (nominal; sent x listeners) | CPU per delivered packet | worst speaker→listener pair; pairs < 90 % | latency p50 / p99 | RSS before / connected / after | load |\n|---|---|---|---|---|---|---|---|---|---|"
    }

    pub(crate) fn row(&self) -> String {
        let listeners = self.connected.saturating_sub(1) as f64;
        format!(
            "| {}/{} | {} | {} | {:.2} | {:.0} ({:.0}; {:.0}) | {:.1} µs | {:.1} %; {} of {} | {:.1} / {:.1} ms | {:.1} / {:.1} / {:.1} MiB | {} |",
            self.n,
            self.k,
            self.server,
            self.connected,
            self.cpu_percent,
            self.delivered_per_sec,
            self.nominal_per_sec,
            self.sent_per_sec * listeners,
            self.us_per_packet(),
            self.min_pair * 100.0,
            self.pairs_below_90,
            self.pairs,
            self.latency_p50_ms,
            self.latency_p99_ms,
            self.rss_kib.0 as f64 / 1024.0,
            self.rss_kib.1 as f64 / 1024.0,
            self.rss_kib.2 as f64 / 1024.0,
            self.load,
        )
    }

    /// How the CPU figure was measured, and the tick count beside it.
    pub(crate) fn cpu_note(&self) -> String {
        let c = &self.cpu;
        let exited = if c.exited == 0 {
            String::new()
        } else {
            format!(
                "; {} thread(s) exited in the window (their time after the first sample is only in the ticks)",
                c.exited
            )
        };
        format!(
            "  cpu {}/{} {}: {:.1} ms on the CPU in {:.1} s by schedstat ({:.2} %), {} ticks by /proc/<pid>/stat ({:.2} %){exited}",
            self.n,
            self.k,
            self.server,
            c.nanos as f64 / 1e6,
            c.secs,
            c.nanos as f64 / 1e9 / c.secs.max(1e-9) * 100.0,
            c.ticks,
            c.tick_percent(),
        )
    }
}

/// Delivery figures of a window: (delivered total, min pair ratio, pairs below 90 %, pairs).
fn delivery(w: &Window, members: &[u64]) -> (u64, f64, usize, usize) {
    let delivered: u64 = w.received.values().sum();
    let mut min = 1.0f64;
    let mut below = 0;
    let mut pairs = 0;
    for (&speaker, &sent) in &w.sent {
        if sent == 0 {
            continue;
        }
        for &listener in members.iter().filter(|&&l| l != speaker) {
            let got = w.received.get(&(listener, speaker)).copied().unwrap_or(0);
            let ratio = (got as f64 / sent as f64).min(1.0);
            pairs += 1;
            min = min.min(ratio);
            if ratio < 0.9 {
                below += 1;
            }
        }
    }
    (delivered, min, below, pairs)
}

/// Accounts for `n` participants on `d` (the owner first), with their access tokens.
async fn accounts(d: &TestDaemon, owner: &Client, n: usize) -> anyhow::Result<Vec<Account>> {
    let mut out = Vec::with_capacity(n);
    let me = owner.me().await?;
    out.push(Account {
        user: me.id.0,
        access: owner.access_token().context("owner token")?,
        // Not the owner's refresh token: the bench's own client refreshes with it, and a
        // refresh token used twice ends the session (reuse detection).
        refresh: None,
    });
    let mut set = tokio::task::JoinSet::new();
    let started = Instant::now();
    for chunk in (1..n).collect::<Vec<_>>().chunks(n.div_ceil(4).max(1)) {
        let chunk = chunk.to_vec();
        let owner = owner.clone();
        let clients: Vec<Client> = chunk.iter().map(|_| d.client()).collect();
        set.spawn(async move {
            let mut got = Vec::new();
            for (i, c) in chunk.into_iter().zip(clients) {
                let invite = owner
                    .create_invite(&spectrus_proto::rest::CreateInvite {
                        max_uses: Some(1),
                        max_age_seconds: None,
                    })
                    .await?;
                let s = c
                    .register(&spectrus_proto::rest::RegisterRequest {
                        username: format!("voice{i}"),
                        password: spectrus_testkit::PASSWORD.into(),
                        invite: Some(invite.code),
                        ..Default::default()
                    })
                    .await?;
                got.push(Account {
                    user: s.user.id.0,
                    access: c.access_token().context("member token")?,
                    refresh: c.refresh_token(),
                });
            }
            anyhow::Ok(got)
        });
    }
    while let Some(r) = set.join_next().await {
        out.extend(r??);
    }
    println!(
        "accounts: {} in {:.1} s",
        out.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(out)
}

/// Run one Spectrus room on `d`.
async fn spectrus_room(
    d: &TestDaemon,
    owner: &Client,
    accounts: &[Account],
    (n, k): (usize, usize),
    opts: &Options,
) -> anyhow::Result<RoomFigures> {
    let pid = d.pid().context("daemon pid")?;
    let channel = owner
        .create_channel(&CreateChannel::new(
            format!("bench-{n}-{k}-{}", rand_suffix()),
            ChannelType::Voice,
        ))
        .await?
        .id;
    let rss_before = procstat::rss_kib(pid);
    let members: Vec<&Account> = accounts.iter().take(n).collect();
    let per = opts.per_worker.max(1);
    // Everyone in `voice-peers` helpers, or the speakers there and the listeners in
    // `voice-lite` helpers.
    let (speakers, listeners) = members.split_at(k.min(members.len()));
    let groups: [(&str, &[&Account]); 2] = match opts.listeners {
        Listeners::Engine => [("voice-peers", &members[..]), ("voice-lite", &[])],
        Listeners::Lite => [("voice-peers", speakers), ("voice-lite", listeners)],
    };
    let mut workers = Vec::new();
    for (kind, group) in groups {
        if group.is_empty() {
            continue;
        }
        let workers_n = group.len().div_ceil(per);
        let mut jobs: Vec<Vec<Value>> = vec![Vec::new(); workers_n];
        for (i, a) in group.iter().enumerate() {
            // Speakers (the first k of a `voice-peers` group) spread over the helpers, round
            // robin.
            let speak = kind == "voice-peers" && i < k;
            jobs[i % workers_n].push(json!({"access": a.access, "user": a.user, "speak": speak}));
        }
        for peers in jobs {
            workers.push(
                Worker::spawn(
                    kind,
                    json!({"url": d.url, "channel": channel.0, "peers": peers}),
                )
                .await?,
            );
        }
    }
    let ids: Vec<u64> = members.iter().map(|a| a.user).collect();
    measure("spectrusd", pid, workers, (n, k), ids, rss_before, opts).await
}

/// Wait for the helpers to connect, warm up, measure a window, make everyone leave.
async fn measure(
    server: &'static str,
    pid: u32,
    mut workers: Vec<Worker>,
    (n, k): (usize, usize),
    mut ids: Vec<u64>,
    rss_before: u64,
    opts: &Options,
) -> anyhow::Result<RoomFigures> {
    let t = Instant::now();
    let mut connected = 0;
    let mut reported = Vec::new();
    for w in &mut workers {
        let v = w.expect("connected", Duration::from_secs(180)).await?;
        connected += v["ok"].as_u64().unwrap_or(0) as usize;
        reported.extend(
            v["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64),
        );
    }
    if !reported.is_empty() {
        ids = reported;
    }
    println!(
        "{server} {n}/{k}: {connected} of {n} connected in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(opts.warmup)).await;
    let rss_connected = procstat::rss_kib(pid);
    for w in &mut workers {
        w.command("snap").await?;
    }
    for w in &mut workers {
        w.expect("snap", Duration::from_secs(30)).await?;
    }
    let load = load();
    let cpu0 = procstat::cpu_nanos(pid);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(opts.seconds_for(n))).await;
    let cpu1 = procstat::cpu_nanos(pid);
    let secs = t0.elapsed().as_secs_f64();
    let cpu = procstat::nanos_between(&cpu0, &cpu1);
    for w in &mut workers {
        w.command("snap").await?;
    }
    let mut window = Window::default();
    for w in &mut workers {
        window.add(&w.expect("snap", Duration::from_secs(30)).await?);
    }
    for w in &mut workers {
        w.command("leave").await?;
    }
    for w in &mut workers {
        let _ = tokio::time::timeout(Duration::from_secs(20), w.child.wait()).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = procstat::rss_kib(pid);
    Ok(figures(
        server,
        (n, k),
        connected,
        &window,
        &ids,
        secs,
        cpu,
        (rss_before, rss_connected, rss_after),
        load,
    ))
}

/// Run one room against a fresh murmurd.
async fn mumble_room((n, k): (usize, usize), opts: &Options) -> anyhow::Result<RoomFigures> {
    let server = murmur::Murmur::start(n + 10).await?;
    let pid = server.pid();
    let rss_before = procstat::rss_kib(pid);
    let workers_n = n.div_ceil(opts.per_worker.max(1));
    let mut jobs: Vec<Vec<Value>> = vec![Vec::new(); workers_n];
    for i in 0..n {
        jobs[i % workers_n].push(json!({"name": format!("bench{i}"), "speak": i < k}));
    }
    let mut workers = Vec::new();
    for peers in jobs {
        workers.push(
            Worker::spawn(
                "mumble-peers",
                json!({"addr": server.addr().to_string(), "peers": peers}),
            )
            .await?,
        );
    }
    let f = measure(
        "murmurd",
        pid,
        workers,
        (n, k),
        Vec::new(),
        rss_before,
        opts,
    )
    .await;
    drop(server);
    f
}

#[allow(clippy::too_many_arguments)]
fn figures(
    server: &'static str,
    (n, k): (usize, usize),
    connected: usize,
    w: &Window,
    members: &[u64],
    secs: f64,
    cpu: procstat::NanoDelta,
    rss_kib: (u64, u64, u64),
    load: String,
) -> RoomFigures {
    let (delivered, min_pair, pairs_below_90, pairs) = delivery(w, members);
    let mut h = histogram();
    for &(v, c) in &w.latency {
        let _ = h.record_n(v.max(1), c);
    }
    RoomFigures {
        server,
        n,
        k,
        connected,
        cpu_percent: cpu.percent(),
        delivered_per_sec: delivered as f64 / secs,
        nominal_per_sec: k as f64 * PACKETS_PER_SECOND * (n - 1) as f64,
        sent_per_sec: w.sent.values().sum::<u64>() as f64 / secs,
        min_pair,
        pairs_below_90,
        pairs,
        latency_p50_ms: h.value_at_quantile(0.5) as f64 / 1000.0,
        latency_p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
        rss_kib,
        load,
        cpu,
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// Run every room against spectrusd, printing a table row per room.
pub(crate) async fn run(opts: Options) -> anyhow::Result<()> {
    let max_n = opts.rooms.iter().map(|r| r.0).max().unwrap_or(0);
    println!(
        "voice bench: rooms {:?}, {} s measured ({} s by default under {SMALL_ROOM} participants) after {} s warm-up, {} participants per helper process, listeners {:?}; load {}",
        opts.rooms,
        opts.seconds.unwrap_or(ROOM_SECONDS),
        opts.seconds.unwrap_or(SMALL_ROOM_SECONDS),
        opts.warmup,
        opts.per_worker,
        opts.listeners,
        load()
    );
    let d = TestDaemon::start_with(BENCH_ENV).await?;
    let owner = d.owner().await?;
    let accounts = accounts(&d, &owner, max_n).await?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for _ in 0..opts.repeat.max(1) {
        for &room in &opts.rooms {
            if opts.servers != Servers::Mumble {
                let f = spectrus_room(&d, &owner, &accounts, room, &opts).await?;
                println!("{}\n{}\n{}", RoomFigures::header(), f.row(), f.cpu_note());
                rows.push(f.row());
                notes.push(f.cpu_note());
            }
            if opts.servers != Servers::Spectrus {
                let f = mumble_room(room, &opts).await?;
                println!("{}\n{}\n{}", RoomFigures::header(), f.row(), f.cpu_note());
                rows.push(f.row());
                notes.push(f.cpu_note());
            }
        }
    }
    println!("\n{}", RoomFigures::header());
    for r in rows {
        println!("{r}");
    }
    println!();
    for n in notes {
        println!("{n}");
    }
    Ok(())
}
