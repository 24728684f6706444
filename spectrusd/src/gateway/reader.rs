//! A gateway connection's receiving side: tungstenite's protocol state machine (masking,
//! fragments, UTF-8, size limits, ping and close handling) fed straight from the socket.
//!
//! tungstenite is used without owning the socket: it reads through a borrowed view of the
//! stream and whatever it answers by itself (pongs, the close reply) is collected and handed
//! to [`Out`], the one place frames are written.
//!
//! Every frame the client sends counts against the connection's frame limit, whatever it
//! is (text, ping, pong, continuation): the view walks the frame headers in the bytes it
//! hands to tungstenite ([`FrameCounter`]) and refuses to read on once the limit is spent,
//! since tungstenite answers pings and gathers fragments without returning to us.

use std::io::{self, Read, Write};
use std::sync::Arc;

use bytes::Bytes;
use governor::DefaultDirectRateLimiter;
use tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};
use tungstenite::{Message, Utf8Bytes};

use spectrus_proto::gateway::close;

use crate::bus::out::Out;
use crate::socket::Socket;

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

/// Finds where frames start in the client's byte stream, to count them.
#[derive(Debug, Default)]
pub(super) struct FrameCounter {
    /// The header of the frame being read, so far (at most 14 bytes).
    header: Vec<u8>,
    /// Payload bytes of the current frame still to come.
    payload_left: u64,
}

impl FrameCounter {
    /// Walks `bytes`; returns how many frames start in them.
    pub(super) fn feed(&mut self, mut bytes: &[u8]) -> u32 {
        let mut started = 0;
        while !bytes.is_empty() {
            if self.payload_left > 0 {
                let skip = self.payload_left.min(bytes.len() as u64);
                self.payload_left -= skip;
                bytes = &bytes[skip as usize..];
                continue;
            }
            if self.header.is_empty() {
                started += 1;
            }
            self.header.push(bytes[0]);
            bytes = &bytes[1..];
            if let Some(payload) = self.header_done() {
                self.header.clear();
                self.payload_left = payload;
            }
        }
        started
    }

    /// The payload length once the header is complete.
    fn header_done(&self) -> Option<u64> {
        let h = &self.header;
        if h.len() < 2 {
            return None;
        }
        let mask = if h[1] & 0x80 != 0 { 4 } else { 0 };
        let (ext, len) = match h[1] & 0x7f {
            126 => (2, None),
            127 => (8, None),
            n => (0, Some(u64::from(n))),
        };
        if h.len() < 2 + ext + mask {
            return None;
        }
        Some(len.unwrap_or_else(|| {
            h[2..2 + ext]
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        }))
    }
}

/// The error the view answers with once the client has sent too many frames.
fn too_many_frames() -> io::Error {
    io::Error::other("too many frames")
}

/// The receiving side of one connection.
pub(super) struct Reader {
    stream: Arc<Socket>,
    ctx: WebSocketContext,
    /// tungstenite's own replies, waiting to go to [`Out`].
    replies: Vec<u8>,
    counter: FrameCounter,
    /// Frames the client may send (GCRA): every frame takes one cell.
    limit: DefaultDirectRateLimiter,
    /// The leftover from the handshake already broke the limit.
    over: bool,
}

/// The socket as tungstenite sees it: reads never wait, writes are collected.
struct View<'a> {
    stream: &'a Socket,
    replies: &'a mut Vec<u8>,
    counter: &'a mut FrameCounter,
    limit: &'a DefaultDirectRateLimiter,
    over: &'a mut bool,
}

impl Read for View<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.try_read(buf)?;
        if !spend(self.limit, self.counter.feed(&buf[..n])) {
            *self.over = true;
            return Err(too_many_frames());
        }
        Ok(n)
    }
}

/// Takes `frames` cells from `limit`; false when they are not there.
fn spend(limit: &DefaultDirectRateLimiter, frames: u32) -> bool {
    match std::num::NonZeroU32::new(frames) {
        None => true,
        Some(n) => matches!(limit.check_n(n), Ok(Ok(()))),
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
    /// Every frame takes one cell of `limit`.
    pub(super) fn new(
        stream: Arc<Socket>,
        leftover: Bytes,
        max_message: usize,
        limit: DefaultDirectRateLimiter,
    ) -> Reader {
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .max_write_buffer_size(64 * 1024)
            .max_message_size(Some(max_message))
            .max_frame_size(Some(max_message));
        let mut counter = FrameCounter::default();
        let over = !spend(&limit, counter.feed(&leftover));
        Reader {
            stream,
            ctx: WebSocketContext::from_partially_read(
                leftover.to_vec(),
                Role::Server,
                Some(config),
            ),
            replies: Vec::new(),
            counter,
            limit,
            over,
        }
    }

    /// The next message. Cancel-safe: a partly read frame stays in tungstenite's buffer.
    pub(super) async fn next(&mut self, out: &Out) -> Incoming {
        if self.over {
            return Incoming::Violation(close::RATE_LIMITED, "too many frames");
        }
        loop {
            let result = self.ctx.read(&mut View {
                stream: &self.stream,
                replies: &mut self.replies,
                counter: &mut self.counter,
                limit: &self.limit,
                over: &mut self.over,
            });
            let incoming = match result {
                Ok(Message::Text(t)) => Some(Incoming::Text(t)),
                Ok(Message::Binary(_)) => Some(Incoming::Binary),
                Ok(Message::Close(_)) => {
                    // Queue the close reply tungstenite prepared.
                    let _ = self.ctx.flush(&mut View {
                        stream: &self.stream,
                        replies: &mut self.replies,
                        counter: &mut self.counter,
                        limit: &self.limit,
                        over: &mut self.over,
                    });
                    Some(Incoming::Closed)
                }
                Ok(_) => None, // ping (answered), pong, raw frame
                Err(_) if self.over => {
                    Some(Incoming::Violation(close::RATE_LIMITED, "too many frames"))
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame with `len` payload bytes.
    fn frame(opcode: u8, fin: bool, len: usize) -> Vec<u8> {
        let mut f = vec![if fin { 0x80 } else { 0 } | opcode];
        match len {
            0..=125 => f.push(0x80 | len as u8),
            126..=65535 => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&[1, 2, 3, 4]);
        f.extend(std::iter::repeat_n(b'x', len));
        f
    }

    #[test]
    fn every_frame_is_counted_whatever_its_kind_and_however_it_is_split() {
        let mut bytes = Vec::new();
        bytes.extend(frame(0x9, true, 0)); // ping
        bytes.extend(frame(0xA, true, 5)); // pong
        bytes.extend(frame(0x1, false, 10)); // text, first fragment
        bytes.extend(frame(0x0, false, 300)); // continuation
        bytes.extend(frame(0x0, true, 70_000)); // last continuation, 64-bit length
        bytes.extend(frame(0x1, true, 125));
        let mut whole = FrameCounter::default();
        assert_eq!(whole.feed(&bytes), 6);
        for chunk in [1, 3, 7, 100] {
            let mut split = FrameCounter::default();
            let n: u32 = bytes.chunks(chunk).map(|c| split.feed(c)).sum();
            assert_eq!(n, 6, "in chunks of {chunk}");
        }
    }
}
