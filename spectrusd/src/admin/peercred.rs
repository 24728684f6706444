//! Who is on the other end of an admin socket connection, from the kernel's view
//! (`SO_PEERCRED` and `SO_PEERGROUPS`), and whether they may use the admin API.
//!
//! The peer is never looked up by uid or through `/proc`: under the shipped unit
//! (`PrivateUsers=yes`, `ProtectProc=invisible`) other users appear as `nobody`, while the
//! daemon's own gid stays mapped, so `SO_PEERGROUPS` still shows group membership.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

use nix::sys::socket::{getsockopt, sockopt};

/// The credentials of a connected peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeerCreds {
    /// Effective uid at `connect` time.
    pub uid: u32,
    /// Primary gid at `connect` time.
    pub gid: u32,
    /// Supplementary groups (empty when the kernel cannot tell).
    pub groups: Vec<u32>,
}

/// Whether `peer` may use the admin socket of a daemon running as `daemon_uid:daemon_gid`:
/// root, the daemon's own uid, or any process whose primary or supplementary groups include
/// the daemon's gid.
pub(crate) fn peer_allowed(peer: &PeerCreds, daemon_uid: u32, daemon_gid: u32) -> bool {
    peer.uid == 0
        || peer.uid == daemon_uid
        || peer.gid == daemon_gid
        || peer.groups.contains(&daemon_gid)
}

/// `SO_PEERGROUPS` (Linux 4.13+); `libc` does not export it for every target.
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
const SO_PEERGROUPS: libc::c_int = 0x003d;
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
const SO_PEERGROUPS: libc::c_int = 59;

/// Reads the peer's credentials of a connected Unix stream socket.
pub(crate) fn peer_creds(sock: &impl AsFd) -> io::Result<PeerCreds> {
    let cred = getsockopt(sock, sockopt::PeerCredentials).map_err(io::Error::from)?;
    let groups = peer_groups(sock).unwrap_or_else(|e| {
        tracing::debug!(error = %e, "SO_PEERGROUPS unavailable; using the primary gid only");
        Vec::new()
    });
    Ok(PeerCreds {
        uid: cred.uid(),
        gid: cred.gid(),
        groups,
    })
}

/// The peer's supplementary groups (`SO_PEERGROUPS`), growing the buffer on `ERANGE`.
fn peer_groups(sock: &impl AsFd) -> io::Result<Vec<u32>> {
    let fd = sock.as_fd().as_raw_fd();
    let mut groups: Vec<libc::gid_t> = vec![0; 64];
    loop {
        let mut len = (groups.len() * std::mem::size_of::<libc::gid_t>()) as libc::socklen_t;
        // SAFETY: `groups` is a writable buffer of exactly `len` bytes; the kernel writes at
        // most `len` bytes and reports how many it wrote (or needs, with ERANGE) in `len`.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                SO_PEERGROUPS,
                groups.as_mut_ptr().cast(),
                &mut len,
            )
        };
        let n = len as usize / std::mem::size_of::<libc::gid_t>();
        if rc == 0 {
            groups.truncate(n);
            return Ok(groups);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ERANGE) && n > groups.len() && n <= 65_536 {
            groups.resize(n, 0);
            continue;
        }
        return Err(err);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(uid: u32, gid: u32, groups: &[u32]) -> PeerCreds {
        PeerCreds {
            uid,
            gid,
            groups: groups.to_vec(),
        }
    }

    #[test]
    fn root_and_the_daemon_user_are_allowed() {
        assert!(peer_allowed(&peer(0, 0, &[]), 990, 990));
        assert!(peer_allowed(&peer(990, 100, &[]), 990, 990));
    }

    #[test]
    fn group_members_are_allowed_by_primary_or_supplementary_group() {
        assert!(peer_allowed(&peer(1000, 990, &[]), 990, 990));
        assert!(peer_allowed(&peer(1000, 1000, &[27, 990]), 990, 990));
    }

    #[test]
    fn strangers_are_refused() {
        assert!(!peer_allowed(&peer(1000, 1000, &[27, 100]), 990, 990));
        // `nobody` under PrivateUsers=yes, without the daemon's group.
        assert!(!peer_allowed(&peer(65534, 65534, &[]), 990, 990));
    }

    #[test]
    fn credentials_of_a_socket_pair_are_our_own() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let creds = peer_creds(&a).unwrap();
        assert_eq!(creds.uid, nix::unistd::geteuid().as_raw());
        assert_eq!(creds.gid, nix::unistd::getegid().as_raw());
    }
}
