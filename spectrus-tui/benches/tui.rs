//! Terminal client benchmarks against real daemons. Prints figures; asserts nothing timed.
//!
//! ```text
//! cargo build -p spectrusd
//! SPECTRUSD_BIN=$PWD/target/debug/spectrusd cargo bench -p spectrus-tui --bench tui
//! ```
//!
//! 1. Startup to first drawn frame: the real binary in a tmux pane (`--server --user`,
//!    `SPECTRUS_PASSWORD`), from its "starting" log line to its "first frame drawn" line, and
//!    from spawning tmux until the pane shows anything; and until the chat view is drawn.
//! 2. Frame time while 100 messages/s arrive in the open channel, at 200x60: the real runner
//!    and reducer, drawn on ratatui's `TestBackend`.
//! 3. RSS (and idle CPU) of the real binary with three servers connected, restored from
//!    kept refresh tokens.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spectrus_proto::model::ChannelType;
use spectrus_testkit::{PASSWORD, TestDaemon};
use spectrus_tui::action::Action;
use spectrus_tui::config::Config;
use spectrus_tui::effect::Effect;
use spectrus_tui::net::tokens::{KeyringMode, TokenStore};
use spectrus_tui::net::{ClientRunner, RunnerOptions};
use spectrus_tui::reducer::update;
use spectrus_tui::runner::EffectRunner;
use spectrus_tui::saved::{SavedServer, SavedServers};
use spectrus_tui::state::AppState;

const BIN: &str = env!("CARGO_BIN_EXE_spectrus-tui");

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        startup().await?;
        frame_time().await?;
        rss_three_servers().await
    })
}

/// A tmux session on a private socket, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("spectrus-bench-{tag}-{}", std::process::id()),
        }
    }

    fn cmd(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .context("running tmux")?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn start(&self, cols: u16, rows: u16, command: &str) -> anyhow::Result<()> {
        let (c, r) = (cols.to_string(), rows.to_string());
        self.cmd(&["new-session", "-d", "-s", "b", "-x", &c, "-y", &r, command])?;
        Ok(())
    }

    fn capture(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "b"])
            .unwrap_or_default()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
        if let Ok(out) = Command::new("id").arg("-u").output() {
            let uid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            let _ = std::fs::remove_file(format!("/tmp/tmux-{uid}/{}", self.socket));
        }
    }
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The client's command line, with a clean environment rooted at `home`.
fn client_command(home: &Path, args: &str) -> String {
    let h = q(&home.to_string_lossy());
    format!(
        "env -i HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         XDG_STATE_HOME={h}/state TERM=xterm-256color PATH=/usr/bin:/bin \
         SPECTRUS_PASSWORD={pw} SPECTRUS_LOG=info {bin} {args}",
        pw = q(PASSWORD),
        bin = q(BIN),
    )
}

fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

fn log_time(log: &str, needle: &str) -> Option<time::OffsetDateTime> {
    let line = log.lines().find(|l| l.contains(needle))?;
    let stamp = line.split_whitespace().next()?;
    time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).ok()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

async fn startup() -> anyhow::Result<()> {
    let daemon = TestDaemon::start().await?;
    let owner = daemon.owner().await?;
    daemon.member(&owner, "bob").await?;
    let general = owner
        .channels()
        .await?
        .into_iter()
        .find(|c| c.kind == ChannelType::Text)
        .context("no text channel")?;
    let (mut inner, mut outer, mut chat) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..5 {
        let home = tempfile::tempdir()?;
        let tmux = Tmux::new(&format!("start{i}"));
        let args = format!("--server {} --user bob", q(&daemon.url));
        let t0 = Instant::now();
        tmux.start(
            120,
            40,
            &format!("exec {}", client_command(home.path(), &args)),
        )?;
        if wait_until(Duration::from_secs(10), || {
            !tmux.capture().trim().is_empty()
        }) {
            outer.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        let view = format!("#{}", general.name);
        if wait_until(Duration::from_secs(10), || tmux.capture().contains(&view)) {
            chat.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        let log =
            std::fs::read_to_string(home.path().join("state/spectrus/tui.log")).unwrap_or_default();
        if let (Some(a), Some(b)) = (
            log_time(&log, "starting"),
            log_time(&log, "first frame drawn"),
        ) {
            inner.push((b - a).as_seconds_f64() * 1000.0);
        }
    }
    println!("## Startup (real binary in tmux 120x40, 5 runs, median)");
    println!(
        "- main() to first drawn frame (log timestamps): {:.1} ms",
        median(&mut inner)
    );
    println!(
        "- spawn to first drawn frame seen in the pane (incl. tmux, exec): {:.1} ms",
        median(&mut outer)
    );
    println!(
        "- spawn to the logged-in chat view drawn (login + gateway ready + history): {:.1} ms",
        median(&mut chat)
    );
    Ok(())
}

async fn frame_time() -> anyhow::Result<()> {
    let daemon = TestDaemon::start().await?;
    let owner = daemon.owner().await?;
    daemon.member(&owner, "bob").await?;
    let channel = owner
        .channels()
        .await?
        .into_iter()
        .find(|c| c.kind == ChannelType::Text)
        .context("no text channel")?
        .id;
    let dir = tempfile::tempdir()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tokens = TokenStore::new(dir.path().join("tokens.toml"), KeyringMode::FileOnly);
    let mut runner = ClientRunner::new(
        tokio::runtime::Handle::current(),
        tx,
        RunnerOptions::new(None, tokens),
    );
    let mut state = AppState::new(Config::default());
    let key = state.add_server(&daemon.url);
    state.active = Some(key);
    update(
        &mut state,
        Action::Resize {
            width: 200,
            height: 60,
        },
    );
    runner.know_server(key, &daemon.url);
    runner.run(Effect::Login {
        server: key,
        url: daemon.url.clone(),
        username: "bob".into(),
        password: PASSWORD.into(),
    });
    let mut term = Terminal::new(TestBackend::new(200, 60))?;
    // Until the channel is open.
    let deadline = Instant::now() + Duration::from_secs(10);
    while state.server(key).and_then(|s| s.active_channel) != Some(channel) {
        if Instant::now() > deadline {
            bail!("the channel did not open");
        }
        if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            for fx in update(&mut state, a) {
                runner.run(fx);
            }
        }
    }
    // 100 messages/s for 5 s, from another user, each post its own task.
    let secs = 5u64;
    let feeder = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        for i in 0..(100 * secs) {
            tick.tick().await;
            let o = owner.clone();
            tokio::spawn(async move {
                let _ = o
                    .say(channel, &format!("load message {i} with some text in it"))
                    .await;
            });
        }
    });
    let (mut draws, mut updates) = (Vec::new(), Vec::new());
    let mut seen = 0usize;
    let end = Instant::now() + Duration::from_secs(secs + 2);
    while Instant::now() < end {
        let Ok(Some(first)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
        else {
            continue;
        };
        let t = Instant::now();
        let mut batch = vec![first];
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
        }
        for a in batch {
            if matches!(
                a,
                Action::Gateway {
                    event: spectrus_tui::action::GatewayEvent::Dispatch(
                        spectrus_proto::gateway::Dispatch::MessageCreate(_),
                    ),
                    ..
                }
            ) {
                seen += 1;
            }
            for fx in update(&mut state, a) {
                runner.run(fx);
            }
        }
        updates.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        term.draw(|f| spectrus_tui::ui::draw(f, &state))?;
        draws.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = feeder.await;
    draws.sort_by(|a, b| a.total_cmp(b));
    updates.sort_by(|a, b| a.total_cmp(b));
    println!("## Frame time, 100 messages/s into the open channel, 200x60 TestBackend");
    println!(
        "- {} frames, {} MESSAGE_CREATE applied over {} s",
        draws.len(),
        seen,
        secs
    );
    println!(
        "- draw: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pct(&draws, 0.5),
        pct(&draws, 0.95),
        pct(&draws, 0.99),
        pct(&draws, 1.0)
    );
    println!(
        "- reducer per batch: p50 {:.3} ms, p99 {:.3} ms",
        pct(&updates, 0.5),
        pct(&updates, 0.99)
    );
    Ok(())
}

fn proc_status(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

async fn rss_three_servers() -> anyhow::Result<()> {
    let home = tempfile::tempdir()?;
    let data = home.path().join("data/spectrus");
    let store = TokenStore::new(data.join("tui-tokens.toml"), KeyringMode::FileOnly);
    let mut daemons = Vec::new();
    let mut saved = SavedServers::default();
    for _ in 0..3 {
        let d = TestDaemon::start().await?;
        let owner = d.owner().await?;
        let bob = d.member(&owner, "bob").await?;
        let token = bob.refresh_token().context("no refresh token")?;
        store.save(&d.url, &token)?;
        saved.servers.push(SavedServer {
            url: d.url.clone(),
            username: Some("bob".into()),
            last_channel: None,
        });
        daemons.push(d);
    }
    saved.save(&data.join("tui-servers.toml"))?;
    let tmux = Tmux::new("rss");
    tmux.start(
        200,
        60,
        &format!("exec {}", client_command(home.path(), "")),
    )?;
    let log_path = home.path().join("state/spectrus/tui.log");
    let all_ready = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(&log_path)
            .map(|l| l.matches("gateway ready").count() >= 3)
            .unwrap_or(false)
    });
    if !all_ready {
        bail!("three gateways not ready; screen:\n{}", tmux.capture());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = tmux.cmd(&["display-message", "-p", "-t", "b", "#{pane_pid}"])?;
    let pid = pid.trim().to_owned();
    let rss = proc_status(&pid, "VmRSS:").context("no VmRSS")?;
    let hwm = proc_status(&pid, "VmHWM:").unwrap_or(0);
    let idle = 5u64;
    let before = cpu_ticks(&pid).unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(idle)).await;
    let after = cpu_ticks(&pid).unwrap_or(0);
    // Kernel clock ticks are 100 per second on Linux.
    let cpu_pct = (after.saturating_sub(before)) as f64 / (idle as f64 * 100.0) * 100.0;
    println!("## Three servers connected (real binary, 200x60 tmux pane)");
    println!(
        "- RSS {:.1} MiB (peak {:.1} MiB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    println!("- idle CPU over {idle} s: {cpu_pct:.2} %");
    drop(daemons);
    Ok(())
}
