//! A gateway connection that heartbeats, reconnects with backoff and resumes, so the
//! application sees one unbroken stream of events (or is told when it must start over).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use spectrus_proto::gateway::{
    ClientFrame, Dispatch, Heartbeat, Hello, Identify, Ready, Resume, ServerFrame, close, op,
};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::ClientError;
use crate::rest::Client;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the application receives.
// A dispatch carrying a message is the common event, and events move one at a time: boxing
// it would add an allocation per event to save copying ~300 bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum GatewayEvent {
    /// A (new) session is ready: the full state. Comes first, and again after an
    /// `invalid_session` forced a fresh identify.
    Ready(Box<Ready>),
    /// A dispatch, with its sequence number.
    Dispatch { seq: u64, event: Dispatch },
    /// The connection dropped; reconnecting (attempt number).
    Reconnecting { attempt: u32 },
    /// Reconnected and every missed event was replayed.
    Resumed,
    /// A voice signalling frame (`voice_offer`, `voice_candidate`, `voice_error`).
    Voice { op: String, d: serde_json::Value },
    /// The server ended the session for good (e.g. authentication failed).
    Closed { code: u16, reason: String },
    /// The answer to a `watch_members` (large servers): the watched members with presence.
    Members(spectrus_proto::gateway::MembersChunk),
}

/// Tuning for tests and benchmarks.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// Reconnect automatically when the socket drops.
    pub reconnect: bool,
    /// Longest wait between reconnect attempts.
    pub max_backoff: Duration,
    /// Events buffered for the application.
    pub queue: usize,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        GatewayOptions {
            reconnect: true,
            max_backoff: Duration::from_secs(10),
            queue: 4096,
        }
    }
}

enum Command {
    Send(ClientFrame),
    /// Drop the socket without a close frame (what a network failure looks like).
    Drop,
    Close,
}

/// A live gateway connection.
pub struct Gateway {
    events: mpsc::Receiver<GatewayEvent>,
    handle: GatewayHandle,
    ready: Box<Ready>,
}

impl Gateway {
    /// Connects, identifies and waits for `ready`.
    pub async fn connect(client: &Client) -> Result<Gateway, ClientError> {
        Self::connect_with(client, GatewayOptions::default()).await
    }

    /// [`Gateway::connect`] with options.
    pub async fn connect_with(
        client: &Client,
        opts: GatewayOptions,
    ) -> Result<Gateway, ClientError> {
        let (ws, hello) = open(client).await?;
        let mut ws = ws;
        let token = client.access_token().ok_or(ClientError::NotLoggedIn)?;
        send(&mut ws, &ClientFrame::Identify(Identify { token })).await?;
        let ready = loop {
            match read_frame(&mut ws).await? {
                Some(f) if f.op == op::READY => {
                    break Box::new(
                        serde_json::from_value::<Ready>(f.d)
                            .map_err(|e| ClientError::Decode(e.to_string()))?,
                    );
                }
                Some(f) if f.op == op::HEARTBEAT_ACK => {}
                Some(f) => {
                    return Err(ClientError::Gateway(format!(
                        "expected ready, got {}",
                        f.op
                    )));
                }
                None => {
                    return Err(ClientError::Gateway(
                        "closed before ready (authentication failed?)".into(),
                    ));
                }
            }
        };
        let (ev_tx, ev_rx) = mpsc::channel(opts.queue);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let task = Task {
            client: client.clone(),
            opts,
            session_id: ready.session_id.clone(),
            seq: 0,
            interval: Duration::from_millis(hello.heartbeat_interval_ms),
            events: ev_tx,
            commands: cmd_rx,
        };
        tokio::spawn(task.run(ws));
        Ok(Gateway {
            events: ev_rx,
            handle: GatewayHandle { commands: cmd_tx },
            ready,
        })
    }

    /// The `ready` payload of the first session.
    pub fn ready(&self) -> &Ready {
        &self.ready
    }

    /// The next event; `None` once the connection is closed for good.
    pub async fn next_event(&mut self) -> Option<GatewayEvent> {
        self.events.recv().await
    }

    /// The next dispatch within `timeout`, skipping other events.
    pub async fn next_dispatch(&mut self, timeout: Duration) -> Option<(u64, Dispatch)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(GatewayEvent::Dispatch { seq, event })) => return Some((seq, event)),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// Sends a frame (voice signalling).
    pub fn send(&self, frame: ClientFrame) {
        self.handle.send(frame);
    }

    /// Drops the socket abruptly, as a network failure would; the connection then
    /// reconnects and resumes. For tests and for "reconnect now" in clients.
    pub fn drop_connection(&self) {
        self.handle.drop_connection();
    }

    /// Closes the connection for good.
    pub fn close(&self) {
        self.handle.close();
    }

    /// Splits off the event receiver (for applications with their own loop).
    pub fn into_parts(self) -> (Box<Ready>, mpsc::Receiver<GatewayEvent>, GatewayHandle) {
        (self.ready, self.events, self.handle)
    }
}

/// The command side of a gateway split with [`Gateway::into_parts`].
#[derive(Clone)]
pub struct GatewayHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl GatewayHandle {
    /// Sends a frame.
    pub fn send(&self, frame: ClientFrame) {
        let _ = self.commands.send(Command::Send(frame));
    }
    /// Drops the socket (it reconnects and resumes).
    pub fn drop_connection(&self) {
        let _ = self.commands.send(Command::Drop);
    }
    /// Closes for good.
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }
}

async fn open(client: &Client) -> Result<(Ws, Hello), ClientError> {
    let connector = client
        .tls_config()
        .map(tokio_tungstenite::Connector::Rustls);
    let (mut ws, _) = tokio_tungstenite::connect_async_tls_with_config(
        client.gateway_url(),
        None,
        false,
        connector,
    )
    .await
    .map_err(|e| ClientError::Gateway(format!("cannot connect: {e}")))?;
    match read_frame(&mut ws).await? {
        Some(f) if f.op == op::HELLO => {
            let hello =
                serde_json::from_value(f.d).map_err(|e| ClientError::Decode(e.to_string()))?;
            Ok((ws, hello))
        }
        _ => Err(ClientError::Gateway("no hello".into())),
    }
}

async fn send(ws: &mut Ws, frame: &ClientFrame) -> Result<(), ClientError> {
    let text = serde_json::to_string(frame).map_err(|e| ClientError::Decode(e.to_string()))?;
    ws.send(Message::Text(text.into()))
        .await
        .map_err(|e| ClientError::Gateway(e.to_string()))
}

/// The next JSON frame; `Ok(None)` on close.
async fn read_frame(ws: &mut Ws) -> Result<Option<ServerFrame>, ClientError> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                return serde_json::from_str(t.as_str())
                    .map(Some)
                    .map_err(|e| ClientError::Decode(e.to_string()));
            }
            Some(Ok(Message::Close(_))) | None => return Ok(None),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ClientError::Gateway(e.to_string())),
        }
    }
}

struct Task {
    client: Client,
    opts: GatewayOptions,
    session_id: String,
    seq: u64,
    interval: Duration,
    events: mpsc::Sender<GatewayEvent>,
    commands: mpsc::UnboundedReceiver<Command>,
}

enum End {
    /// The socket failed: reconnect.
    Lost,
    /// Stop for good.
    Stop,
}

impl Task {
    async fn run(mut self, first: Ws) {
        let mut ws = Some(first);
        let mut attempt = 0u32;
        loop {
            let socket = match ws.take() {
                Some(s) => s,
                None => match self.reconnect().await {
                    Some(s) => {
                        attempt = 0;
                        s
                    }
                    None => {
                        attempt += 1;
                        if self
                            .events
                            .send(GatewayEvent::Reconnecting { attempt })
                            .await
                            .is_err()
                        {
                            return;
                        }
                        let backoff = Duration::from_millis(100 * 2u64.pow(attempt.min(7)));
                        tokio::time::sleep(backoff.min(self.opts.max_backoff)).await;
                        if self.closed_by_app() {
                            return;
                        }
                        continue;
                    }
                },
            };
            match self.pump(socket).await {
                End::Stop => return,
                End::Lost if self.opts.reconnect => {
                    if self
                        .events
                        .send(GatewayEvent::Reconnecting { attempt: 0 })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                End::Lost => {
                    let _ = self
                        .events
                        .send(GatewayEvent::Closed {
                            code: 1006,
                            reason: "connection lost".into(),
                        })
                        .await;
                    return;
                }
            }
        }
    }

    fn closed_by_app(&mut self) -> bool {
        matches!(
            self.commands.try_recv(),
            Ok(Command::Close) | Err(mpsc::error::TryRecvError::Disconnected)
        )
    }

    /// One reconnect attempt: resume, or identify afresh when the session is gone.
    async fn reconnect(&mut self) -> Option<Ws> {
        let (mut ws, hello) = open(&self.client).await.ok()?;
        self.interval = Duration::from_millis(hello.heartbeat_interval_ms);
        // Access tokens last 15 minutes: refresh first so a long outage can still resume.
        let _ = self.client.refresh_if_needed().await;
        let token = self.client.access_token()?;
        let resume = ClientFrame::Resume(Resume {
            token: token.clone(),
            session_id: self.session_id.clone(),
            seq: self.seq,
        });
        send(&mut ws, &resume).await.ok()?;
        // Replayed dispatches come first, then `resumed` (or `invalid_session`).
        loop {
            let f = read_frame(&mut ws).await.ok()??;
            match f.op.as_str() {
                op::DISPATCH => {
                    self.deliver(f).await;
                }
                op::RESUMED => {
                    let _ = self.events.send(GatewayEvent::Resumed).await;
                    return Some(ws);
                }
                op::INVALID_SESSION => {
                    send(
                        &mut ws,
                        &ClientFrame::Identify(Identify {
                            token: token.clone(),
                        }),
                    )
                    .await
                    .ok()?;
                    let ready = loop {
                        let f = read_frame(&mut ws).await.ok()??;
                        if f.op == op::READY {
                            break serde_json::from_value::<Ready>(f.d).ok()?;
                        }
                    };
                    self.session_id = ready.session_id.clone();
                    self.seq = 0;
                    let _ = self.events.send(GatewayEvent::Ready(Box::new(ready))).await;
                    return Some(ws);
                }
                _ => {}
            }
        }
    }

    async fn deliver(&mut self, f: ServerFrame) {
        let Some(seq) = f.s else { return };
        if seq <= self.seq {
            return; // already delivered
        }
        self.seq = seq;
        let t = f.t.unwrap_or_default();
        match Dispatch::from_parts(&t, f.d) {
            Ok(event) => {
                let _ = self
                    .events
                    .send(GatewayEvent::Dispatch { seq, event })
                    .await;
            }
            Err(e) => tracing::warn!(event = %t, error = %e, "undecodable dispatch"),
        }
    }

    async fn pump(&mut self, mut ws: Ws) -> End {
        let mut beat = tokio::time::interval(self.interval);
        beat.tick().await;
        loop {
            tokio::select! {
                _ = beat.tick() => {
                    if send(&mut ws, &ClientFrame::Heartbeat(Heartbeat { seq: Some(self.seq) })).await.is_err() {
                        return End::Lost;
                    }
                }
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Send(frame)) => {
                        if send(&mut ws, &frame).await.is_err() {
                            return End::Lost;
                        }
                    }
                    Some(Command::Drop) => {
                        drop(ws);
                        return End::Lost;
                    }
                    Some(Command::Close) | None => {
                        let _ = ws.close(Some(CloseFrame { code: 1000.into(), reason: "bye".into() })).await;
                        return End::Stop;
                    }
                },
                frame = ws.next() => match frame {
                    Some(Ok(Message::Text(t))) => {
                        let Ok(f) = serde_json::from_str::<ServerFrame>(t.as_str()) else { continue };
                        match f.op.as_str() {
                            op::DISPATCH => self.deliver(f).await,
                            op::VOICE_OFFER | op::VOICE_CANDIDATE | op::VOICE_ERROR => {
                                let _ = self.events.send(GatewayEvent::Voice { op: f.op, d: f.d }).await;
                            }
                            op::MEMBERS_CHUNK => match serde_json::from_value(f.d) {
                                Ok(chunk) => {
                                    let _ = self.events.send(GatewayEvent::Members(chunk)).await;
                                }
                                Err(e) => tracing::warn!(error = %e, "undecodable members_chunk"),
                            },
                            op::MEMBERS_ERROR => tracing::warn!(error = %f.d, "watch_members refused"),
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let (code, reason) = frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                        if code == close::AUTHENTICATION_FAILED || code == close::DECODE_ERROR || code == close::UNKNOWN_OP {
                            let _ = self.events.send(GatewayEvent::Closed { code, reason }).await;
                            return End::Stop;
                        }
                        return End::Lost;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return End::Lost,
                },
            }
        }
    }
}
