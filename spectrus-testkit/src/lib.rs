//! Test harness: runs the real `spectrusd` binary on an ephemeral loopback port with a
//! temporary data directory, and hands out logged-in SDK clients.
//!
//! The binary is `SPECTRUSD_BIN` if set, else the `spectrusd` next to the running test's
//! target directory (built with `cargo build -p spectrusd` first when missing).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use spectrus_client::Client;
use spectrus_proto::rest::{CreateInvite, RegisterRequest};

pub mod fake_github;
pub mod hidden;
pub mod metrics;
pub mod tls;
#[cfg(feature = "voice")]
pub mod voice;

/// The setup code every test daemon is started with.
pub const SETUP_CODE: &str = "TEST-SETUP-0001";
/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery";

/// Where the daemon binary is.
pub fn daemon_binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("SPECTRUSD_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    // A binary: target/<profile>/<bin>; a test: target/<profile>/deps/<test>.
    let dir = exe.parent().context("unexpected binary location")?;
    let profile_dir = if dir.ends_with("deps") {
        dir.parent().context("unexpected test binary location")?
    } else {
        dir
    };
    let release = profile_dir.ends_with("release");
    let bin = profile_dir.join("spectrusd");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "spectrusd", "--bin", "spectrusd"])
            .args(release.then_some("--release"))
            .status()?;
        if !status.success() {
            bail!("cannot build spectrusd");
        }
    }
    Ok(bin)
}

/// A script in `dir` that runs the daemon binary with the per-user rate limits and the
/// new-connections-per-second limit off (unless its environment sets `SPECTRUS_RATE_LIMITS`
/// or `SPECTRUS_NEW_CONNECTIONS_PER_SECOND`), for harnesses that build the daemon's
/// environment themselves, like the browser tests' (`SPECTRUS_BIN`). It `exec`s, so the
/// process id stays the daemon's.
pub fn daemon_binary_without_rate_limits(dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let bin = daemon_binary()?;
    let bin = bin.to_str().context("the daemon's path is not UTF-8")?;
    anyhow::ensure!(!bin.contains('\''), "the daemon's path holds a quote");
    let script = dir.join("spectrusd");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n: \"${{SPECTRUS_RATE_LIMITS:=off}}\"\n: \"${{SPECTRUS_NEW_CONNECTIONS_PER_SECOND:=0}}\"\n\
             export SPECTRUS_RATE_LIMITS SPECTRUS_NEW_CONNECTIONS_PER_SECOND\nexec '{bin}' \"$@\"\n"
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    Ok(script)
}

/// A running daemon, killed when dropped.
pub struct TestDaemon {
    /// `http://127.0.0.1:PORT` (`https://` when the daemon serves TLS).
    pub url: String,
    /// A CA certificate (PEM) the clients handed out trust beside the system's.
    pub root_ca: Option<String>,
    /// The data directory (kept across restarts).
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    child: Option<Child>,
    env: Vec<(String, String)>,
    args: Vec<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl TestDaemon {
    /// Starts a daemon with defaults.
    pub async fn start() -> anyhow::Result<TestDaemon> {
        Self::start_with(&[]).await
    }

    /// Starts a daemon with extra environment variables.
    pub async fn start_with(env: &[(&str, &str)]) -> anyhow::Result<TestDaemon> {
        Self::start_with_args(env, &[]).await
    }

    /// Starts a daemon with extra environment variables and command-line arguments.
    pub async fn start_with_args(
        env: &[(&str, &str)],
        args: &[&str],
    ) -> anyhow::Result<TestDaemon> {
        let tmp = tempfile::tempdir()?;
        let data_dir = tmp.path().join("data");
        let mut d = TestDaemon {
            url: String::new(),
            root_ca: None,
            data_dir,
            _tmp: Some(tmp),
            child: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            args: args.iter().map(|a| a.to_string()).collect(),
            log: Arc::default(),
        };
        d.spawn(None).await?;
        Ok(d)
    }

    async fn spawn(&mut self, port: Option<u16>) -> anyhow::Result<()> {
        let bin = daemon_binary()?;
        let bind = format!("127.0.0.1:{}", port.unwrap_or(0));
        let mut cmd = Command::new(bin);
        cmd.args(&self.args);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SPECTRUS_BIND", &bind)
            .env("SPECTRUS_DATA_DIR", &self.data_dir)
            .env("SPECTRUS_SETUP_CODE", SETUP_CODE)
            .env("SPECTRUS_VOICE_UDP", "127.0.0.1:0")
            .env("SPECTRUS_LOG", "info")
            // Tests post and log in far faster than people do; those that test the per-user
            // rate limits turn them back on with `("SPECTRUS_RATE_LIMITS", "on")`.
            .env("SPECTRUS_RATE_LIMITS", "off")
            // Every test client comes from 127.0.0.1, and some open hundreds of connections
            // at once; tests of that limit set it (`SPECTRUS_NEW_CONNECTIONS_PER_SECOND`).
            .env("SPECTRUS_NEW_CONNECTIONS_PER_SECOND", "0")
            // Tests run their plugins' webhooks on loopback, as an operator with the plugin
            // on the same host does; tests of the SSRF guard set it to `false`.
            .env("SPECTRUS_PLUGINS_ALLOW_PRIVATE_WEBHOOKS", "true")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().context("cannot start spectrusd")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = mpsc::channel::<String>();
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(line.clone());
                let _ = tx.send(line);
            }
        });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
            while Instant::now() < deadline {
                match rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(line) => {
                        if let Some(rest) = line.split("listening on ").nth(1)
                            && rest.starts_with("http")
                        {
                            return Ok(rest
                                .split_whitespace()
                                .next()
                                .unwrap_or_default()
                                .to_owned());
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        bail!("spectrusd exited during start")
                    }
                }
            }
            bail!("spectrusd did not start within 30 s")
        })
        .await??;
        self.url = addr;
        Ok(())
    }

    /// Everything the daemon logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops the daemon (SIGKILL) so its data directory can be worked on; `restart` brings
    /// it back.
    pub fn stop(&mut self) {
        self.kill9();
    }

    /// The admin socket: `SPECTRUS_ADMIN_SOCKET` when the test set it, else the daemon's
    /// default for a start by hand, `<data_dir>/admin.sock`.
    pub fn admin_socket(&self) -> PathBuf {
        self.env
            .iter()
            .find(|(k, _)| k == "SPECTRUS_ADMIN_SOCKET")
            .map(|(_, v)| PathBuf::from(v))
            .unwrap_or_else(|| self.data_dir.join("admin.sock"))
    }

    /// Sends a signal to the daemon (e.g. SIGHUP to reload its configuration).
    pub fn signal(&self, sig: nix::sys::signal::Signal) -> anyhow::Result<()> {
        let pid = self.pid().context("not running")?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig)?;
        Ok(())
    }

    /// The daemon's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the daemon with SIGKILL (a crash).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and how long it took.
    pub fn terminate(&mut self) -> anyhow::Result<(Option<i32>, Duration)> {
        let mut c = self.child.take().context("not running")?;
        let started = Instant::now();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(c.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        let status = c.wait()?;
        Ok((status.code(), started.elapsed()))
    }

    /// Sets (or replaces) an environment variable of the daemon from its next
    /// [`restart`](Self::restart) on.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Stops (SIGKILL) and starts again on the same port with the same data directory.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let port = self.url.rsplit(':').next().and_then(|p| p.parse().ok());
        self.kill9();
        self.spawn(port).await
    }

    /// A client that is not logged in.
    pub fn client(&self) -> Client {
        match &self.root_ca {
            Some(ca) => Client::with_root_certificates(&self.url, ca.as_bytes()),
            None => Client::new(&self.url),
        }
        .unwrap_or_else(|e| panic!("bad test URL {}: {e}", self.url))
    }

    /// Claims the owner account `owner` and returns its logged-in client.
    pub async fn owner(&self) -> anyhow::Result<Client> {
        let c = self.client();
        c.register(&RegisterRequest {
            username: "owner".into(),
            password: PASSWORD.into(),
            setup_code: Some(SETUP_CODE.into()),
            ..Default::default()
        })
        .await?;
        Ok(c)
    }

    /// Registers `name` with a fresh invite made by `inviter`.
    pub async fn member(&self, inviter: &Client, name: &str) -> anyhow::Result<Client> {
        let invite = inviter
            .create_invite(&CreateInvite {
                max_uses: Some(1),
                max_age_seconds: None,
            })
            .await?;
        let c = self.client();
        c.register(&RegisterRequest {
            username: name.into(),
            password: PASSWORD.into(),
            invite: Some(invite.code),
            ..Default::default()
        })
        .await?;
        Ok(c)
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The wire error code of a failed call; panics (failing the test) when the call succeeded.
pub fn code<T: std::fmt::Debug>(r: Result<T, spectrus_client::ClientError>) -> String {
    match r {
        Err(e) => e.code().unwrap_or("not an API error").to_owned(),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The id of the seeded `general` text channel as `c` sees it.
pub async fn general(c: &Client) -> spectrus_proto::Id {
    seeded(c, "general channel", |ch| ch.name == "general")
        .await
        .id
}

/// The seeded voice channel (`Lounge`) as `c` sees it.
pub async fn lounge(c: &Client) -> spectrus_proto::model::Channel {
    seeded(c, "seeded voice channel", |ch| {
        ch.kind == spectrus_proto::model::ChannelType::Voice
    })
    .await
}

/// The first channel `c` sees that `is` picks; panics naming `what` when there is none.
/// Every message of `channel` as `c` sees it, walked backwards from the newest with
/// `before` in pages of `page`: newest first. Panics when a page is larger than asked or
/// not newest first.
pub async fn history_backwards(
    c: &Client,
    channel: spectrus_proto::Id,
    page: u32,
) -> Vec<spectrus_proto::model::Message> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let query = spectrus_client::HistoryQuery {
            before,
            limit: Some(page),
            ..Default::default()
        };
        let got = history_page(c, channel, query, page).await;
        let Some(oldest) = got.last() else {
            return all;
        };
        before = Some(oldest.id);
        all.extend(got);
    }
}

/// Every message of `channel` as `c` sees it, walked forwards from the first with `after`
/// in pages of `page`: oldest first. Panics as [`history_backwards`] does.
pub async fn history_forwards(
    c: &Client,
    channel: spectrus_proto::Id,
    page: u32,
) -> Vec<spectrus_proto::model::Message> {
    let mut all = Vec::new();
    let mut after = Some(spectrus_proto::Id(0));
    loop {
        let query = spectrus_client::HistoryQuery {
            after,
            limit: Some(page),
            ..Default::default()
        };
        let got = history_page(c, channel, query, page).await;
        let Some(newest) = got.first() else {
            return all;
        };
        after = Some(newest.id);
        all.extend(got.into_iter().rev());
    }
}

/// One page of history; checks its size and that it is newest first.
async fn history_page(
    c: &Client,
    channel: spectrus_proto::Id,
    query: spectrus_client::HistoryQuery,
    page: u32,
) -> Vec<spectrus_proto::model::Message> {
    let got = c
        .messages(channel, query)
        .await
        .unwrap_or_else(|e| panic!("cannot read history: {e}"));
    assert!(
        got.len() <= page as usize,
        "a page of {page} held {}",
        got.len()
    );
    assert!(
        got.windows(2).all(|w| w[0].id > w[1].id),
        "a page is newest first"
    );
    got
}

async fn seeded(
    c: &Client,
    what: &str,
    is: impl Fn(&spectrus_proto::model::Channel) -> bool,
) -> spectrus_proto::model::Channel {
    c.channels()
        .await
        .unwrap_or_else(|e| panic!("cannot list channels: {e}"))
        .into_iter()
        .find(|ch| is(ch))
        .unwrap_or_else(|| panic!("no {what}"))
}

/// Hides `channel` from members without a role that shows it: denies `@everyone`
/// `channels:view` there (as `c`, who may manage it); panics (failing the test) when refused.
pub async fn hide_from_everyone(c: &Client, channel: spectrus_proto::Id) {
    let everyone = c
        .roles()
        .await
        .unwrap_or_else(|e| panic!("cannot list roles: {e}"))
        .into_iter()
        .find(|r| r.position == 0)
        .unwrap_or_else(|| panic!("no @everyone role"))
        .id;
    let deny = [spectrus_proto::permissions::Permission::ChannelsView]
        .into_iter()
        .collect();
    let body = spectrus_proto::rest::OverwriteBody {
        allow: spectrus_proto::permissions::PermissionSet::EMPTY,
        deny,
    };
    c.put_overwrite(channel, everyone, &body)
        .await
        .unwrap_or_else(|e| panic!("cannot hide channel {channel}: {e}"));
}

/// Creates a top-level text channel called `name` (as `c`, who may manage channels) and
/// returns its id; panics (failing the test) when that is refused.
pub async fn text_channel(c: &Client, name: &str) -> spectrus_proto::Id {
    c.create_channel(&spectrus_proto::rest::CreateChannel::new(
        name,
        spectrus_proto::model::ChannelType::Text,
    ))
    .await
    .unwrap_or_else(|e| panic!("cannot create text channel {name}: {e}"))
    .id
}

/// Creates a top-level voice channel called `name` (as `c`, who may manage channels) and
/// returns its id; panics (failing the test) when that is refused.
pub async fn voice_channel(c: &Client, name: &str) -> spectrus_proto::Id {
    c.create_channel(&spectrus_proto::rest::CreateChannel::new(
        name,
        spectrus_proto::model::ChannelType::Voice,
    ))
    .await
    .unwrap_or_else(|e| panic!("cannot create voice channel {name}: {e}"))
    .id
}

/// Polls `cond` every 20 ms until it holds or `within` has passed; returns whether it held.
pub async fn eventually(within: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    cond()
}
