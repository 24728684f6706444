//! `spectrus-tui`: parses the command line, sets up logging and the terminal, and runs the
//! event loop of the library crate.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::Parser;
use spectrus_tui::audio::device::{self, Direction};
use spectrus_tui::cli::{Cli, Sub, parse_target};
use spectrus_tui::config::{self, Config};
use spectrus_tui::effect::Effect;
use spectrus_tui::net::engine::{EngineBackend, EngineOptions};
use spectrus_tui::net::tokens::{KeyringMode, TokenStore};
use spectrus_tui::net::{ClientRunner, RunnerOptions};
use spectrus_tui::runner::EffectRunner;
use spectrus_tui::saved::{self, SavedServers};
use spectrus_tui::startup::{Started, Startup};
use spectrus_tui::state::AppState;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let saved_path = saved::default_path();
    match &cli.command {
        Some(Sub::Add { url }) => return add(url, saved_path),
        Some(Sub::Devices) => {
            let text = device::describe(
                &device::list(Direction::Input),
                &device::list(Direction::Output),
            );
            print!("{text}");
            return Ok(());
        }
        None => {}
    }
    let _log = init_logging(cli.log_file.clone());
    let config_path = cli.config.clone().or_else(config::default_path);
    let config = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    tracing::info!(audio = ?cli.audio(), "starting");
    // The push-to-talk key sets this flag; the engine's gate reads it.
    let push_to_talk = Arc::new(AtomicBool::new(false));
    let engine = EngineOptions::new(cli.audio(), config.voice.gate(push_to_talk.clone()));
    let saved = match &saved_path {
        Some(p) => SavedServers::load(p).unwrap_or_else(|e| {
            tracing::warn!("ignoring the saved servers file: {e}");
            SavedServers::default()
        }),
        None => SavedServers::default(),
    };
    let target = cli.target.as_deref().map(parse_target).transpose()?;
    let login = match (&cli.server, &cli.user) {
        (Some(server), Some(user)) => Some((parse_target(server)?, user.clone())),
        _ => None,
    };
    let Started {
        mut state,
        initial,
        scripted,
    } = AppState::from_startup(Startup {
        config,
        saved: saved.servers,
        target,
        login,
        password: std::env::var("SPECTRUS_PASSWORD").ok(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting tokio")?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let tokens = TokenStore::new(
        TokenStore::default_file().unwrap_or_else(|| PathBuf::from(".spectrus-tui-tokens.toml")),
        KeyringMode::Auto,
    );
    let mut options = RunnerOptions::new(saved_path, tokens);
    if let Some(path) = &cli.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read the CA file {}", path.display()))?;
        // Refused here, with the reason, rather than at the first connection.
        spectrus_client::Client::with_root_certificates("https://localhost", &pem)
            .with_context(|| format!("{} is not a usable CA file", path.display()))?;
        options.ca_pem = Some(pem);
    }
    options.voice = Box::new(EngineBackend::new(engine));
    options.push_to_talk = push_to_talk;
    let mut runner = ClientRunner::new(rt.handle().clone(), tx, options);
    for s in &state.servers {
        runner.know_server(s.key, &s.url);
        if Some(s.key) != scripted {
            runner.restore(s.key);
        }
    }
    if let Some(s) = state.active_server() {
        runner.run(Effect::ProbeServer {
            server: s.key,
            url: s.url.clone(),
        });
    }
    let mut guard = spectrus_tui::terminal::setup().context("setting up the terminal")?;
    state.key_release = guard.reports_key_release();
    let result = rt.block_on(spectrus_tui::event_loop::run(
        &mut guard.terminal,
        &mut state,
        &mut runner,
        rx,
        initial,
    ));
    drop(guard);
    result
}

fn add(url: &str, path: Option<PathBuf>) -> anyhow::Result<()> {
    let target = parse_target(url)?;
    let path = path.context("no home directory to keep the saved servers in")?;
    let mut saved = SavedServers::load(&path)?;
    if saved.add(&target.url) {
        saved.save(&path)?;
        println!("added {}", target.url);
    } else {
        println!("{} is already saved", target.url);
    }
    Ok(())
}

/// Logs go to a file, never to the terminal the UI owns. Without a usable file, no logs.
fn init_logging(path: Option<PathBuf>) -> Option<()> {
    let path = path.or_else(|| {
        config::xdg_dir("XDG_STATE_HOME", ".local/state")
            .map(|d| d.join("spectrus").join("tui.log"))
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPECTRUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(())
}
