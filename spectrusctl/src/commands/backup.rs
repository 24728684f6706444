//! `backup PATH`: an online copy of the database, written by the daemon, with the stored
//! files beside it in `PATH.files/`.

use std::path::Path;

use hyper::Method;
use spectrus_proto::admin::{BackupRequest, BackupResult};

use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::output::human_bytes;
use crate::transport::decode;

/// Asks the daemon to copy its database to `path` (made absolute here: the daemon's working
/// directory is not ours).
pub async fn run(path: &Path, ctx: &mut Ctx<'_>) -> Result<()> {
    let absolute = ctx.absolute(path);
    let path = absolute
        .to_str()
        .ok_or_else(|| CtlError::Invalid(format!("{} is not valid UTF-8", absolute.display())))?
        .to_owned();
    // A paced copy of a big database takes as long as it takes.
    let value = ctx
        .client
        .clone()
        .with_read_timeout(None)
        .call(Method::POST, "/backup", Some(&BackupRequest { path }))
        .await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let done: BackupResult = decode(value)?;
    ctx.out.line(format!(
        "backup written to {} ({}), files to {} ({} file{}, {})",
        done.path,
        human_bytes(done.bytes),
        done.files_path,
        done.files,
        if done.files == 1 { "" } else { "s" },
        human_bytes(done.files_bytes)
    ))
}
