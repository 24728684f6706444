//! One client abusing the daemon, another measuring: the victim's post-to-delivery latency
//! unloaded and while an attacker floods pings, connections or posts.
//!
//! The victim is one gateway session (127.0.0.1) receiving the messages a poster account
//! sends at a steady rate; each carries its send time. The attacker connects from
//! 127.0.0.2, so the per-IP connection cap applies to it alone, and reconnects whenever it
//! is cut off; it runs on its own runtime thread. The daemon runs with its default limits
//! (new connections per IP included: 20 at once, then 10 a second), except that messages are allowed
//! at 20 a second per member and channel so that the measuring poster is never limited.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use spectrus_client::{Client, Gateway};
use spectrus_proto::gateway::Dispatch;
use spectrus_testkit::TestDaemon;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::fanout::{accounts, general};
use crate::report::{histogram, latency_line};

/// What the attacker does during a phase.
#[derive(Debug, Clone, Copy)]
enum Attack {
    None,
    /// Identified sockets sending WebSocket pings as fast as they can.
    Pings,
    /// As many connections as it may open, each trickling a request body.
    Connections,
    /// Messages posted by 16 concurrent requests in a loop.
    Posts,
}

fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// A TCP connection to `addr` from 127.0.0.2.
async fn from_attacker(addr: std::net::SocketAddr) -> anyhow::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind("127.0.0.2:0".parse()?)?;
    Ok(sock.connect(addr).await?)
}

/// A masked client frame (payload under 126 bytes).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode, 0x80 | payload.len() as u8, 1, 2, 3, 4];
    f.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ [1, 2, 3, 4][i % 4]),
    );
    f
}

/// One ping flooder: handshake, identify, then pings until cut off; again and again.
async fn ping_flood(
    addr: std::net::SocketAddr,
    token: String,
    stop: Arc<AtomicBool>,
    cut: Arc<AtomicU64>,
) {
    let identify = serde_json::json!({"op": "identify", "d": {"token": token}}).to_string();
    let mut pings = Vec::new();
    for _ in 0..256 {
        pings.extend(frame(0x9, b"flood"));
    }
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = from_attacker(addr).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let req = format!(
            "GET /api/v1/gateway HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\n\
             Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        );
        if s.write_all(req.as_bytes()).await.is_err() {
            continue;
        }
        // The identify is longer than 125 bytes: send it with a 16-bit length.
        let mut id = vec![0x81, 0x80 | 126];
        id.extend_from_slice(&(identify.len() as u16).to_be_bytes());
        id.extend_from_slice(&[0, 0, 0, 0]);
        id.extend_from_slice(identify.as_bytes());
        let _ = s.write_all(&id).await;
        let (mut rd, mut wr) = s.into_split();
        // Drain what the server sends (pongs, the close) so it never waits on us.
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            while matches!(rd.read(&mut buf).await, Ok(n) if n > 0) {}
        });
        while !stop.load(Ordering::Relaxed) && wr.write_all(&pings).await.is_ok() {}
        reader.abort();
        cut.fetch_add(1, Ordering::Relaxed);
    }
}

/// One connection flooder: a login announcing a large body, trickled a byte at a time.
async fn connection_flood(addr: std::net::SocketAddr, stop: Arc<AtomicBool>, cut: Arc<AtomicU64>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = from_attacker(addr).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                    Content-Length: 100000\r\n\r\n{";
        if s.write_all(head.as_bytes()).await.is_err() {
            cut.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if s.write_all(b" ").await.is_err() {
                break;
            }
            // A refusal or a 408 arrives as data: the connection is over.
            let mut b = [0u8; 512];
            if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(1), s.read(&mut b)).await
            {
                let _ = n;
                break;
            }
        }
        cut.fetch_add(1, Ordering::Relaxed);
    }
}

/// One posting flooder.
async fn post_flood(
    c: Client,
    ch: spectrus_proto::Id,
    stop: Arc<AtomicBool>,
    refused: Arc<AtomicU64>,
) {
    while !stop.load(Ordering::Relaxed) {
        if c.say(ch, "flood").await.is_err() {
            refused.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The parties of a run.
struct Setup {
    addr: std::net::SocketAddr,
    poster: Client,
    attacker: Client,
    victim: Gateway,
    ch: spectrus_proto::Id,
    rate: u32,
    secs: u64,
}

/// Runs one phase: the poster posts at `rate` for `secs` while the attack goes on; prints
/// the victim's latencies and what it missed.
async fn phase(setup: &mut Setup, attack: Attack) -> anyhow::Result<()> {
    let Setup {
        addr,
        poster,
        attacker,
        victim,
        ch,
        rate,
        secs,
    } = setup;
    let (addr, ch, rate, secs) = (*addr, *ch, *rate, *secs);
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    // The attacker runs on its own runtime thread, so that its tasks do not delay the
    // victim's reading in this process (the cores are still shared, as on a real server).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut tasks = Vec::new();
    let token = attacker.access_token().context("attacker logged in")?;
    match attack {
        Attack::None => {}
        Attack::Pings => {
            for _ in 0..4 {
                tasks.push(rt.spawn(ping_flood(addr, token.clone(), stop.clone(), count.clone())));
            }
        }
        Attack::Connections => {
            for _ in 0..400 {
                tasks.push(rt.spawn(connection_flood(addr, stop.clone(), count.clone())));
            }
        }
        Attack::Posts => {
            for _ in 0..16 {
                tasks.push(rt.spawn(post_flood(
                    attacker.clone(),
                    ch,
                    stop.clone(),
                    count.clone(),
                )));
            }
        }
    }
    // Let the attack get going.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let total = u64::from(rate) * secs;
    let poster = poster.clone();
    let posting = tokio::spawn(async move {
        let every = Duration::from_secs_f64(1.0 / f64::from(rate));
        let start = tokio::time::Instant::now();
        let mut failed = 0u64;
        for i in 0..total {
            tokio::time::sleep_until(start + every * i as u32).await;
            if poster
                .say(ch, &format!("bench {}", now_micros()))
                .await
                .is_err()
            {
                failed += 1;
            }
        }
        failed
    });
    let mut h: Histogram<u64> = histogram();
    let deadline = Instant::now() + Duration::from_secs(secs + 10);
    while (h.len()) < total && Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        match victim.next_dispatch(left).await {
            Some((_, Dispatch::MessageCreate(m))) => {
                if let Some(t) = m
                    .content
                    .strip_prefix("bench ")
                    .and_then(|t| t.parse::<u64>().ok())
                {
                    let _ = h.record(now_micros().saturating_sub(t).max(1));
                }
            }
            Some(_) => {}
            None => break,
        }
    }
    let failed = posting.await.unwrap_or(total);
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
    }
    rt.shutdown_background();
    println!(
        "{}",
        latency_line(&format!("{attack:?}: victim post-to-delivery"), &h)
    );
    let what = match attack {
        Attack::None => "",
        Attack::Pings => "flooding sockets closed",
        Attack::Connections => "flooding connections ended (refused or 408)",
        Attack::Posts => "flood posts refused",
    };
    println!(
        "  posted {total} ({failed} failed), delivered {}, missed {}{}",
        h.len(),
        (total - failed).saturating_sub(h.len()),
        if what.is_empty() {
            String::new()
        } else {
            format!("; {what}: {}", count.load(Ordering::Relaxed))
        }
    );
    // Settle: let cut-off connections close.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}

/// The abuse benchmark: `rate` messages a second for `secs` per phase.
pub(crate) async fn run(rate: u32, secs: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("spectrusd.toml");
    std::fs::write(
        &config,
        "[limits]\nmessages_per_minute = 1200\nmessages_burst = 20\n",
    )?;
    let d = TestDaemon::start_with_args(
        &[
            ("SPECTRUS_RATE_LIMITS", "on"),
            ("SPECTRUS_AUTH_PER_MINUTE", "1000000"),
            // The daemon's defaults (the test kit turns this limit off).
            ("SPECTRUS_NEW_CONNECTIONS_PER_SECOND", "10"),
            ("SPECTRUS_NEW_CONNECTIONS_BURST", "20"),
        ],
        &["--config", config.to_str().context("path")?],
    )
    .await?;
    let clients = accounts(&d, 3).await?;
    let (poster, victim_c, attacker) = (clients[0].clone(), clients[1].clone(), clients[2].clone());
    let ch = general(&poster).await?;
    let victim = Gateway::connect(&victim_c).await?;
    let mut setup = Setup {
        addr: d.url.trim_start_matches("http://").parse()?,
        poster,
        attacker,
        victim,
        ch,
        rate,
        secs,
    };
    println!(
        "abuse: {rate} msg/s for {secs} s per phase; attacker from 127.0.0.2, victim from 127.0.0.1"
    );
    for attack in [
        Attack::None,
        Attack::Pings,
        Attack::Connections,
        Attack::Posts,
        Attack::None,
    ] {
        phase(&mut setup, attack).await?;
    }
    drop(d);
    Ok(())
}
