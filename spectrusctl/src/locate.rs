//! Which admin socket to use: `--socket` or `SPECTRUS_ADMIN_SOCKET` when given; else the
//! `admin_socket` the daemon's configuration file names; else the first that exists of the
//! system path (`/run/spectrus/admin.sock`, systemd), the configured data directory's and
//! `./spectrus-data/admin.sock` (a daemon started by hand in this directory). When none
//! exists, the error says which flag or variable to set.

use std::path::{Path, PathBuf};

use spectrus_proto::admin::DEFAULT_ADMIN_SOCKET;

use crate::error::CtlError;

/// The daemon's configuration file, read for `admin_socket` and `data_dir`.
pub const DAEMON_CONFIG: &str = "/etc/spectrus/spectrusd.toml";

/// Where a daemon started by hand (default `data_dir`) puts its socket.
pub const HAND_STARTED: &str = "spectrus-data/admin.sock";

/// Where to look: the configuration file and the directory relative paths start from.
#[derive(Debug, Clone)]
pub struct Places {
    /// The daemon's configuration file ([`DAEMON_CONFIG`]).
    pub config: PathBuf,
    /// The system socket ([`DEFAULT_ADMIN_SOCKET`]).
    pub system: PathBuf,
    /// The current directory.
    pub cwd: PathBuf,
}

impl Places {
    /// The real places, from `cwd`.
    pub fn standard(cwd: &Path) -> Places {
        Places {
            config: PathBuf::from(DAEMON_CONFIG),
            system: PathBuf::from(DEFAULT_ADMIN_SOCKET),
            cwd: cwd.to_path_buf(),
        }
    }
}

/// The socket to use (see the module's documentation).
pub fn admin_socket(given: Option<&Path>, places: &Places) -> Result<PathBuf, CtlError> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let config = std::fs::read_to_string(&places.config)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let key = |k: &str| {
        config
            .as_ref()
            .and_then(|c| c.get(k))
            .and_then(|v| v.as_str())
            .map(PathBuf::from)
    };
    if let Some(p) = key("admin_socket") {
        return Ok(p);
    }
    let mut tried = vec![places.system.clone()];
    if let Some(dir) = key("data_dir") {
        tried.push(dir.join("admin.sock"));
    }
    tried.push(places.cwd.join(HAND_STARTED));
    if let Some(found) = tried.iter().find(|p| p.exists()) {
        return Ok(found.clone());
    }
    Err(CtlError::NoSocket { tried })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(dir: &Path) -> Places {
        Places {
            config: dir.join("spectrusd.toml"),
            system: dir.join("run/admin.sock"),
            cwd: dir.join("work"),
        }
    }

    #[test]
    fn the_flag_then_the_config_then_the_first_existing_place() {
        let tmp = tempfile::tempdir().unwrap();
        let p = places(tmp.path());
        let flag = PathBuf::from("/x.sock");
        assert_eq!(admin_socket(Some(&flag), &p).unwrap(), flag);

        let e = admin_socket(None, &p).unwrap_err().to_string();
        assert!(
            e.contains("--socket") && e.contains("SPECTRUS_ADMIN_SOCKET"),
            "{e}"
        );
        assert!(e.contains("work/spectrus-data/admin.sock"), "{e}");

        let by_hand = p.cwd.join(HAND_STARTED);
        std::fs::create_dir_all(by_hand.parent().unwrap()).unwrap();
        std::fs::write(&by_hand, "").unwrap();
        assert_eq!(admin_socket(None, &p).unwrap(), by_hand);

        std::fs::create_dir_all(p.system.parent().unwrap()).unwrap();
        std::fs::write(&p.system, "").unwrap();
        assert_eq!(admin_socket(None, &p).unwrap(), p.system);

        std::fs::write(&p.config, "admin_socket = \"/srv/s.sock\"\n").unwrap();
        assert_eq!(
            admin_socket(None, &p).unwrap(),
            PathBuf::from("/srv/s.sock")
        );
    }
}
