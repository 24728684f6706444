//! The daemon's command line (in the library so the manual page generator can read it).

use std::path::PathBuf;

use clap::Parser;

/// The Spectrus daemon: chat, voice and the admin socket in one binary.
#[derive(Debug, Parser)]
#[command(
    name = "spectrusd",
    version,
    about = "The Spectrus community server: chat, voice and the admin socket in one binary",
    long_about = "The Spectrus community server: chat, voice and the admin socket in one binary.\n\n\
        Settings come from built-in defaults, then the configuration file, then SPECTRUS_* \
        environment variables (see CONFIGURATION and ENVIRONMENT). SIGTERM drains and stops \
        within 5 s; SIGHUP re-reads the configuration file."
)]
pub struct Args {
    /// Configuration file (default: /etc/spectrus/spectrusd.toml if it exists).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print the effective configuration (secrets redacted) and exit.
    #[arg(long)]
    pub print_config: bool,
}
