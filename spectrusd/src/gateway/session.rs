//! One WebSocket connection: hello, identify or resume, heartbeats, and the writer that
//! stamps each dispatch with the session's sequence number.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::SinkExt;
use spectrus_proto::gateway::{ClientFrame, Hello, InvalidSession, close, op};
use spectrus_proto::model::Presence;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

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
    socket: WebSocket,
    interval: Duration,
    deadline: Instant,
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
        Connection {
            state,
            socket,
            interval,
            deadline: now + interval * 2,
            window_start: now,
            frames_in_window: 0,
            client_closed: false,
        }
    }

    async fn send_text(&mut self, text: String) -> bool {
        self.socket.send(Message::Text(text.into())).await.is_ok()
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let _ = self
            .socket
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
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
                _ = sleep_until(self.deadline) => {
                    self.close(close::SESSION_TIMED_OUT, "heartbeat timed out").await;
                    return None;
                }
                m = self.socket.recv() => m,
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
        self.deadline = Instant::now() + self.interval * 2;
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
        mut rx: mpsc::Receiver<Outbound>,
    ) {
        loop {
            let step = tokio::select! {
                out = rx.recv() => match out {
                    Some(Outbound::Close(code, reason)) => {
                        self.close(code, reason).await;
                        Step::Stop
                    }
                    Some(o) => self.write_burst(o, &mut rx).await,
                    None => Step::Stop,
                },
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
    }

    /// Writes `first` and whatever else is already queued (up to a bound), then flushes
    /// once: one syscall for a burst instead of one per frame.
    async fn write_burst(&mut self, first: Outbound, rx: &mut mpsc::Receiver<Outbound>) -> Step {
        const BURST: usize = 64;
        let mut next = Some(first);
        let mut written = 0;
        while let Some(o) = next.take() {
            match o {
                Outbound::Close(code, reason) => {
                    let _ = self.socket.flush().await;
                    self.close(code, reason).await;
                    return Step::Stop;
                }
                other => {
                    let Some(text) = other.render() else {
                        return Step::Stop;
                    };
                    if self.socket.feed(Message::Text(text.into())).await.is_err() {
                        return Step::Stop;
                    }
                }
            }
            written += 1;
            if written < BURST {
                next = rx.try_recv().ok();
            }
        }
        if self.socket.flush().await.is_err() {
            Step::Stop
        } else {
            Step::Continue
        }
    }

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
