//! `spectrusd`: the binary edge. Parses flags, loads the configuration, sets up logging,
//! starts the daemon, tells systemd, and handles signals (SIGTERM/SIGINT drain and stop,
//! SIGHUP re-reads the configuration file).

use std::collections::HashMap;

use anyhow::Context;
use clap::Parser;
use spectrusd::Config;
use spectrusd::cli::Args;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// Swaps the log filter on SIGHUP.
type FilterHandle = reload::Handle<EnvFilter, Registry>;

fn init_logging(filter: &str) -> FilterHandle {
    let env_filter = EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    let (filter_layer, handle) = reload::Layer::new(env_filter);
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter_layer);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        // journald adds its own timestamps.
        registry.with(fmt.without_time().with_ansi(false)).init();
    } else {
        // Colour only for a person at a terminal: redirected to a file or a pipe, plain text.
        use std::io::IsTerminal;
        let ansi = std::io::stderr().is_terminal();
        registry.with(fmt.with_ansi(ansi)).init();
    }
    handle
}

fn env() -> HashMap<String, String> {
    std::env::vars().collect()
}

/// Re-reads the configuration file and puts its reloadable parts in force.
fn reload_config(args: &Args, daemon: &spectrusd::Daemon, filter: &FilterHandle) {
    spectrusd::systemd::reloading();
    match Config::load(args.config.as_deref(), &env()) {
        Ok(new) => {
            let reloaded = daemon.reload(&new);
            if reloaded.applied.contains(&"log") {
                match EnvFilter::try_new(new.log_filter()) {
                    Ok(f) => {
                        if let Err(e) = filter.reload(f) {
                            tracing::warn!(error = %e, "cannot swap the log filter");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "bad log filter; keeping the old one"),
                }
            }
        }
        Err(e) => tracing::error!("configuration not reloaded: {e}"),
    }
    spectrusd::systemd::ready();
}

/// Serves until SIGTERM or SIGINT, reloading on every SIGHUP.
async fn serve(
    args: &Args,
    daemon: &spectrusd::Daemon,
    filter: &FilterHandle,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut hup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    loop {
        tokio::select! {
            _ = term.recv() => {
                tracing::info!("SIGTERM: draining");
                return Ok(());
            }
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("interrupted: draining");
                return Ok(());
            }
            _ = hup.recv() => {
                tracing::info!("SIGHUP: re-reading the configuration");
                reload_config(args, daemon, filter);
            }
        }
    }
}

/// Makes glibc return large freed blocks to the system at once.
///
/// Each argon2 hash allocates 19 MiB. glibc's default raises its mmap threshold after the
/// first such block is freed, so later ones come from the heap of whichever blocking thread
/// ran the hash and stay resident: ten logins left ~180 MiB behind. A fixed 1 MiB threshold
/// keeps every large block mmapped and unmapped on free.
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; called once before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

fn main() {
    tune_allocator();
    if let Err(e) = run() {
        eprintln!("spectrusd: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = Config::load(args.config.as_deref(), &env())?;
    if args.print_config {
        print!("{}", config.redacted_toml());
        return Ok(());
    }
    let filter = init_logging(&config.log_filter());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    rt.block_on(async {
        let daemon = spectrusd::start(config).await?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        // READY=1 first: the watchdog's first ping is immediate.
        spectrusd::systemd::ready();
        let watchdog = spectrusd::systemd::spawn_watchdog(stop_rx);
        let served = serve(&args, &daemon, &filter).await;
        spectrusd::systemd::stopping();
        let _ = stop_tx.send(true);
        if let Some(w) = watchdog {
            let _ = w.await;
        }
        daemon.shutdown().await;
        tracing::info!("stopped");
        served
    })
}
