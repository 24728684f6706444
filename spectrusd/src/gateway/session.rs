//! One WebSocket connection: the handshake, hello, identify or resume, heartbeats, and the
//! client's frames.
//!
//! The handshake is answered here and the upgraded TCP stream taken back from hyper, so
//! that frames can be written straight into the socket (`bus::out`) by the delivery
//! lanes (over TLS, into a socket pair bridged to the TLS stream: [`crate::socket`]). The connection's task reads the client's frames ([`super::reader`]), keeps the
//! heartbeat deadline and drains whatever could not be written at once.

use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, UPGRADE};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use governor::{Quota, RateLimiter};
use hyper_util::rt::TokioIo;
use spectrus_proto::gateway::{ClientFrame, Hello, InvalidSession, close, op};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep, sleep_until};
use tokio_rustls::server::TlsStream;

use super::handshake;
use super::reader::{Incoming, Reader};
use crate::bus::out::Out;
use crate::bus::slot::Slot;
use crate::http_server::ConnectionPermit;
use crate::service::sessions::{self, OpenError};
use crate::socket::{self, Socket};
use crate::state::SharedState;

/// Frames a client may send per minute before it is disconnected with 4008: every frame,
/// pings, pongs and continuations included.
// Evaluated at compile time: a zero here would not build, so it cannot fail at run time.
#[allow(clippy::unwrap_used)]
const FRAMES_PER_MINUTE: NonZeroU32 = NonZeroU32::new(240).unwrap();
/// Largest message a client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// How long a closing connection may take to write what it has queued.
const CLOSE_FLUSH: Duration = Duration::from_secs(2);

/// `GET /api/v1/gateway`: answers the WebSocket handshake and runs the connection.
pub(crate) async fn upgrade(State(state): State<SharedState>, mut req: Request) -> Response {
    let accept = match handshake::accept_key(req.headers()) {
        Ok(accept) => accept,
        Err(e) => return e.into_response(),
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    // The socket keeps counting against its address's connection limit.
    let permit = req.extensions_mut().remove::<ConnectionPermit>();
    tokio::spawn(async move {
        let _permit = permit;
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "gateway upgrade failed");
                return;
            }
        };
        let (socket, leftover) = match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => (Socket::from(parts.io.into_inner()), parts.read_buf),
            Err(upgraded) => match upgraded.downcast::<TokioIo<TlsStream<TcpStream>>>() {
                Ok(parts) => match socket::bridge(parts.io.into_inner()) {
                    Ok(s) => (s, parts.read_buf),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot bridge a TLS gateway connection");
                        return;
                    }
                },
                Err(_) => {
                    tracing::error!("gateway upgrade on a connection that is neither TCP nor TLS");
                    return;
                }
            },
        };
        Connection::new(state, Arc::new(socket), leftover)
            .run()
            .await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(CONNECTION, "upgrade")
        .header(UPGRADE, "websocket")
        .header(SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn frame(op_name: &str, d: &impl serde::Serialize) -> String {
    serde_json::json!({ "op": op_name, "d": d }).to_string()
}

enum Parsed {
    Frame(ClientFrame),
    Close(u16, &'static str),
}

/// Decodes a client frame. What is wrong is read from serde's error: not JSON, an op
/// `ClientFrame` does not have (4001), or a bad shape (4002).
fn parse(text: &str) -> Parsed {
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(f) => Parsed::Frame(f),
        Err(e) if e.is_syntax() || e.is_eof() => Parsed::Close(close::DECODE_ERROR, "not JSON"),
        // serde's message for a tag `ClientFrame` has no variant for.
        Err(e) if e.to_string().starts_with("unknown variant") => {
            Parsed::Close(close::UNKNOWN_OP, "unknown op")
        }
        Err(_) => Parsed::Close(close::DECODE_ERROR, "bad payload"),
    }
}

struct Connection {
    state: SharedState,
    reader: Reader,
    out: Arc<Out>,
    interval: Duration,
    /// Fires when the client's heartbeat is overdue, or before identifying, when it has not
    /// identified in time. One timer for the connection's life, reset on each heartbeat
    /// once identified.
    deadline: Pin<Box<Sleep>>,
    /// What the timer waits for: identify (before) or a heartbeat (after).
    identified: bool,
    /// The client closed the socket with a close frame: its session is over for voice.
    client_closed: bool,
}

enum Step {
    Continue,
    Stop,
}

impl Connection {
    fn new(state: SharedState, stream: Arc<Socket>, leftover: Bytes) -> Connection {
        let interval = Duration::from_millis(state.config().gateway.heartbeat_interval_ms);
        let now = Instant::now();
        let out = Out::new(stream.clone(), state.hub.queue_capacity());
        Connection {
            state,
            // 240 frames a minute, with that many in a burst (GCRA).
            reader: Reader::new(
                stream,
                leftover,
                MAX_MESSAGE,
                RateLimiter::direct(Quota::per_minute(FRAMES_PER_MINUTE)),
            ),
            out,
            interval,
            deadline: Box::pin(sleep_until(now + interval * 2)),
            identified: false,
            client_closed: false,
        }
    }

    /// Sends a frame; false when the connection can send no more.
    fn send_text(&self, text: String) -> bool {
        self.out.text(Arc::from(text)).is_ok()
    }

    fn close(&self, code: u16, reason: &'static str) {
        self.out.close(code, reason);
    }

    /// Reads the next client frame, or `None` when the connection is over (a close frame,
    /// if one is due, has been queued). Meanwhile it writes what waits in the queue.
    async fn next_frame(&mut self) -> Option<ClientFrame> {
        let incoming = tokio::select! {
            _ = self.deadline.as_mut() => {
                let why = if self.identified {
                    "heartbeat timed out"
                } else {
                    "identify timed out"
                };
                self.out.close(close::SESSION_TIMED_OUT, why);
                return None;
            }
            // Stops only when the close frame is out or the socket failed.
            _ = self.out.drain(false) => return None,
            m = self.reader.next(&self.out) => m,
        };
        match incoming {
            Incoming::Closed => {
                self.client_closed = true;
                None
            }
            Incoming::Gone => None,
            Incoming::Violation(code, why) => {
                if code == close::RATE_LIMITED {
                    self.state.telemetry.rate_limited("gateway");
                }
                self.close(code, why);
                None
            }
            Incoming::Text(t) => match parse(t.as_str()) {
                Parsed::Frame(f) => Some(f),
                Parsed::Close(code, why) => {
                    self.close(code, why);
                    None
                }
            },
            Incoming::Binary => {
                self.close(close::DECODE_ERROR, "binary frames are not supported");
                None
            }
        }
    }

    /// Answers a heartbeat. Before identify it does not move the deadline: a socket that only
    /// heartbeats is closed when its time to identify is up.
    fn heartbeat(&mut self) -> bool {
        if self.identified {
            self.reset_deadline();
        }
        self.send_text(frame(op::HEARTBEAT_ACK, &serde_json::json!({})))
    }

    fn reset_deadline(&mut self) {
        let next = Instant::now() + self.interval * 2;
        self.deadline.as_mut().reset(next);
    }

    /// The session is open: from now on the deadline is the heartbeat's.
    fn identified(&mut self) {
        self.identified = true;
        self.reset_deadline();
    }

    async fn run(mut self) {
        let hello = Hello {
            heartbeat_interval_ms: self.interval.as_millis() as u64,
        };
        if self.send_text(frame(op::HELLO, &hello)) {
            self.serve().await;
        }
        // Write what is queued (a close frame, say); a peer that stopped reading does not
        // hold the task for long. Dropping the stream then closes the socket.
        let _ = tokio::time::timeout(CLOSE_FLUSH, self.out.drain(true)).await;
    }

    async fn serve(&mut self) {
        // Until identified: identify, resume or heartbeat only.
        let slot = loop {
            let Some(f) = self.next_frame().await else {
                return;
            };
            match f {
                ClientFrame::Heartbeat(_) => {
                    if !self.heartbeat() {
                        return;
                    }
                }
                ClientFrame::Identify(i) => match self.identify(&i.token).await {
                    Some(slot) => {
                        self.identified();
                        break slot;
                    }
                    None => return,
                },
                ClientFrame::Resume(r) => match self.resume(&r.token, &r.session_id, r.seq) {
                    Ok(Some(slot)) => {
                        self.identified();
                        break slot;
                    }
                    Ok(None) => {}
                    Err(()) => return,
                },
                _ => {
                    self.close(close::NOT_IDENTIFIED, "identify first");
                    return;
                }
            }
        };
        while let Some(f) = self.next_frame().await {
            if let Step::Stop = self.handle(f, &slot).await {
                break;
            }
        }
        sessions::disconnected(&self.state, &slot, &self.out, self.client_closed).await;
    }

    async fn identify(&mut self, token: &str) -> Option<Arc<Slot>> {
        match sessions::identify(&self.state, token, &self.out).await {
            Ok((slot, ready)) => {
                self.out.release(Some(Arc::from(frame(op::READY, &ready))));
                Some(slot)
            }
            Err(OpenError::Unauthenticated) => {
                self.close(close::AUTHENTICATION_FAILED, "authentication failed");
                None
            }
            Err(OpenError::Internal(e)) => {
                tracing::error!(error = %e, "cannot build ready");
                self.close(close::UNKNOWN_ERROR, "internal error");
                None
            }
        }
    }

    /// `Ok(None)`: the session could not be resumed and the client was told to identify.
    fn resume(&mut self, token: &str, session_id: &str, seq: u64) -> Result<Option<Arc<Slot>>, ()> {
        match sessions::resume(&self.state, token, session_id, seq, &self.out) {
            Ok(Some(slot)) => Ok(Some(slot)),
            Ok(None) => {
                if self.send_text(frame(
                    op::INVALID_SESSION,
                    &InvalidSession { resumable: false },
                )) {
                    Ok(None)
                } else {
                    Err(())
                }
            }
            Err(_) => {
                self.close(close::AUTHENTICATION_FAILED, "authentication failed");
                Err(())
            }
        }
    }
}

impl Connection {
    async fn handle(&mut self, f: ClientFrame, slot: &Arc<Slot>) -> Step {
        match f {
            ClientFrame::Heartbeat(_) => {
                if self.heartbeat() {
                    Step::Continue
                } else {
                    Step::Stop
                }
            }
            ClientFrame::Identify(_) | ClientFrame::Resume(_) => {
                self.close(close::UNKNOWN_ERROR, "already identified");
                Step::Stop
            }
            ClientFrame::WatchMembers(req) => {
                let text = match sessions::watch_members(&self.state, slot, req).await {
                    Ok(chunk) => frame(op::MEMBERS_CHUNK, &chunk),
                    Err(e) => frame(op::MEMBERS_ERROR, &e.body()),
                };
                if self.send_text(text) {
                    Step::Continue
                } else {
                    Step::Stop
                }
            }
            f @ (ClientFrame::VoiceJoin(_)
            | ClientFrame::VoiceAnswer(_)
            | ClientFrame::VoiceCandidate(_)
            | ClientFrame::VoiceState(_)
            | ClientFrame::VoiceLeave(_)) => {
                let Err(fail) = sessions::voice_op(&self.state, slot, f).await else {
                    return Step::Continue;
                };
                let err = spectrus_proto::gateway::VoiceError {
                    code: fail.code.into(),
                    message: fail.message,
                };
                if self.send_text(frame(op::VOICE_ERROR, &err)) {
                    Step::Continue
                } else {
                    Step::Stop
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<u16> {
        match parse(text) {
            Parsed::Frame(_) => None,
            Parsed::Close(code, _) => Some(code),
        }
    }

    #[test]
    fn frames_are_told_apart_by_serdes_error() {
        assert_eq!(code(r#"{"op":"heartbeat","d":{"seq":1}}"#), None);
        assert_eq!(code("not json"), Some(close::DECODE_ERROR));
        assert_eq!(code(r#"{"op":"dance","d":{}}"#), Some(close::UNKNOWN_OP));
        assert_eq!(code(r#"{"d":{},"op":"dance"}"#), Some(close::UNKNOWN_OP));
        assert_eq!(code(r#"{"d":{}}"#), Some(close::DECODE_ERROR));
        assert_eq!(code(r#"{"op":7,"d":{}}"#), Some(close::DECODE_ERROR));
        assert_eq!(
            code(r#"{"op":"identify","d":{"token":5}}"#),
            Some(close::DECODE_ERROR)
        );
    }
}
