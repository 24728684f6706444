//! One WebSocket connection: hello, identify or resume, heartbeats, and the writer that
//! stamps each dispatch with the session's sequence number.
//!
//! The socket is split at once. Until the client is identified the connection task writes
//! itself; from then on a writer task of its own owns the sending half and drains the
//! session's outbound queue, so a dispatch wakes only that small task (no read poll, no
//! timer) and the reading task wakes only for the client's frames and its heartbeat deadline.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use spectrus_proto::gateway::{ClientFrame, Hello, InvalidSession, close, op};
use spectrus_proto::model::Presence;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep, sleep_until};

use super::hub::{Outbound, ResumeOutcome, Slot};
use crate::api::extract::authenticate;
use crate::domain::tokens::random_token;
use crate::service::accounts::publish_presence;
use crate::state::SharedState;

/// Frames a client may send per minute before it is disconnected with 4008.
const FRAMES_PER_MINUTE: u32 = 240;
const KNOWN_OPS: &[&str] = &[
    "identify",
    "resume",
    "heartbeat",
    "voice_join",
    "voice_answer",
    "voice_candidate",
    "voice_state",
    "voice_leave",
];

/// `GET /api/v1/gateway`: upgrades to a WebSocket with small buffers (many idle sessions).
pub async fn upgrade(State(state): State<SharedState>, ws: WebSocketUpgrade) -> Response {
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| async move {
            Connection::new(state, socket).run().await;
        })
}

fn frame(op_name: &str, d: &impl serde::Serialize) -> String {
    serde_json::json!({ "op": op_name, "d": d }).to_string()
}

enum Parsed {
    Frame(ClientFrame),
    Close(u16, &'static str),
}

fn parse(text: &str) -> Parsed {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Parsed::Close(close::DECODE_ERROR, "not JSON");
    };
    let Some(op_name) = v.get("op").and_then(|o| o.as_str()) else {
        return Parsed::Close(close::DECODE_ERROR, "no op");
    };
    if !KNOWN_OPS.contains(&op_name) {
        return Parsed::Close(close::UNKNOWN_OP, "unknown op");
    }
    match serde_json::from_value::<ClientFrame>(v) {
        Ok(f) => Parsed::Frame(f),
        Err(_) => Parsed::Close(close::DECODE_ERROR, "bad payload"),
    }
}

struct Connection {
    state: SharedState,
    stream: SplitStream<WebSocket>,
    /// The sending half until the session is identified (then the writer task owns it).
    sink: Option<SplitSink<WebSocket, Message>>,
    /// The session's outbound queue once the writer task runs.
    out: Option<mpsc::Sender<Outbound>>,
    interval: Duration,
    /// Fires when the client's heartbeat is overdue. One timer for the connection's life,
    /// reset on each heartbeat: re-creating it on every wakeup would register and cancel a
    /// timer per dispatched frame.
    deadline: Pin<Box<Sleep>>,
    window_start: Instant,
    frames_in_window: u32,
    /// The client closed the socket with a close frame: its session is over for voice.
    client_closed: bool,
}

enum Step {
    Continue,
    Stop,
}

impl Connection {
    fn new(state: SharedState, socket: WebSocket) -> Connection {
        let interval = Duration::from_millis(state.config().gateway.heartbeat_interval_ms);
        let now = Instant::now();
        let (sink, stream) = socket.split();
        Connection {
            state,
            stream,
            sink: Some(sink),
            out: None,
            interval,
            deadline: Box::pin(sleep_until(now + interval * 2)),
            window_start: now,
            frames_in_window: 0,
            client_closed: false,
        }
    }

    /// Sends a frame: directly before identify, through the writer task after.
    async fn send_text(&mut self, text: String) -> bool {
        if let Some(sink) = &mut self.sink {
            sink.send(Message::Text(text.into())).await.is_ok()
        } else if let Some(out) = &self.out {
            out.try_send(Outbound::Raw(Arc::from(text))).is_ok()
        } else {
            false
        }
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        if let Some(sink) = &mut self.sink {
            let _ = sink
                .send(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await;
        } else if let Some(out) = &self.out {
            let _ = out.try_send(Outbound::Close(code, reason));
        }
    }

    fn count_frame(&mut self) -> bool {
        if self.window_start.elapsed() >= Duration::from_secs(60) {
            self.window_start = Instant::now();
            self.frames_in_window = 0;
        }
        self.frames_in_window += 1;
        self.frames_in_window <= FRAMES_PER_MINUTE
    }

    /// Reads the next client frame, or `None` when the socket is done (already closed).
    async fn next_frame(&mut self) -> Option<ClientFrame> {
        loop {
            let msg = tokio::select! {
                _ = self.deadline.as_mut() => {
                    self.close(close::SESSION_TIMED_OUT, "heartbeat timed out").await;
                    return None;
                }
                m = self.stream.next() => m,
            };
            match msg {
                Some(Ok(Message::Close(_))) => {
                    self.client_closed = true;
                    return None;
                }
                None | Some(Err(_)) => return None,
                Some(Ok(Message::Text(t))) => {
                    if !self.count_frame() {
                        self.close(close::RATE_LIMITED, "too many frames").await;
                        return None;
                    }
                    match parse(t.as_str()) {
                        Parsed::Frame(f) => return Some(f),
                        Parsed::Close(code, why) => {
                            self.close(code, why).await;
                            return None;
                        }
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    self.close(close::DECODE_ERROR, "binary frames are not supported")
                        .await;
                    return None;
                }
                Some(Ok(_)) => {}
            }
        }
    }

    async fn heartbeat(&mut self) -> bool {
        let next = Instant::now() + self.interval * 2;
        self.deadline.as_mut().reset(next);
        self.send_text(frame(op::HEARTBEAT_ACK, &serde_json::json!({})))
            .await
    }

    async fn run(mut self) {
        let hello = Hello {
            heartbeat_interval_ms: self.interval.as_millis() as u64,
        };
        if !self.send_text(frame(op::HELLO, &hello)).await {
            return;
        }
        // Until identified: identify, resume or heartbeat only.
        let (slot, tx, rx) = loop {
            let Some(f) = self.next_frame().await else {
                return;
            };
            match f {
                ClientFrame::Heartbeat(_) => {
                    if !self.heartbeat().await {
                        return;
                    }
                }
                ClientFrame::Identify(i) => match self.identify(&i.token).await {
                    Some(att) => break att,
                    None => return,
                },
                ClientFrame::Resume(r) => match self.resume(&r.token, &r.session_id, r.seq).await {
                    Ok(Some(att)) => break att,
                    Ok(None) => {}
                    Err(()) => return,
                },
                _ => {
                    self.close(close::NOT_IDENTIFIED, "identify first").await;
                    return;
                }
            }
        };
        self.serve(slot, tx, rx).await;
    }

    async fn identify(
        &mut self,
        token: &str,
    ) -> Option<(Arc<Slot>, mpsc::Sender<Outbound>, mpsc::Receiver<Outbound>)> {
        let Ok(auth) = authenticate(&self.state, token) else {
            self.close(close::AUTHENTICATION_FAILED, "authentication failed")
                .await;
            return None;
        };
        let (tx, rx) = mpsc::channel(self.state.hub.queue_capacity());
        let was_online = self.state.hub.user_online(auth.user_id);
        let session_id = random_token(16);
        let slot =
            self.state
                .hub
                .register(session_id.clone(), auth.user_id, auth.family_id, tx.clone());
        match super::ready::build(&self.state, auth.user_id, session_id.clone()).await {
            Ok(ready) => {
                if !self.send_text(frame(op::READY, &ready)).await {
                    self.state.hub.remove(&session_id);
                    return None;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot build ready");
                self.state.hub.remove(&session_id);
                self.close(close::UNKNOWN_ERROR, "internal error").await;
                return None;
            }
        }
        if !was_online {
            publish_presence(&self.state, auth.user_id, Presence::Online);
        }
        Some((slot, tx, rx))
    }

    /// `Ok(None)`: the session could not be resumed and the client was told to identify.
    async fn resume(
        &mut self,
        token: &str,
        session_id: &str,
        seq: u64,
    ) -> Result<Option<(Arc<Slot>, mpsc::Sender<Outbound>, mpsc::Receiver<Outbound>)>, ()> {
        let Ok(auth) = authenticate(&self.state, token) else {
            self.close(close::AUTHENTICATION_FAILED, "authentication failed")
                .await;
            return Err(());
        };
        let (tx, rx) = mpsc::channel(self.state.hub.queue_capacity());
        let was_online = self.state.hub.user_online(auth.user_id);
        match self
            .state
            .hub
            .resume(session_id, auth.user_id, seq, tx.clone())
        {
            ResumeOutcome::Resumed(slot) => {
                self.state.voice.resumed(&self.state.hub, &slot.id);
                if !was_online {
                    publish_presence(&self.state, auth.user_id, Presence::Online);
                }
                Ok(Some((slot, tx, rx)))
            }
            ResumeOutcome::Invalid => {
                if self
                    .send_text(frame(
                        op::INVALID_SESSION,
                        &InvalidSession { resumable: false },
                    ))
                    .await
                {
                    Ok(None)
                } else {
                    Err(())
                }
            }
        }
    }

    async fn serve(
        &mut self,
        slot: Arc<Slot>,
        tx: mpsc::Sender<Outbound>,
        rx: mpsc::Receiver<Outbound>,
    ) {
        let Some(sink) = self.sink.take() else {
            return;
        };
        self.out = Some(tx.clone());
        let mut writer = self.state.writers.spawn(write_loop(sink, rx));
        let mut writer_done = false;
        loop {
            let step = tokio::select! {
                // The writer stops when the socket fails or it wrote a close frame.
                _ = &mut writer => {
                    writer_done = true;
                    Step::Stop
                }
                f = self.next_frame() => match f {
                    None => Step::Stop,
                    Some(f) => self.handle(f, &slot).await,
                },
            };
            if let Step::Stop = step {
                break;
            }
        }
        if self.client_closed {
            // A deliberate close ends voice now; an abrupt drop keeps it for a resume.
            self.state
                .voice
                .session_ended(&self.state.hub, &slot.id)
                .await;
        }
        let now_offline = self.state.hub.detach(&slot, &tx);
        if now_offline {
            publish_presence(&self.state, slot.user, Presence::Offline);
        }
        // With every sender gone the writer drains what is queued (a close frame, say) and
        // ends; a peer that stopped reading does not hold the task for long.
        self.out = None;
        drop(tx);
        if !writer_done
            && tokio::time::timeout(Duration::from_secs(2), &mut writer)
                .await
                .is_err()
        {
            writer.abort();
        }
    }
}

/// The writer task: drains the outbound queue onto the socket until the queue closes, a
/// close frame was written or the socket fails.
async fn write_loop(mut sink: SplitSink<WebSocket, Message>, mut rx: mpsc::Receiver<Outbound>) {
    while let Some(first) = rx.recv().await {
        if let Step::Stop = write_burst(&mut sink, first, &mut rx).await {
            break;
        }
    }
}

/// Writes `first` and whatever else is already queued (up to a bound), then flushes once:
/// one syscall for a burst instead of one per frame.
async fn write_burst(
    sink: &mut SplitSink<WebSocket, Message>,
    first: Outbound,
    rx: &mut mpsc::Receiver<Outbound>,
) -> Step {
    const BURST: usize = 64;
    let mut next = Some(first);
    let mut written = 0;
    while let Some(o) = next.take() {
        match o {
            Outbound::Close(code, reason) => {
                let _ = sink.flush().await;
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    })))
                    .await;
                return Step::Stop;
            }
            other => {
                let Some(text) = other.render() else {
                    return Step::Stop;
                };
                if sink.feed(Message::Text(text.into())).await.is_err() {
                    return Step::Stop;
                }
            }
        }
        written += 1;
        if written < BURST {
            next = rx.try_recv().ok();
        }
    }
    if sink.flush().await.is_err() {
        Step::Stop
    } else {
        Step::Continue
    }
}

impl Connection {
    async fn handle(&mut self, f: ClientFrame, slot: &Arc<Slot>) -> Step {
        match f {
            ClientFrame::Heartbeat(_) => {
                if self.heartbeat().await {
                    Step::Continue
                } else {
                    Step::Stop
                }
            }
            ClientFrame::Identify(_) | ClientFrame::Resume(_) => {
                self.close(close::UNKNOWN_ERROR, "already identified").await;
                Step::Stop
            }
            f @ (ClientFrame::VoiceJoin(_)
            | ClientFrame::VoiceAnswer(_)
            | ClientFrame::VoiceCandidate(_)
            | ClientFrame::VoiceState(_)
            | ClientFrame::VoiceLeave(_)) => {
                let Err(fail) = crate::voice::signalling::handle(&self.state, slot, f).await else {
                    return Step::Continue;
                };
                let err = spectrus_proto::gateway::VoiceError {
                    code: fail.code.into(),
                    message: fail.message,
                };
                if self.send_text(frame(op::VOICE_ERROR, &err)).await {
                    Step::Continue
                } else {
                    Step::Stop
                }
            }
        }
    }
}
