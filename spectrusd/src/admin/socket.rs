//! The admin socket itself: binding it (replacing a stale one, refusing a live one), and the
//! accept loop that checks every peer before serving HTTP/1.1 on the connection.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;
use tower::ServiceExt;

use super::peercred::{PeerCreds, peer_allowed, peer_creds};

/// Why the admin socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SocketError {
    /// Another daemon answers on the socket.
    #[error("another spectrusd is already running: it answers on {0}")]
    InUse(PathBuf),
    /// Something that is not a socket sits at the path.
    #[error("{0} exists and is not a socket; remove it or set admin_socket")]
    NotASocket(PathBuf),
    /// Binding or setting the mode failed.
    #[error("cannot create the admin socket {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// The peer of one admin connection, as the kernel reported it (a request extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdminPeer {
    /// The peer's uid.
    pub uid: u32,
}

/// Binds the admin socket at `path` with mode 0660. A socket file nobody answers on (left by
/// a crash) is replaced; one another process answers on is [`SocketError::InUse`].
pub(crate) fn bind(path: &Path) -> Result<UnixListener, SocketError> {
    let io_err = |source| SocketError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(SocketError::InUse(path.to_owned()));
            }
            tracing::info!(path = %path.display(), "replacing a stale admin socket");
            std::fs::remove_file(path).map_err(io_err)?;
        }
        Ok(_) => return Err(SocketError::NotASocket(path.to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(e)),
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_err)?;
    }
    let listener = UnixListener::bind(path).map_err(io_err)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(io_err)?;
    Ok(listener)
}

/// Serves `app` on `listener` until `stop` turns true; every connection's peer is checked
/// first, and a refused peer gets one `403 forbidden` answer before the connection closes.
pub(crate) async fn serve(listener: UnixListener, app: Router, mut stop: watch::Receiver<bool>) {
    let daemon_uid = nix::unistd::geteuid().as_raw();
    let daemon_gid = nix::unistd::getegid().as_raw();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "admin socket accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|v| *v).await; } => break,
        };
        let peer = match peer_creds(&stream) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the admin peer's credentials");
                continue;
            }
        };
        let allowed = peer_allowed(&peer, daemon_uid, daemon_gid);
        tracing::debug!(uid = peer.uid, gid = peer.gid, allowed, "admin connection");
        tokio::spawn(connection(
            stream,
            peer,
            allowed.then(|| app.clone()),
            stop.clone(),
        ));
    }
}

/// Serves one connection: the router for an allowed peer, the refusal otherwise.
async fn connection(
    stream: UnixStream,
    peer: PeerCreds,
    app: Option<Router>,
    mut stop: watch::Receiver<bool>,
) {
    let uid = peer.uid;
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let app = app.clone();
        async move {
            match app {
                Some(app) => {
                    req.extensions_mut().insert(AdminPeer { uid });
                    app.oneshot(req.map(Body::new)).await
                }
                None => Ok(refusal(uid)),
            }
        }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        r = conn => if let Err(e) = r {
            tracing::debug!(error = %e, "admin connection ended with an error");
        },
        _ = async { let _ = stop.wait_for(|v| *v).await; } => {}
    }
}

/// The answer to a peer that may not use the admin socket.
fn refusal(uid: u32) -> Response<Body> {
    tracing::warn!(uid, "refused an admin socket connection");
    let body = spectrus_proto::ErrorBody {
        error: spectrus_proto::ErrorDetail {
            code: "forbidden".into(),
            message: format!(
                "uid {uid} may not use the admin socket: run as root or as a member of the spectrus group"
            ),
            fields: None,
            permission: None,
            retry_after_ms: None,
        },
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::FORBIDDEN;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stale_sockets_are_replaced_and_live_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.sock");
        let first = bind(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o660);
        assert!(matches!(bind(&path), Err(SocketError::InUse(_))));
        drop(first); // the file stays, nobody answers: a crash
        assert!(path.exists());
        let _second = bind(&path).unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(bind(&file), Err(SocketError::NotASocket(_))));
    }
}
