//! Online backups (`POST /admin/v1/backup`): checks the destination and has the store copy
//! the live database there while the daemon keeps serving (see `store::backup`), then the
//! stored files beside it (`PATH.files/`, the data dir's `files/` layout). No file is removed
//! from the moment the copy starts until the files are copied, so every file the copied
//! database names is in the copy.

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
    let files_dest = PathBuf::from(format!("{path}.files"));
    if files_dest.exists() {
        return Err(ApiError::Conflict(format!(
            "{} already exists",
            files_dest.display()
        )));
    }
    if let Some(dir) = dest.parent()
        && !dir.is_dir()
    {
        return Err(ApiError::field(
            "path",
            format!("the directory {} does not exist", dir.display()),
        ));
    }
    let hold = state.blobs.hold();
    let bytes = state.store.backup(&dest).await.map_err(|e| match e {
        BackupError::Copy(e) => {
            ApiError::InvalidBody(format!("cannot write the backup to {path}: {e}"))
        }
        BackupError::Finish(e) => ApiError::Internal(format!("finishing the backup {path}: {e}")),
        BackupError::Task(e) => ApiError::Internal(format!("the backup task failed: {e}")),
    })?;
    let blobs = state.blobs.clone();
    let to = files_dest.clone();
    let copied = tokio::task::spawn_blocking(move || blobs.copy_into(&to))
        .await
        .map_err(|e| ApiError::Internal(format!("the backup task failed: {e}")))?
        .map_err(|e| {
            ApiError::Internal(format!(
                "copying the files to {}: {e}",
                files_dest.display()
            ))
        });
    drop(hold);
    super::attachments::sweep(state).await;
    let copied = copied?;
    let files_path = files_dest.display().to_string();
    tracing::info!(path, bytes, files = copied.files, "backup written");
    Ok(BackupResult {
        path,
        bytes,
        files_path,
        files: copied.files,
        files_bytes: copied.bytes,
    })
}
