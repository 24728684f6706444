//! A community: one member account per gateway session, as in a real server (issue 20).
//!
//! The accounts are written into the bench daemon's own database while it is stopped, with
//! a cheap argon2 setting for the bench only (the daemon verifies a password with the
//! parameters stored in its hash, so logging in costs microseconds; the daemon's own
//! defaults are untouched). Then every member logs in, opens one session, and the bench
//! reports what connecting everyone cost (daemon CPU, per identify), the daemon's RSS with
//! everyone connected, the frames sessions received before the first message, and the
//! post-to-delivery latency of messages posted at a rate, with the CPU per delivery of the
//! server and of the bench's own readers during the fan-out (both servers share the cores
//! with them, so a costlier reader on one side would delay that side). With `--irc`, the same load runs
//! against InspIRCd (`/usr/sbin/inspircd`, [`crate::irc`]) in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
use spectrus_client::Client;
use spectrus_testkit::TestDaemon;
use tokio::sync::{Semaphore, watch};

use crate::fanout::{BENCH_ENV, Stamps, general};
use crate::figures::{FanoutCpu, Figures, loadavg};
use crate::procstat;
use crate::report::latency_line;
use crate::wsclient::{Incoming, WsClient};

/// The password of every seeded member.
const PASSWORD: &str = "bench password";

/// A cheap argon2id hash of [`PASSWORD`] (8 KiB, one pass): for the bench's accounts only.
fn cheap_hash() -> anyhow::Result<String> {
    let params = Params::new(8, 1, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// A daemon with its owner and `members - 1` more members written into its database, all
/// logged in: the daemon (running), the owner's client, and one access token per member
/// (the owner's first). Each member's HTTP client is dropped once it has its token: kept,
/// their idle keep-alive connections (one per member, on both sides) took as many file
/// descriptors as the sessions, and at 10,000 members a few sessions could not connect.
pub(crate) async fn seeded(
    members: usize,
    env: &[(&str, &str)],
) -> anyhow::Result<(TestDaemon, Client, Vec<String>)> {
    let mut d = TestDaemon::start_with(env).await?;
    let owner = d.owner().await?;
    let owner_id = owner.me().await?.id;
    d.stop();
    let hash = cheap_hash()?;
    let db = d.data_dir.join("spectrus.db");
    let mut conn = rusqlite::Connection::open(&db)?;
    let tx = conn.transaction()?;
    let now =
        (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?).as_millis() as i64;
    {
        let mut user = tx.prepare(
            "INSERT INTO users(id, username, display_name, password_hash, is_owner, disabled, created_at) \
             VALUES (?1, ?2, ?2, ?3, 0, 0, ?4)",
        )?;
        let mut member = tx.prepare("INSERT INTO members(user_id, joined_at) VALUES (?1, ?2)")?;
        for i in 1..members {
            let id = owner_id.0 as i64 + i as i64 * 4096;
            user.execute(rusqlite::params![id, format!("m{i}"), hash, now])?;
            member.execute(rusqlite::params![id, now])?;
        }
    }
    tx.commit()?;
    drop(conn);
    d.restart().await?;
    let logins = Arc::new(Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..members {
        let c = d.client();
        let logins = logins.clone();
        tasks.spawn(async move {
            let _permit = logins.acquire_owned().await;
            c.login(&format!("m{i}"), PASSWORD).await?;
            let token = c.access_token().context("not logged in")?;
            anyhow::Ok((i, token))
        });
    }
    let owner = d.client();
    owner.login("owner", spectrus_testkit::PASSWORD).await?;
    let mut tokens: Vec<Option<String>> = vec![None; members];
    tokens[0] = Some(owner.access_token().context("not logged in")?);
    let mut done = 0;
    while let Some(r) = tasks.join_next().await {
        let (i, token) = r??;
        tokens[i] = Some(token);
        done += 1;
        if done % 1000 == 0 {
            eprintln!("logged in {done} members");
        }
    }
    Ok((d, owner, tokens.into_iter().flatten().collect()))
}

#[derive(Default)]
struct Counters {
    ready: AtomicUsize,
    failed: AtomicUsize,
    frames: AtomicU64,
    presence: AtomicU64,
    delivered: AtomicU64,
    reads: AtomicU64,
}

/// One member's session: identify, then read (counting frames) until told to stop.
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
            Ok(Incoming::Text(t)) => {
                counters.frames.fetch_add(1, Ordering::Relaxed);
                if crate::fanout::contains(t, br#""op":"ready""#) {
                    break;
                }
            }
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
    let stopped = stop.changed();
    tokio::pin!(stopped);
    let mut reads = 0u64;
    loop {
        let before = lat.len();
        // Every complete frame of a read, in place (as the IRC clients take lines).
        let mut each = |t: &[u8]| {
            if let Some(sent) = stamps.frame(t) {
                lat.push(
                    crate::fanout::now_micros()
                        .saturating_sub(sent)
                        .min(u64::from(u32::MAX)) as u32,
                );
                counters.delivered.fetch_add(1, Ordering::Relaxed);
            } else if !crate::fanout::contains(t, br#""op":"heartbeat_ack""#) {
                // Not the acks of our own heartbeats: counted, they never let the frame
                // count stay still once connecting everyone took longer than the 20 s
                // heartbeat (N/20 acks a second), and the run hung waiting.
                counters.frames.fetch_add(1, Ordering::Relaxed);
                if crate::fanout::contains(t, br#""t":"PRESENCE_UPDATE""#) {
                    counters.presence.fetch_add(1, Ordering::Relaxed);
                }
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
        reads += u64::from(lat.len() > before);
        if ws.pinged() && ws.answer_pings().await.is_err() {
            break;
        }
    }
    counters.reads.fetch_add(reads, Ordering::Relaxed);
    lat
}

/// Runs the community benchmark against spectrusd (and InspIRCd with `irc`).
pub(crate) async fn run(members: usize, rate: u32, duration: u64, irc: bool) -> anyhow::Result<()> {
    println!(
        "community: {members} members, one session each, {rate} msg/s for {duration} s; load {}",
        loadavg()
    );
    let ours = spectrusd(members, rate, duration).await?;
    ours.print("spectrusd");
    if irc {
        let theirs = crate::irc::run(members, rate, duration).await?;
        theirs.print("inspircd");
    }
    println!("load after: {}", loadavg());
    Ok(())
}

async fn spectrusd(members: usize, rate: u32, duration: u64) -> anyhow::Result<Figures> {
    // `SPECTRUS_LARGE_SERVER_MEMBERS` in the bench's environment reaches the daemon (the
    // testkit clears the rest): large-server mode on or off for a comparison.
    let threshold = std::env::var("SPECTRUS_LARGE_SERVER_MEMBERS").ok();
    let mut env: Vec<(&str, &str)> = BENCH_ENV.to_vec();
    if let Some(t) = &threshold {
        env.push(("SPECTRUS_LARGE_SERVER_MEMBERS", t));
    }
    let (d, poster, tokens) = seeded(members, &env).await?;
    eprintln!("{} members logged in", tokens.len());
    let pid = d.pid().context("no daemon pid")?;
    let ch = general(&poster).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut f = Figures {
        rss_before_kib: procstat::rss_kib(pid),
        ..Figures::default()
    };
    let counters = Arc::new(Counters::default());
    let (stop, stop_rx) = watch::channel(false);
    let connect = Arc::new(Semaphore::new(128));
    let stamps = Arc::new(Stamps::new());
    let url = poster.gateway_url();
    let cpu0 = procstat::cpu(pid);
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(members);
    for token in tokens {
        handles.push(tokio::spawn(session(
            url.clone(),
            token,
            counters.clone(),
            stop_rx.clone(),
            connect.clone(),
            stamps.clone(),
        )));
    }
    // Measured from the first spawn: the connects started then.
    crate::settle::all_connected(&counters.ready, &counters.failed, members, "members").await?;
    f.connect_secs = t0.elapsed().as_secs_f64();
    // Let the presence storm drain: until no frame arrived for a second.
    crate::settle::quiet(&counters.frames).await;
    f.connect_cpu_secs = procstat::cpu_seconds(cpu0, procstat::cpu(pid));
    f.connected = counters.ready.load(Ordering::Relaxed);
    f.rss_connected_kib = procstat::rss_kib(pid);
    f.frames_before_first = counters.frames.load(Ordering::Relaxed);
    f.presence_before_first = counters.presence.load(Ordering::Relaxed);

    eprintln!("fan-out starts (spectrusd)");
    let cpu = FanoutCpu::start(pid);
    let total = u64::from(rate) * duration;
    let (_, post_errors) =
        std::thread::spawn(move || crate::fanout::post_at_rate(poster, ch, rate, total))
            .join()
            .map_err(|_| anyhow::anyhow!("poster thread panicked"))??;
    f.expected = (total - post_errors) * f.connected as u64;
    crate::settle::delivered(&counters.delivered, f.expected).await;
    cpu.finish(&mut f);
    let _ = stop.send(true);
    let h = crate::settle::latencies(handles).await;
    f.delivered = counters.delivered.load(Ordering::Relaxed);
    f.reads = counters.reads.load(Ordering::Relaxed);
    f.p50_ms = h.value_at_quantile(0.5) as f64 / 1000.0;
    f.p99_ms = h.value_at_quantile(0.99) as f64 / 1000.0;
    println!("{}", latency_line("spectrusd post-to-delivery", &h));
    Ok(f)
}
