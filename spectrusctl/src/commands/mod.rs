//! One module per command group. Each takes a [`Ctx`] (the client, the output, standard input
//! and the current directory, all injectable for tests) and prints its result.

use std::io::BufRead;
use std::path::PathBuf;

use serde::de::DeserializeOwned;

use crate::cli::{Cli, Command};
use crate::error::Result;
use crate::output::Out;
use crate::table::Table;
use crate::transport::{AdminClient, decode};

pub mod audit;
pub mod backup;
pub mod bans;
pub mod channels;
pub mod completions;
pub mod emoji;
pub mod events;
pub mod invites;
pub mod layout;
pub mod license;
pub mod moderation;
pub mod plugins;
pub mod roles;
pub mod server;
pub mod users;

/// What a command runs with.
pub struct Ctx<'a> {
    /// The daemon.
    pub client: AdminClient,
    /// Standard output, in the chosen mode.
    pub out: Out<'a>,
    /// Standard input (passwords).
    pub stdin: &'a mut dyn BufRead,
    /// The directory relative paths are taken from.
    pub cwd: PathBuf,
}

impl Ctx<'_> {
    /// `path` made absolute against the current directory (the daemon has its own).
    pub fn absolute(&self, path: &std::path::Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }
}

/// `GET route`: with `--json` the answer as is, otherwise the answer decoded as `T` and
/// rendered by `render` as a table. What every list and show command does.
pub async fn show<T: DeserializeOwned>(
    ctx: &mut Ctx<'_>,
    route: &str,
    render: impl FnOnce(&T) -> Table,
) -> Result<()> {
    let value = ctx.client.get(route).await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let decoded: T = decode(value)?;
    ctx.out.table(&render(&decoded))
}

/// Runs the parsed command line.
pub async fn run(cli: &Cli, ctx: &mut Ctx<'_>) -> Result<()> {
    match &cli.command {
        Command::Status => server::status(ctx).await,
        Command::SetupCode => server::setup_code(ctx).await,
        Command::Config => server::config(ctx).await,
        Command::Users(c) => users::run(c, ctx).await,
        Command::Roles(c) => roles::run(c, ctx).await,
        Command::Invites(c) => invites::run(c, ctx).await,
        Command::Channels(c) => channels::run(c, ctx).await,
        Command::Bans(c) => bans::run(c, ctx).await,
        Command::Members(c) => moderation::members(c, ctx).await,
        Command::Voice(c) => moderation::voice(c, ctx).await,
        Command::Messages(c) => moderation::messages(c, ctx).await,
        Command::Server(c) => server::server(c, ctx).await,
        Command::Backup { path } => backup::run(path, ctx).await,
        Command::Layout(c) => layout::run(c, ctx).await,
        Command::Events(a) => events::run(a, ctx).await,
        Command::Audit(a) => audit::run(a, ctx).await,
        Command::License(c) => license::run(c, ctx).await,
        Command::Plugins(c) => plugins::run(c, ctx).await,
        Command::Emoji(c) => emoji::run(c, ctx).await,
        Command::Completions { shell } => completions::run(*shell, ctx),
    }
}
