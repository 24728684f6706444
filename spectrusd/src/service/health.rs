//! Liveness and readiness: what `/healthz` and `/readyz` answer.
//!
//! Liveness is only "the process answers". Readiness checks what serving needs: the
//! database takes a real write, the voice socket is bound, and the data directory keeps
//! its configured free-space floor.

use std::time::{Duration, Instant};

use spectrus_proto::rest::{Check, DiskCheck, Health, Readiness, ReadinessChecks};

use crate::state::AppState;
use crate::store::disk;

/// How long the database write probe may take before the database counts as not ready.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// A successful probe younger than this is reused (a flood of `/readyz` is not a flood of
/// fsyncs).
const PROBE_REUSE: Duration = Duration::from_secs(1);

/// `/healthz`.
pub(crate) fn liveness(state: &AppState) -> Health {
    Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started.elapsed().as_secs(),
        voice: state.voice.status(),
    }
}

/// `/readyz`: every check, run now.
pub(crate) async fn readiness(state: &AppState) -> Readiness {
    let checks = ReadinessChecks {
        database: database(state).await,
        voice: voice(state),
        disk: disk_space(state),
    };
    let ready = checks.database.ok && checks.voice.ok && checks.disk.ok;
    Readiness {
        status: if ready { "ready" } else { "not_ready" }.into(),
        checks,
    }
}

async fn database(state: &AppState) -> Check {
    let started = Instant::now();
    let probe = state.store.probe_write_shared(PROBE_REUSE);
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(())) => Check {
            ok: true,
            detail: format!(
                "write committed (checked within the last second) in {} ms",
                started.elapsed().as_millis()
            ),
        },
        Ok(Err(e)) => Check {
            ok: false,
            detail: format!("cannot write: {e}"),
        },
        Err(_) => Check {
            ok: false,
            detail: format!(
                "a write did not commit within {} s",
                PROBE_TIMEOUT.as_secs()
            ),
        },
    }
}

fn voice(state: &AppState) -> Check {
    let cfg = state.config();
    if !cfg.voice.enabled {
        return Check {
            ok: true,
            detail: "disabled by configuration".into(),
        };
    }
    match state.voice.sfu() {
        Some(sfu) if sfu.is_running() => Check {
            ok: true,
            detail: format!("UDP {} bound", sfu.local_addr()),
        },
        Some(_) => Check {
            ok: false,
            detail: "the SFU task has stopped".into(),
        },
        None => Check {
            ok: false,
            detail: format!("voice is enabled but UDP {} is not bound", cfg.voice.udp),
        },
    }
}

fn disk_space(state: &AppState) -> DiskCheck {
    let cfg = state.config();
    let floor = cfg.storage.min_free_bytes();
    match disk::free_bytes(&cfg.data_dir) {
        Ok(free) => DiskCheck {
            ok: free >= floor,
            detail: if free >= floor {
                format!("{} free", disk::mib(free))
            } else {
                format!(
                    "{} free, below storage.min_free_mb = {}",
                    disk::mib(free),
                    cfg.storage.min_free_mb
                )
            },
            free_bytes: free,
            min_free_bytes: floor,
        },
        Err(e) => DiskCheck {
            ok: false,
            detail: format!("cannot read free space: {e}"),
            free_bytes: 0,
            min_free_bytes: floor,
        },
    }
}
