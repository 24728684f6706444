//! `spectrusd`: the binary edge. Parses flags, loads the configuration, sets up logging,
//! starts the daemon and waits for a signal.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use spectrusd::Config;

/// The Spectrus daemon: chat, voice and the admin socket in one binary.
#[derive(Debug, Parser)]
#[command(name = "spectrusd", version, about, long_about = None)]
struct Args {
    /// Configuration file (default: /etc/spectrus/spectrusd.toml if it exists).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print the effective configuration (secrets redacted) and exit.
    #[arg(long)]
    print_config: bool,
}

fn init_logging(filter: &str) {
    let env_filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        // journald adds its own timestamps.
        builder.without_time().with_ansi(false).init();
    } else {
        builder.init();
    }
}

async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: draining"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: draining"),
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
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = Config::load(args.config.as_deref(), &env)?;
    if args.print_config {
        print!("{}", config.redacted_toml());
        return Ok(());
    }
    init_logging(&config.log);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    rt.block_on(async {
        let daemon = spectrusd::start(config).await?;
        wait_for_stop().await;
        daemon.shutdown().await;
        tracing::info!("stopped");
        anyhow::Ok(())
    })
}
