//! Online backup under write load: a database filled to a target size with real messages, a
//! steady posting rate through the REST client, and `spectrusctl backup PATH` taken while it
//! runs. Posting latency before and during the backup, the backup's duration and size, and
//! `PRAGMA integrity_check` of the copy.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail, ensure};
use rusqlite::Connection;
use spectrus_client::{Client, HistoryQuery};
use spectrus_proto::Id;
use spectrusd::domain::snowflake::Snowflakes;
use spectrusd::store::messages::NewMessage;
use tokio::sync::watch;

use crate::fanout::stopped_with_owner;
use crate::procstat;
use crate::report::{histogram, latency_line};

/// What the benchmark is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Size of the database before the run, in MiB.
    pub size_mib: u64,
    /// Messages posted per second, before and during the backup.
    pub rate: u32,
    /// Seconds of unloaded posting measured before the backup.
    pub unloaded: u64,
    /// Seconds of unloaded posting measured after the backup (the machine is shared: a
    /// second unloaded window shows how much the baseline itself moves).
    pub after: u64,
    /// Where to write every post's start and latency (to line stalls up with a kernel
    /// trace; the run also writes a `spectrus-bench t0` mark into tracefs when it can).
    pub posts_log: Option<PathBuf>,
}

/// One post: when it started, how long it took, whether it was acknowledged.
#[derive(Debug, Clone, Copy)]
struct Post {
    start: Instant,
    took: Duration,
    ok: bool,
}

/// The `/proc/loadavg` triple, for the record.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `spectrusctl`: `SPECTRUSCTL_BIN`, else the one next to this binary.
fn spectrusctl_binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("SPECTRUSCTL_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .context("unexpected binary location")?
        .join("spectrusctl");
    ensure!(
        bin.exists(),
        "{} is missing: cargo build --release -p spectrusctl (or set SPECTRUSCTL_BIN)",
        bin.display()
    );
    Ok(bin)
}

/// Fills the (stopped) daemon's database with messages by `author` in `channel` until the
/// file reaches `target` bytes, through the daemon's own insert; returns how many.
fn fill(db: &Path, channel: Id, author: Id, target: u64) -> anyhow::Result<u64> {
    let mut c = Connection::open(db)?;
    c.pragma_update(None, "synchronous", "OFF")?;
    c.pragma_update(None, "cache_size", -262_144)?; // 256 MiB
    let ids = Snowflakes::new(7);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    // History from a day ago, so the daemon's new ids sort after it.
    let base = now.saturating_sub(86_400_000);
    let filler =
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. ".repeat(12);
    let mut n = 0u64;
    loop {
        let size: u64 = c.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64;
        if size >= target {
            break;
        }
        let tx = c.transaction()?;
        for _ in 0..50_000 {
            let m = NewMessage {
                id: ids.next_at(base + n / 4000),
                channel_id: channel,
                author_id: author,
                content: format!("backlog {n}: {filler}"),
                reply_to: None,
                nonce: None,
                mentions: Default::default(),
            };
            spectrusd::store::messages::insert(&tx, &m)?;
            n += 1;
        }
        tx.commit()?;
    }
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(c);
    // `synchronous = OFF` left the whole file dirty in the page cache: write it now, or the
    // restarted daemon's first checkpoint fsyncs 1 GiB (a 0.45 s stall in the warm-up).
    std::fs::File::open(db)?.sync_all()?;
    Ok(n)
}

/// Posts at `rate` per second until `stop`, each post in its own task (open loop).
async fn post_until(
    c: Client,
    ch: Id,
    rate: u32,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Vec<Post>> {
    let posts = Arc::new(Mutex::new(Vec::<Post>::new()));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
    let mut tasks = tokio::task::JoinSet::new();
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|v| *v) => break,
        }
        let c = c.clone();
        let posts = posts.clone();
        n += 1;
        tasks.spawn(async move {
            let start = Instant::now();
            let ok = c.say(ch, &format!("live {n}")).await.is_ok();
            let p = Post {
                start,
                took: start.elapsed(),
                ok,
            };
            posts.lock().unwrap_or_else(|p| p.into_inner()).push(p);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let posts = posts.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(posts)
}

/// Latencies of the posts that started in `[from, to)`, and how many of them failed.
fn window(posts: &[Post], from: Instant, to: Instant) -> (hdrhistogram::Histogram<u64>, u64) {
    let mut h = histogram();
    let mut failed = 0;
    for p in posts.iter().filter(|p| p.start >= from && p.start < to) {
        if p.ok {
            let _ = h.record(p.took.as_micros().max(1) as u64);
        } else {
            failed += 1;
        }
    }
    (h, failed)
}

/// Writes every post (start in microseconds after `t0`, latency in microseconds, acknowledged),
/// after a first line with the backup's start and end, for lining stalls up with a trace.
fn write_posts_log(
    path: &Path,
    posts: &[Post],
    t0: Instant,
    b0: Instant,
    b1: Instant,
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut out = format!(
        "backup {} {}\n",
        (b0 - t0).as_micros(),
        (b1 - t0).as_micros()
    );
    for p in posts {
        let _ = writeln!(
            out,
            "{} {} {}",
            p.start.saturating_duration_since(t0).as_micros(),
            p.took.as_micros(),
            p.ok
        );
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

/// `PRAGMA integrity_check` of the copy and how many messages it holds.
fn check_copy(path: &Path) -> anyhow::Result<(String, u64)> {
    let c = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut st = c.prepare("PRAGMA integrity_check")?;
    let rows: Vec<String> = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    let messages: i64 = c.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?;
    Ok((rows.join("; "), messages as u64))
}

/// The backup benchmark.
pub(crate) async fn run(o: Options) -> anyhow::Result<()> {
    let ctl = spectrusctl_binary()?;
    println!("backup: load average at start {}", loadavg());
    let (mut d, author, ch) = stopped_with_owner().await?;

    let db = d.data_dir.join("spectrus.db");
    let target = o.size_mib * 1024 * 1024;
    let t = Instant::now();
    let db2 = db.clone();
    let filled = tokio::task::spawn_blocking(move || fill(&db2, ch, author, target)).await??;
    let db_bytes = std::fs::metadata(&db)?.len();
    println!(
        "filled: {filled} messages, {:.0} MiB, in {:.1} s",
        db_bytes as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );

    d.restart().await?;
    let c = d.client();
    c.login("owner", spectrus_testkit::PASSWORD).await?;
    // The daemon serves the filled history.
    let page = c
        .messages(
            ch,
            HistoryQuery {
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?;
    ensure!(
        page.len() == 50 && page.iter().all(|m| m.content.starts_with("backlog ")),
        "the daemon does not serve the filled messages"
    );
    let pid = d.pid().context("no daemon pid")?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let poster = tokio::spawn(post_until(c.clone(), ch, o.rate, stop_rx));
    let t0 = Instant::now();
    if o.posts_log.is_some() {
        // Aligns the log with a kernel trace, when one is being taken (else ignored).
        let _ = std::fs::write("/sys/kernel/tracing/trace_marker", "spectrus-bench t0\n");
    }
    let warm = t0 + Duration::from_secs(2);
    tokio::time::sleep_until((warm + Duration::from_secs(o.unloaded)).into()).await;

    let dest = d.data_dir.join("backup.db");
    let cpu0 = procstat::cpu(pid);
    let b0 = Instant::now();
    let out = tokio::process::Command::new(&ctl)
        .arg("--socket")
        .arg(d.admin_socket())
        .arg("--json")
        .arg("backup")
        .arg(&dest)
        .stdin(Stdio::null())
        .output()
        .await?;
    let b1 = Instant::now();
    let cpu1 = procstat::cpu(pid);
    let settle = b1 + Duration::from_secs(1);
    tokio::time::sleep_until((settle + Duration::from_secs(o.after)).into()).await;
    let _ = stop_tx.send(true);
    let posts = poster.await??;
    if !out.status.success() {
        bail!(
            "spectrusctl backup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let bytes = answer["bytes"].as_u64().unwrap_or(0);

    if let Some(p) = &o.posts_log {
        write_posts_log(p, &posts, t0, b0, b1)?;
    }
    let (before, before_failed) = window(&posts, warm, b0);
    let (after, after_failed) = window(&posts, settle, settle + Duration::from_secs(o.after));
    let mut unloaded = before.clone();
    unloaded.add(&after).ok();
    let unloaded_failed = before_failed + after_failed;
    let (during, during_failed) = window(&posts, b0, b1);
    let acked_before = filled + before.len();
    println!("load average after the backup {}", loadavg());
    println!(
        "backup: {:.2} s, {:.0} MiB ({bytes} bytes); daemon CPU during it {:.0}% of one core",
        (b1 - b0).as_secs_f64(),
        bytes as f64 / 1048576.0,
        procstat::cpu_percent(cpu0, cpu1)
    );
    println!(
        "{}",
        latency_line(&format!("posting {}/s before the backup", o.rate), &before)
    );
    println!(
        "{}",
        latency_line(&format!("posting {}/s after the backup", o.rate), &after)
    );
    println!(
        "{} (failed {unloaded_failed})",
        latency_line(&format!("posting {}/s unloaded (both)", o.rate), &unloaded)
    );
    println!(
        "{} (failed {during_failed})",
        latency_line(&format!("posting {}/s during backup", o.rate), &during)
    );
    // The verdict is against the window before the backup; the window after it is shown
    // for how much the baseline moves on a shared machine.
    let p99 = |h: &hdrhistogram::Histogram<u64>| h.value_at_quantile(0.99) as f64;
    let ratio = p99(&during) / p99(&before).max(1.0);
    println!(
        "p99 during / before: {ratio:.2}x (target <= 2x: {}); during / both unloaded windows: {:.2}x",
        if ratio <= 2.0 { "met" } else { "NOT met" },
        p99(&during) / p99(&unloaded).max(1.0)
    );
    let t = Instant::now();
    let (integrity, copied) = tokio::task::spawn_blocking(move || check_copy(&dest)).await??;
    println!(
        "integrity_check: {integrity} ({:.1} s); messages in the copy: {copied} (>= {acked_before} acknowledged before it started: {})",
        t.elapsed().as_secs_f64(),
        copied >= acked_before
    );
    ensure!(integrity == "ok", "the backup is damaged: {integrity}");
    ensure!(
        copied >= acked_before,
        "the backup lacks acknowledged messages"
    );
    Ok(())
}
