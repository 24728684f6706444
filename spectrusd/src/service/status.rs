//! What the daemon says about itself to its operator: `spectrusctl status`.

use spectrus_proto::admin::Status;

use crate::state::AppState;

/// The daemon's status right now.
pub(crate) fn status(state: &AppState) -> Status {
    let (participants, rooms) = state.voice.counts();
    Status {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_seconds: state.started.elapsed().as_secs(),
        members: state.access.member_count(),
        online: state.hub.online_users().len() as u64,
        voice_rooms: rooms as u64,
        voice_participants: participants as u64,
        voice: Some(state.voice.status()),
        database_bytes: database_bytes(state.store.path()),
        license: state.license.status(),
    }
}

/// The size of the database on disk: the main file plus its WAL.
pub(crate) fn database_bytes(db: &std::path::Path) -> u64 {
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    size(db) + size(std::path::Path::new(&wal))
}
