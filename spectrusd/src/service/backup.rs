//! Online backups (`POST /admin/v1/backup`): checks the destination and has the store copy
//! the live database there while the daemon keeps serving (see `store::backup`).

use std::path::PathBuf;

use spectrus_proto::admin::BackupResult;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::backup::BackupError;

/// Copies the database to `path` (absolute, not existing yet).
pub(crate) async fn backup(state: &AppState, path: String) -> Result<BackupResult, ApiError> {
    let dest = PathBuf::from(&path);
    if !dest.is_absolute() {
        return Err(ApiError::field("path", "must be an absolute path"));
    }
    if dest.exists() {
        return Err(ApiError::Conflict(format!("{path} already exists")));
    }
    if let Some(dir) = dest.parent()
        && !dir.is_dir()
    {
        return Err(ApiError::field(
            "path",
            format!("the directory {} does not exist", dir.display()),
        ));
    }
    let bytes = state.store.backup(&dest).await.map_err(|e| match e {
        BackupError::Copy(e) => {
            ApiError::InvalidBody(format!("cannot write the backup to {path}: {e}"))
        }
        BackupError::Finish(e) => ApiError::Internal(format!("finishing the backup {path}: {e}")),
        BackupError::Task(e) => ApiError::Internal(format!("the backup task failed: {e}")),
    })?;
    tracing::info!(path, bytes, "backup written");
    Ok(BackupResult { path, bytes })
}
