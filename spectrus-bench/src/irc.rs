//! The same community load against InspIRCd (Debian's `inspircd`), for a side-by-side
//! figure: a minimal IRC client per member (register, join `#bench`, read lines), one
//! poster sending `PRIVMSG`s at the rate. InspIRCd persists nothing.
//!
//! A client reads as the WebSocket sessions do ([`crate::wsclient`]): one read of whatever
//! the socket has, then every complete line in the buffer handed over in place ([`Lines`]),
//! so that the two halves' readers do the same work per delivery.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
    reads: AtomicU64,
}

/// An IRC connection's reading side: a buffer of what was read and not yet handed over.
pub(crate) struct Lines {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Bytes of `buf` already handed over.
    start: usize,
}

impl Lines {
    fn new(stream: TcpStream) -> Lines {
        Lines {
            stream,
            buf: Vec::with_capacity(crate::readbuf::READ),
            start: 0,
        }
    }

    /// Hands every complete line in the buffer (with its `\r\n`) to `each`, reading once
    /// from the socket first when no complete line is buffered; returns `false` once the
    /// server closed the connection. Safe to cancel: nothing is written.
    pub(crate) async fn read_lines(
        &mut self,
        each: &mut impl FnMut(&[u8]),
    ) -> std::io::Result<bool> {
        loop {
            let mut any = false;
            while let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..]) {
                let end = self.start + i + 1;
                each(&self.buf[self.start..end]);
                self.start = end;
                any = true;
            }
            if any {
                return Ok(true);
            }
            crate::readbuf::make_room(&mut self.buf, &mut self.start);
            if self.buf.len() > 64 * 1024 {
                return Err(std::io::Error::other("line too long"));
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Ok(false);
            }
        }
    }
}

/// `line` with `PING` turned into `PONG`, if it is the server's ping.
fn pong(line: &[u8]) -> Option<Vec<u8>> {
    line.starts_with(b"PING").then(|| {
        let mut p = line.to_vec();
        p[1] = b'O';
        p
    })
}

/// Registers `nick` and joins `#bench`; returns the connection once the join's names list ended.
async fn join(port: u16, nick: &str, counters: &Counters) -> anyhow::Result<Lines> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let mut conn = Lines::new(stream);
    conn.stream
        .write_all(format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n").as_bytes())
        .await?;
    let (mut registered, mut joined) = (false, false);
    let mut pongs = Vec::new();
    loop {
        let open = conn
            .read_lines(&mut |line| {
                counters.lines.fetch_add(1, Ordering::Relaxed);
                if let Some(p) = pong(line) {
                    pongs.extend_from_slice(&p);
                }
                // 001: registered, now join (a JOIN before it is refused).
                registered |= memchr::memmem::find(line, b" 001 ").is_some();
                // 366: end of the names list of our own join.
                joined |= memchr::memmem::find(line, b" 366 ").is_some();
            })
            .await?;
        anyhow::ensure!(open, "closed");
        if !pongs.is_empty() {
            conn.stream.write_all(&pongs).await?;
            pongs.clear();
        }
        if std::mem::take(&mut registered) {
            conn.stream.write_all(b"JOIN #bench\r\n").await?;
        }
        if joined {
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
    let mut pongs = Vec::new();
    let mut reads = 0u64;
    loop {
        let before = lat.len();
        let mut each = |line: &[u8]| {
            if let Some(sent) = stamps.line(line) {
                lat.push(now_micros().saturating_sub(sent).min(u64::from(u32::MAX)) as u32);
                counters.delivered.fetch_add(1, Ordering::Relaxed);
            } else if let Some(p) = pong(line) {
                // Not counted: the server's keep-alive (every `pingfreq`, 600 s) would keep
                // the line count from ever staying still on a long connect phase.
                pongs.extend_from_slice(&p);
            } else {
                counters.lines.fetch_add(1, Ordering::Relaxed);
            }
        };
        tokio::select! {
            _ = &mut stopped => break,
            r = conn.read_lines(&mut each) => {
                if !matches!(r, Ok(true)) {
                    break;
                }
            }
        }
        reads += u64::from(lat.len() > before);
        if !pongs.is_empty() {
            if conn.stream.write_all(&pongs).await.is_err() {
                break;
            }
            pongs.clear();
        }
    }
    counters.reads.fetch_add(reads, Ordering::Relaxed);
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
        let (mut r, mut w) = conn.stream.into_split();
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

    eprintln!("fan-out starts (inspircd)");
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
    f.reads = counters.reads.load(Ordering::Relaxed);
    f.p50_ms = h.value_at_quantile(0.5) as f64 / 1000.0;
    f.p99_ms = h.value_at_quantile(0.99) as f64 / 1000.0;
    println!("{}", latency_line("inspircd post-to-delivery", &h));
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::{Lines, pong};
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn read_lines_hands_over_every_complete_line_of_a_read() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            for part in [
                &b"PING :x\r\n:a PRIV"[..],
                b"MSG #b :bench 1\r\n:c 366 d\r\n",
            ] {
                s.write_all(part).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        });
        let mut lines = Lines::new(tokio::net::TcpStream::connect(addr).await.unwrap());
        let mut got: Vec<Vec<u8>> = Vec::new();
        while lines
            .read_lines(&mut |l| got.push(l.to_vec()))
            .await
            .unwrap()
        {}
        server.await.unwrap();
        assert_eq!(
            got,
            vec![
                b"PING :x\r\n".to_vec(),
                b":a PRIVMSG #b :bench 1\r\n".to_vec(),
                b":c 366 d\r\n".to_vec(),
            ]
        );
        assert_eq!(pong(&got[0]).unwrap(), b"PONG :x\r\n");
        assert_eq!(pong(&got[1]), None);
    }
}
