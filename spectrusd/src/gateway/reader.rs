//! A gateway connection's receiving side: tungstenite's protocol state machine (masking,
//! fragments, UTF-8, size limits, ping and close handling) fed straight from the socket.
//!
//! tungstenite is used without owning the socket: it reads through a borrowed view of the
//! stream and whatever it answers by itself (pongs, the close reply) is collected and handed
//! to [`Out`], the one place frames are written.

use std::io::{self, Read, Write};
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpStream;
use tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};
use tungstenite::{Message, Utf8Bytes};

use crate::bus::out::Out;

/// What the client sent.
#[derive(Debug)]
pub(super) enum Incoming {
    /// A text message.
    Text(Utf8Bytes),
    /// A binary message (the gateway speaks text only).
    Binary,
    /// The client closed the connection with a close frame (already answered).
    Closed,
    /// The client broke the protocol: close with this code.
    Violation(u16, &'static str),
    /// The socket ended or failed.
    Gone,
}

/// The receiving side of one connection.
pub(super) struct Reader {
    stream: Arc<TcpStream>,
    ctx: WebSocketContext,
    /// tungstenite's own replies, waiting to go to [`Out`].
    replies: Vec<u8>,
}

/// The socket as tungstenite sees it: reads never wait, writes are collected.
struct View<'a> {
    stream: &'a TcpStream,
    replies: &'a mut Vec<u8>,
}

impl Read for View<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.try_read(buf)
    }
}

impl Write for View<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.replies.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Reader {
    /// Reads `stream`; `leftover` is what the HTTP server had read past the handshake.
    pub(super) fn new(stream: Arc<TcpStream>, leftover: Bytes, max_message: usize) -> Reader {
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .max_write_buffer_size(64 * 1024)
            .max_message_size(Some(max_message))
            .max_frame_size(Some(max_message));
        Reader {
            stream,
            ctx: WebSocketContext::from_partially_read(
                leftover.to_vec(),
                Role::Server,
                Some(config),
            ),
            replies: Vec::new(),
        }
    }

    /// The next message. Cancel-safe: a partly read frame stays in tungstenite's buffer.
    pub(super) async fn next(&mut self, out: &Out) -> Incoming {
        loop {
            let result = self.ctx.read(&mut View {
                stream: &self.stream,
                replies: &mut self.replies,
            });
            let incoming = match result {
                Ok(Message::Text(t)) => Some(Incoming::Text(t)),
                Ok(Message::Binary(_)) => Some(Incoming::Binary),
                Ok(Message::Close(_)) => {
                    // Queue the close reply tungstenite prepared.
                    let _ = self.ctx.flush(&mut View {
                        stream: &self.stream,
                        replies: &mut self.replies,
                    });
                    Some(Incoming::Closed)
                }
                Ok(_) => None, // ping (answered), pong, raw frame
                Err(WsError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                    let _ = out.framed(std::mem::take(&mut self.replies));
                    if self.stream.readable().await.is_err() {
                        return Incoming::Gone;
                    }
                    continue;
                }
                Err(WsError::Capacity(CapacityError::MessageTooLong { .. })) => {
                    Some(Incoming::Violation(1009, "message too big"))
                }
                Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)) => {
                    Some(Incoming::Gone)
                }
                Err(WsError::Utf8(_)) => Some(Incoming::Violation(1007, "invalid UTF-8")),
                Err(WsError::Protocol(_) | WsError::Capacity(_)) => {
                    Some(Incoming::Violation(1002, "protocol error"))
                }
                Err(_) => Some(Incoming::Gone),
            };
            let _ = out.framed(std::mem::take(&mut self.replies));
            if let Some(incoming) = incoming {
                return incoming;
            }
        }
    }
}
