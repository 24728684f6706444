//! systemd integration: the notify protocol (`READY=1`, `WATCHDOG=1`, `STOPPING=1`,
//! `RELOADING=1`). Every call is a no-op when `NOTIFY_SOCKET` is not set, so the daemon runs
//! the same by hand, in Docker and under `Type=notify`.

use std::time::Duration;

use sd_notify::NotifyState;
use tokio::sync::watch;
use tokio::task::JoinHandle;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The database is open and every listener is bound.
pub fn ready() {
    send(&[NotifyState::Ready, NotifyState::Status("serving")]);
}

/// A configuration reload is starting (finish with [`ready`]).
pub fn reloading() {
    let now = sd_notify::NotifyState::monotonic_usec_now();
    match now {
        Ok(ts) => send(&[NotifyState::Reloading, ts]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// Shutdown has begun.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("draining")]);
}

/// How often to ping the watchdog: half of `WATCHDOG_USEC`, if systemd asked for pings.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}

/// Pings the watchdog at half its timeout until `stop` turns true (nothing when disabled).
/// The pings come from the runtime, so a wedged runtime stops them and systemd restarts us.
pub fn spawn_watchdog(mut stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    let every = watchdog_interval()?.max(Duration::from_millis(10));
    tracing::info!(
        every_ms = every.as_millis() as u64,
        "systemd watchdog enabled"
    );
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => send(&[NotifyState::Watchdog]),
                _ = async { let _ = stop.wait_for(|v| *v).await; } => break,
            }
        }
    }))
}
