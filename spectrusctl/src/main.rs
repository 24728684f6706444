//! The `spectrusctl` binary: parses the command line, runs the command on a small runtime,
//! and turns the outcome into an exit code and at most one line on standard error.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use spectrusctl::cli::Command;
use spectrusctl::commands::{self, Ctx};
use spectrusctl::output::Out;
use spectrusctl::{AdminClient, Cli, CtlError, EX_USAGE};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with EX_USAGE.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EX_USAGE } else { 0 });
        }
    };
    init_tracing();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let (exit, code, message, line) = match e.downcast_ref::<CtlError>() {
                Some(ctl) if ctl.is_broken_pipe() => return ExitCode::SUCCESS,
                Some(ctl) => (
                    ctl.exit_code(),
                    ctl.code().to_owned(),
                    ctl.message(),
                    ctl.to_string(),
                ),
                None => (1, "error".to_owned(), format!("{e:#}"), format!("{e:#}")),
            };
            if cli.json {
                // Scripts read errors as they read answers: the daemon's error shape.
                let body = serde_json::json!({"error": {"code": code, "message": message}});
                let _ = writeln!(io::stderr(), "{body}");
            } else {
                let line = line.replace('\n', " ");
                let _ = writeln!(io::stderr(), "spectrusctl: {line}");
            }
            ExitCode::from(exit)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let places = spectrusctl::locate::Places::standard(&cwd);
    let socket = match spectrusctl::locate::admin_socket(cli.socket.as_deref(), &places) {
        Ok(p) => p,
        // Completions need no daemon.
        Err(_) if matches!(cli.command, Command::Completions { .. }) => PathBuf::new(),
        Err(e) => return Err(e.into()),
    };
    let stdout = io::stdout();
    let mut writer = io::BufWriter::new(stdout.lock());
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut ctx = Ctx {
        client: AdminClient::new(socket).with_read_timeout(read_timeout(cli.timeout)?),
        out: Out::new(&mut writer, cli.json),
        stdin: &mut input,
        cwd,
    };
    runtime.block_on(commands::run(cli, &mut ctx))?;
    drop(ctx);
    writer.flush().map_err(CtlError::Output)?;
    Ok(())
}

/// `--timeout` as a limit: 0 is none.
fn read_timeout(secs: f64) -> anyhow::Result<Option<std::time::Duration>> {
    if secs == 0.0 {
        return Ok(None);
    }
    std::time::Duration::try_from_secs_f64(secs)
        .map(Some)
        .map_err(|_| {
            CtlError::Invalid(format!("--timeout {secs} is not a number of seconds")).into()
        })
}

/// Diagnostics (not command output) on stderr, filtered by `SPECTRUSCTL_LOG` (default `warn`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPECTRUSCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .without_time()
        .init();
}
