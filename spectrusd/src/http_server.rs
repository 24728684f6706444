//! The public HTTP listener: HTTP/1.1 with upgrades, served by hyper directly.
//!
//! `axum::serve` would do, except that its connections are wrapped in a private type, so an
//! upgraded gateway connection could not get its TCP stream back (see
//! [`crate::gateway::session`]). Here each connection is plain `TokioIo<TcpStream>`, with
//! `TCP_NODELAY`, the peer's address as axum's `ConnectInfo`, a header read timeout, and a
//! graceful shutdown that lets requests in flight finish.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long requests in flight get to finish once shutdown starts.
const DRAIN: Duration = Duration::from_secs(3);

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub(crate) async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    // Every connection's task holds a receiver: `closed()` tells when the last one ended.
    let (stopping, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Small frames (gateway dispatches) must leave at once: Nagle's algorithm would hold
        // a session's second frame until the client's delayed ACK (up to 40 ms).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {})) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let ended = tokio::select! {
                r = conn.as_mut() => r,
                _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => {
                    // Finish the request in flight, then close.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "HTTP connection ended with an error");
            }
            drop(stop);
        });
    }
    drop(listener);
    drop(stop_rx);
    let _ = stopping.send(true);
    if tokio::time::timeout(DRAIN, stopping.closed())
        .await
        .is_err()
    {
        tracing::debug!("some HTTP requests were still running at shutdown");
    }
}
