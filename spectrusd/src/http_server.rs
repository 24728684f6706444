//! The public HTTP listener: HTTP/1.1 with upgrades, served by hyper directly.
//!
//! `axum::serve` would do, except that its connections are wrapped in a private type, so an
//! upgraded gateway connection could not get its TCP stream back (see
//! [`crate::gateway::session`]). Here each connection is plain `TokioIo<TcpStream>`, with
//! `TCP_NODELAY`, the peer's address as axum's `ConnectInfo`, and a graceful shutdown that
//! lets requests in flight finish.
//!
//! It also bounds what one client can hold: new connections per IP address per second (a
//! governor limiter; beyond it a connection is held unread for [`REFUSED_HOLD`], then gets
//! a canned 429 and is closed, before hyper sees it — see [`hold_then_refuse`]), open
//! connections per IP address (a [`ConnectionPermit`] travels with each request, so an
//! upgraded gateway socket keeps counting), a deadline for the request headers and one for the whole request body (a body
//! that trickles in is answered 408 and the connection closed), and accept errors (out of
//! file descriptors) back off instead of spinning.
//!
//! With a TLS acceptor the same loop serves HTTPS: the handshake runs in the connection's
//! task under the header deadline, and every response says `Strict-Transport-Security`.
//! The plain-HTTP redirect listener is served by the same loop without TLS.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, StatusCode, header};
use bytes::Bytes;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Sleep;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long requests in flight get to finish once shutdown starts.
const DRAIN: Duration = Duration::from_secs(3);
/// The first wait after a failed accept; it doubles up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// `Strict-Transport-Security` on every HTTPS response: a year.
const HSTS: &str = "max-age=31536000";

/// Accepted connections between two sweeps of the new-connection limiter's idle keys.
const SWEEP_EVERY: u32 = 4096;
/// How long a connection refused by the new-connection limit is held, unread, before its
/// 429: a client that reconnects as soon as it is refused waits this long per socket,
/// instead of costing the daemon (and the machine) an accept, a write and a close tens of
/// thousands of times a second.
const REFUSED_HOLD: Duration = Duration::from_secs(1);
/// Receive buffer of a held connection: what the client writes meanwhile stays small.
const HELD_RECEIVE_BUFFER: usize = 4096;
/// Open connections (held ones included) beyond which an address's refused connections are
/// reset at once when `connections_per_ip` sets no lower bound.
const HELD_MAX: usize = 256;

/// What one client may hold.
#[derive(Clone)]
pub(crate) struct Bounds {
    /// Open connections per IP address (upgraded gateway sockets included); 0: no limit.
    pub connections_per_ip: usize,
    /// New connections per IP address per second after a burst; 0: no limit.
    pub new_connections_per_second: u32,
    pub new_connections_burst: u32,
    /// Told of each refused connection, with the bound that refused it
    /// (`"new_connections"`, `"connections_per_ip"`), for the metrics.
    pub on_refused: Arc<dyn Fn(&'static str) + Send + Sync>,
    /// How long a client may take to send a request's headers, and then its whole body.
    pub read_timeout: Duration,
}

/// New connections per IP address: `burst` at once, then `per_second`.
struct NewConnections {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl NewConnections {
    /// None when `per_second` is 0 (no limit).
    fn new(per_second: u32, burst: u32) -> Option<NewConnections> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Some(NewConnections {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
        })
    }

    /// Counts one new connection from `ip`; false when it is over the limit.
    fn check(&self, ip: IpAddr) -> bool {
        self.limiter.check_key(&ip).is_ok()
    }
}

/// Open connections per IP address.
#[derive(Default)]
struct Counts(Mutex<HashMap<IpAddr, usize>>);

impl Counts {
    /// A permit for one more connection from `ip`, unless it has `max` already.
    fn admit(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ConnectionPermit> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if max != 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(ConnectionPermit(Arc::new(Permit {
            counts: self.clone(),
            ip,
        })))
    }
}

struct Permit {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut map = self.counts.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// One counted connection, in every request's extensions: whoever takes the connection over
/// (the gateway, on upgrade) keeps it until the socket closes.
#[derive(Clone)]
pub(crate) struct ConnectionPermit(#[allow(dead_code)] Arc<Permit>);

/// A request body that fails once its deadline has passed, and says so in `expired`.
struct Deadline {
    inner: Incoming,
    timer: Pin<Box<Sleep>>,
    expired: Arc<AtomicBool>,
}

impl Body for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.timer.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err("the request body took too long".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A JSON error answer in the API's shape, for the few answers given below the router.
fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": message}}).to_string()
}

/// 408 for a body that did not arrive in time; the connection closes after it.
fn body_timed_out() -> axum::response::Response {
    let mut resp = axum::response::Response::new(axum::body::Body::from(error_body(
        "request_timeout",
        "the request body did not arrive in time",
    )));
    *resp.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The canned answer to a connection refused by a bound.
fn refusal(code: &str, message: &str, retry_after: Duration) -> String {
    let body = error_body(code, message);
    format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
         retry-after: {}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        retry_after.as_secs_f64().ceil().max(1.0) as u64,
        body.len()
    )
}

/// Tells a client over a connection bound so, as far as the socket takes it at once (no
/// waiting on a slow reader), and closes the connection.
fn refuse(tcp: TcpStream, code: &str, message: &str, retry_after: Duration) {
    let _ = tcp.try_write(refusal(code, message, retry_after).as_bytes());
}

/// Closes a connection at once with a reset: no answer, no `TIME_WAIT`, nothing more to do.
fn reset(tcp: TcpStream) {
    use nix::sys::socket::{setsockopt, sockopt};
    let zero = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    if let Err(e) = setsockopt(&tcp, sockopt::Linger, &zero) {
        tracing::debug!(error = %e, "cannot set SO_LINGER");
    }
}

/// A connection over the new-connection limit: held unread for [`REFUSED_HOLD`] (counted
/// against its address's open connections by `permit`), then told 429 in plain HTTP and
/// closed. A flooder that reconnects whenever it is refused is slowed to one attempt per
/// socket per hold, and its held sockets are bounded by `connections_per_ip`.
fn hold_then_refuse(
    tcp: TcpStream,
    permit: ConnectionPermit,
    plain: bool,
    mut stop: watch::Receiver<bool>,
) {
    use nix::sys::socket::{setsockopt, sockopt};
    if let Err(e) = setsockopt(&tcp, sockopt::RcvBuf, &HELD_RECEIVE_BUFFER) {
        tracing::debug!(error = %e, "cannot shrink a held connection's receive buffer");
    }
    tokio::spawn(async move {
        let _permit = permit;
        tokio::select! {
            _ = tokio::time::sleep(REFUSED_HOLD) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
        // Over TLS a plain-text answer means nothing: the connection just closes.
        if plain {
            refuse(
                tcp,
                "rate_limited",
                "too many new connections from your address; reuse a connection or retry later",
                REFUSED_HOLD,
            );
        } else {
            reset(tcp);
        }
    });
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
/// With `tls`, each connection is a TLS handshake first (within the read timeout), and
/// every response carries `Strict-Transport-Security`.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    bounds: Bounds,
    shutdown: impl Future<Output = ()>,
) {
    // Every connection's task holds a receiver: `closed()` tells when the last one ended.
    let (stopping, stop_rx) = watch::channel(false);
    let counts = Arc::new(Counts::default());
    let new_connections = NewConnections::new(
        bounds.new_connections_per_second,
        bounds.new_connections_burst,
    );
    let mut accepted_since_sweep = 0u32;
    let mut backoff = ACCEPT_BACKOFF_MIN;
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    a
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait, longer each time in a row.
                    tracing::warn!(error = %e, wait_ms = backoff.as_millis() as u64, "cannot accept a connection");
                    tokio::select! {
                        _ = &mut shutdown => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            },
        };
        if let Some(limiter) = &new_connections {
            accepted_since_sweep += 1;
            if accepted_since_sweep >= SWEEP_EVERY {
                accepted_since_sweep = 0;
                limiter.limiter.retain_recent();
            }
            if !limiter.check(peer.ip()) {
                tracing::debug!(%peer, "too many new connections from one address");
                (bounds.on_refused)("new_connections");
                let most = match bounds.connections_per_ip {
                    0 => HELD_MAX,
                    n => n.min(HELD_MAX),
                };
                match counts.admit(peer.ip(), most) {
                    Some(permit) => hold_then_refuse(tcp, permit, tls.is_none(), stop_rx.clone()),
                    // Holding as many as it may open already: reset at once, unanswered.
                    None => reset(tcp),
                }
                continue;
            }
        }
        let Some(permit) = counts.admit(peer.ip(), bounds.connections_per_ip) else {
            tracing::debug!(%peer, "too many connections from one address");
            (bounds.on_refused)("connections_per_ip");
            // A plain-text answer means nothing inside TLS: there the connection just closes.
            if tls.is_none() {
                refuse(
                    tcp,
                    "too_many_connections",
                    "too many connections from your address",
                    Duration::from_secs(1),
                );
            }
            continue;
        };
        // Small frames (gateway dispatches) must leave at once: Nagle's algorithm would hold
        // a session's second frame until the client's delayed ACK (up to 40 ms).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let conn = Conn {
            app: app.clone(),
            read_timeout: bounds.read_timeout,
            permit,
            peer,
            hsts: tls.is_some(),
            stop: stop_rx.clone(),
        };
        match &tls {
            None => {
                tokio::spawn(conn.run(tcp));
            }
            Some(acceptor) => {
                let handshake = acceptor.accept(tcp);
                tokio::spawn(async move {
                    match tokio::time::timeout(conn.read_timeout, handshake).await {
                        Ok(Ok(stream)) => conn.run(stream).await,
                        Ok(Err(e)) => tracing::debug!(error = %e, %peer, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        }
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

/// One accepted connection, before it is served.
struct Conn {
    app: Router,
    read_timeout: Duration,
    permit: ConnectionPermit,
    peer: SocketAddr,
    hsts: bool,
    /// Turns true when shutdown starts; held until the connection ends.
    stop: watch::Receiver<bool>,
}

impl Conn {
    /// Serves HTTP/1.1 (with upgrades) on `io` until the client leaves or shutdown.
    async fn run<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Conn {
            app,
            read_timeout,
            permit,
            peer,
            hsts,
            mut stop,
        } = self;
        let conn_permit = permit.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let expired = Arc::new(AtomicBool::new(false));
            let mut req = req.map(|inner| Deadline {
                inner,
                timer: Box::pin(tokio::time::sleep(read_timeout)),
                expired: expired.clone(),
            });
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(permit.clone());
            let app = app.clone();
            async move {
                let mut resp = app.oneshot(req).await.unwrap_or_else(|e| match e {});
                if expired.load(Ordering::Relaxed) {
                    resp = body_timed_out();
                }
                if hsts {
                    resp.headers_mut().insert(
                        header::STRICT_TRANSPORT_SECURITY,
                        HeaderValue::from_static(HSTS),
                    );
                }
                Ok::<_, Infallible>(resp)
            }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(read_timeout)
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let _permit = conn_permit;
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
    }
}
