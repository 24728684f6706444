//! The same community load against InspIRCd (Debian's `inspircd`), for a side-by-side
//! figure: a minimal IRC client per member (register, join `#bench`, read lines), one
//! poster sending `PRIVMSG`s at the rate. InspIRCd persists nothing.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};

use crate::fanout::{Stamps, now_micros};
use crate::figures::{FanoutCpu, Figures};
use crate::procstat;
use crate::report::latency_line;

struct Server {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(members: usize) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let limit = members + 100;
    let conf = format!(
        r#"<config format="xml">
<server name="bench.local" description="bench" network="bench">
<admin name="bench" nick="bench" email="bench@bench.local">
<bind address="127.0.0.1" port="{port}" type="clients">
<power diepass="" restartpass="">
<connect name="all" allow="*" maxchans="20" timeout="600" pingfreq="600" hardsendq="64M" softsendq="64M" recvq="64K" threshold="1000000" commandrate="100000000" fakelag="no" localmax="{limit}" globalmax="{limit}" limit="{limit}" useident="no" resolvehostnames="no" maxconnwarn="no" modes="">
<performance netbuffersize="10240" somaxconn="4096" softlimit="{limit}" clonesonconnect="no" timeskipwarn="0" quietbursts="yes">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="sparse" target="{log}">
<pid file="{pid}">
<dns timeout="1">
"#,
        log = dir.path().join("ircd.log").display(),
        pid = dir.path().join("ircd.pid").display(),
    );
    let path = dir.path().join("inspircd.conf");
    std::fs::write(&path, conf)?;
    let child = Command::new("/usr/sbin/inspircd")
        .arg("--nofork")
        .arg("--runasroot")
        .arg(format!("--config={}", path.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start /usr/sbin/inspircd (apt-get install inspircd)")?;
    Ok(Server {
        child,
        _dir: dir,
        port,
    })
}

#[derive(Default)]
struct Counters {
    ready: AtomicUsize,
    failed: AtomicUsize,
    lines: AtomicU64,
    delivered: AtomicU64,
}

/// Registers `nick` and joins `#bench`; returns the connection once the join's names list ended.
async fn join(port: u16, nick: &str, counters: &Counters) -> anyhow::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let mut conn = BufReader::with_capacity(4096, stream);
    conn.get_mut()
        .write_all(format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n").as_bytes())
        .await?;
    let mut line = Vec::with_capacity(512);
    loop {
        line.clear();
        anyhow::ensure!(conn.read_until(b'\n', &mut line).await? > 0, "closed");
        counters.lines.fetch_add(1, Ordering::Relaxed);
        if line.starts_with(b"PING") {
            line[1] = b'O';
            conn.get_mut().write_all(&line).await?;
        }
        // 001: registered, now join (a JOIN before it is refused).
        if line.windows(5).any(|w| w == b" 001 ") {
            conn.get_mut().write_all(b"JOIN #bench\r\n").await?;
        }
        // 366: end of the names list of our own join.
        if line.windows(5).any(|w| w == b" 366 ") {
            return Ok(conn);
        }
    }
}

async fn member(
    port: u16,
    i: usize,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
    connect: Arc<Semaphore>,
    stamps: Arc<Stamps>,
) -> Vec<u32> {
    let mut lat = Vec::new();
    let permit = connect.acquire_owned().await;
    let Ok(mut conn) = join(port, &format!("m{i}"), &counters).await else {
        counters.failed.fetch_add(1, Ordering::Relaxed);
        return lat;
    };
    drop(permit);
    counters.ready.fetch_add(1, Ordering::Relaxed);
    let stopped = stop.changed();
    tokio::pin!(stopped);
    let mut line = Vec::with_capacity(512);
    loop {
        line.clear();
        tokio::select! {
            _ = &mut stopped => break,
            r = conn.read_until(b'\n', &mut line) => {
                if !matches!(r, Ok(n) if n > 0) {
                    break;
                }
                if let Some(sent) = stamps.line(&line) {
                    lat.push(now_micros().saturating_sub(sent).min(u64::from(u32::MAX)) as u32);
                    counters.delivered.fetch_add(1, Ordering::Relaxed);
                } else if line.starts_with(b"PING") {
                    // Not counted: the server's keep-alive (every `pingfreq`, 600 s) would
                    // keep the line count from ever staying still on a long connect phase.
                    line[1] = b'O';
                    if conn.get_mut().write_all(&line).await.is_err() {
                        break;
                    }
                } else {
                    counters.lines.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
    lat
}

/// Posts `total` `PRIVMSG`s at `rate` per second from a joined client, on a thread and
/// runtime of its own (what the server sends it is read and dropped).
fn post(port: u16, rate: u32, total: u64) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let counters = Counters::default();
        let conn = join(port, "poster", &counters).await?;
        let (mut r, mut w) = conn.into_inner().into_split();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            while matches!(tokio::io::AsyncReadExt::read(&mut r, &mut buf).await, Ok(n) if n > 0) {}
        });
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
        for _ in 0..total {
            tick.tick().await;
            w.write_all(format!("PRIVMSG #bench :bench {}\r\n", now_micros()).as_bytes())
                .await?;
        }
        anyhow::Ok(())
    })
}

/// The community load against InspIRCd.
pub(crate) async fn run(members: usize, rate: u32, duration: u64) -> anyhow::Result<Figures> {
    let server = start(members)?;
    let pid = server.child.id();
    let port = server.port;
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(10),
            "inspircd did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut f = Figures {
        rss_before_kib: procstat::rss_kib(pid),
        ..Figures::default()
    };
    let counters = Arc::new(Counters::default());
    let (stop, stop_rx) = watch::channel(false);
    let connect = Arc::new(Semaphore::new(128));
    let stamps = Arc::new(Stamps::new());
    let cpu0 = procstat::cpu(pid);
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(members);
    for i in 0..members {
        handles.push(tokio::spawn(member(
            port,
            i,
            counters.clone(),
            stop_rx.clone(),
            connect.clone(),
            stamps.clone(),
        )));
    }
    crate::settle::all_connected(&counters.ready, &counters.failed, members, "IRC clients").await?;
    f.connect_secs = t0.elapsed().as_secs_f64();
    crate::settle::quiet(&counters.lines).await;
    f.connect_cpu_secs = procstat::cpu_seconds(cpu0, procstat::cpu(pid));
    f.connected = counters.ready.load(Ordering::Relaxed);
    f.rss_connected_kib = procstat::rss_kib(pid);
    f.frames_before_first = counters.lines.load(Ordering::Relaxed);

    let cpu = FanoutCpu::start(pid);
    let total = u64::from(rate) * duration;
    std::thread::spawn(move || post(port, rate, total))
        .join()
        .map_err(|_| anyhow::anyhow!("poster thread panicked"))??;
    f.expected = total * f.connected as u64;
    crate::settle::delivered(&counters.delivered, f.expected).await;
    cpu.finish(&mut f);
    let _ = stop.send(true);
    let h = crate::settle::latencies(handles).await;
    f.delivered = counters.delivered.load(Ordering::Relaxed);
    f.p50_ms = h.value_at_quantile(0.5) as f64 / 1000.0;
    f.p99_ms = h.value_at_quantile(0.99) as f64 / 1000.0;
    println!("{}", latency_line("inspircd post-to-delivery", &h));
    Ok(f)
}
