//! Debian's `mumble-server` (`murmurd`) on loopback with a temporary ini and database, for
//! the same rooms as spectrusd. Killed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running murmurd.
pub(crate) struct Murmur {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether this process's real uid is 0.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|v| v.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

impl Murmur {
    /// Start murmurd allowing `users` users and waits until it accepts connections.
    pub(crate) async fn start(users: usize) -> anyhow::Result<Murmur> {
        // `MURMURD_BIN` names another build or a wrapper (a profiler in front of it).
        let bin = match std::env::var_os("MURMURD_BIN") {
            Some(b) => std::path::PathBuf::from(b),
            None => ["/usr/sbin/murmurd", "/usr/bin/murmurd"]
                .into_iter()
                .map(std::path::PathBuf::from)
                .find(|p| p.exists())
                .context("murmurd not found: install Debian's mumble-server")?,
        };
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let ini = dir.path().join("murmur.ini");
        std::fs::write(
            &ini,
            format!(
                "database={db}\nlogfile={log}\npidfile=\nhost=127.0.0.1\nport={port}\n\
                 users={users}\nbandwidth=130000\nopusthreshold=0\nwelcometext=\n\
                 serverpassword=\nallowhtml=false\nmessageburst=1000\nmessagelimit=1000\n\
                 autobanAttempts=0\nautobanTimeframe=0\nautobanTime=0\nobfuscate=false\n\
                 sendversion=false\nlogdays=-1\n{uname}",
                db = dir.path().join("murmur.sqlite").display(),
                log = dir.path().join("murmur.log").display(),
                // As root, Debian's murmurd switches to its own user, who cannot read the
                // temporary directory; stay root instead.
                uname = if running_as_root() {
                    "uname=root\n"
                } else {
                    ""
                },
            ),
        )?;
        let child = Command::new(bin)
            .arg("-fg")
            .arg("-ini")
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start murmurd")?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let mut m = Murmur {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(m);
            }
            if let Some(status) = m.child.try_wait()? {
                let log =
                    std::fs::read_to_string(m._dir.path().join("murmur.log")).unwrap_or_default();
                bail!("murmurd exited ({status}): {log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("murmurd did not listen within 30 s")
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Murmur {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
