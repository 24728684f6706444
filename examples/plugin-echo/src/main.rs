//! `plugin-echo --listen 127.0.0.1:8787 --public-key HEX [--bot-token T --api URL]`.
//! Prints `listening on ADDR` once it accepts connections (with port 0, the port chosen).

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use plugin_echo::{Config, Verifier};

/// A minimal Spectrus plugin that answers /echo and /slow.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787", env = "PLUGIN_ECHO_LISTEN")]
    listen: String,
    /// The server's Ed25519 public key (64 hex digits), shown at install.
    #[arg(long, env = "PLUGIN_ECHO_PUBLIC_KEY")]
    public_key: String,
    /// The bot token shown at install (sent with follow-ups). It may start with `-`.
    #[arg(long, env = "PLUGIN_ECHO_BOT_TOKEN", allow_hyphen_values = true)]
    bot_token: Option<String>,
    /// The server's base URL, e.g. https://chat.example.com (needed for /slow's follow-up).
    #[arg(long, env = "PLUGIN_ECHO_API")]
    api: Option<String>,
    /// Milliseconds /slow thinks before following up.
    #[arg(long, default_value_t = 1000)]
    slow_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "plugin_echo=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let verifier =
        Verifier::from_hex(&args.public_key).context("--public-key must be 64 hex digits")?;
    let app = plugin_echo::router(Config {
        verifier,
        bot_token: args.bot_token,
        api: args.api,
        slow_delay: Duration::from_millis(args.slow_ms),
    });
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
