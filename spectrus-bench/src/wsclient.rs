//! A minimal WebSocket client for the load generator's gateway sessions.
//!
//! It speaks just enough RFC 6455 to identify, heartbeat and read text frames: the
//! handshake, unmasked server frames (with continuation), masked client frames, ping/pong
//! and close. Ten thousand of these share the machine with the daemon under test, so each
//! received frame costs one buffer scan and no allocation beyond the read buffer; a full
//! client (tokio-tungstenite) spent as much CPU reading as the daemon spent sending.

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OP_CONT: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;

/// One gateway connection.
pub(crate) struct WsClient {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed by returned frames.
    start: usize,
    /// A text message being reassembled from continuation frames.
    partial: Vec<u8>,
    /// `partial` holds a message already returned: clear it before the next.
    reassembled: bool,
}

/// What [`WsClient::next_text`] found.
pub(crate) enum Incoming<'a> {
    /// A complete text message.
    Text(&'a [u8]),
    /// The server closed the connection.
    Closed,
}

impl WsClient {
    /// Connects to `ws://host:port/path` and completes the handshake.
    pub(crate) async fn connect(url: &str) -> anyhow::Result<WsClient> {
        let rest = url.strip_prefix("ws://").context("only ws:// URLs")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let mut stream = TcpStream::connect(authority).await?;
        stream.set_nodelay(true)?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: c3BlY3RydXMtYmVuY2gtMDE=\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut buf = Vec::with_capacity(4096);
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > 16 * 1024 || stream.read_buf(&mut buf).await? == 0 {
                bail!("no handshake response");
            }
        };
        if !buf.starts_with(b"HTTP/1.1 101") {
            bail!(
                "handshake refused: {}",
                String::from_utf8_lossy(&buf[..end.min(80)])
            );
        }
        Ok(WsClient {
            stream,
            buf,
            start: end,
            partial: Vec::new(),
            reassembled: false,
        })
    }

    /// Sends one text frame (masked with a zero key: the payload goes as is).
    pub(crate) async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.send_frame(OP_TEXT, text.as_bytes()).await
    }

    async fn send_frame(&mut self, op: u8, payload: &[u8]) -> anyhow::Result<()> {
        let mut frame = Vec::with_capacity(payload.len() + 14);
        frame.push(0x80 | op);
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= 0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).await?;
        Ok(())
    }

    /// The next complete text message (pings are answered on the way).
    pub(crate) async fn next_text(&mut self) -> anyhow::Result<Incoming<'_>> {
        if self.reassembled {
            self.partial.clear();
            self.reassembled = false;
        }
        loop {
            match parse_frame(&self.buf[self.start..])? {
                Some(FrameHead {
                    fin,
                    op,
                    payload: range,
                    used,
                }) => {
                    let at = self.start;
                    self.start += used;
                    let payload = at + range.start..at + range.end;
                    match op {
                        OP_TEXT if fin => return Ok(Incoming::Text(&self.buf[payload])),
                        OP_TEXT | OP_CONT => {
                            self.partial.extend_from_slice(&self.buf[payload]);
                            if fin {
                                self.reassembled = true;
                                return Ok(Incoming::Text(&self.partial));
                            }
                        }
                        OP_PING => {
                            let data = self.buf[payload].to_vec();
                            self.send_frame(0xA, &data).await?;
                        }
                        OP_CLOSE => return Ok(Incoming::Closed),
                        _ => {}
                    }
                }
                None => {
                    // Keep the unconsumed tail at the front, then read more.
                    if self.start > 0 {
                        self.buf.drain(..self.start);
                        self.start = 0;
                    }
                    if self.partial.len() > 1 << 20 {
                        bail!("message too large");
                    }
                    if self.buf.capacity() - self.buf.len() < 2048 {
                        self.buf.reserve(4096);
                    }
                    if self.stream.read_buf(&mut self.buf).await? == 0 {
                        return Ok(Incoming::Closed);
                    }
                }
            }
        }
    }
}

/// A server frame's header, as [`parse_frame`] found it.
struct FrameHead {
    fin: bool,
    op: u8,
    /// Where the payload is, relative to the frame's start.
    payload: std::ops::Range<usize>,
    /// Header plus payload length.
    used: usize,
}

/// Parses one server frame at the start of `b`, or `None` when it is not complete yet.
fn parse_frame(b: &[u8]) -> anyhow::Result<Option<FrameHead>> {
    if b.len() < 2 {
        return Ok(None);
    }
    let fin = b[0] & 0x80 != 0;
    let op = b[0] & 0x0f;
    if b[1] & 0x80 != 0 {
        bail!("the server masked a frame");
    }
    let (len, head) = match b[1] & 0x7f {
        126 if b.len() >= 4 => (usize::from(u16::from_be_bytes([b[2], b[3]])), 4),
        127 if b.len() >= 10 => {
            let mut n = [0u8; 8];
            n.copy_from_slice(&b[2..10]);
            (usize::try_from(u64::from_be_bytes(n))?, 10)
        }
        126 | 127 => return Ok(None),
        n => (usize::from(n), 2),
    };
    if b.len() < head + len {
        return Ok(None);
    }
    Ok(Some(FrameHead {
        fin,
        op,
        payload: head..head + len,
        used: head + len,
    }))
}

#[cfg(test)]
mod tests {
    use super::parse_frame;

    #[test]
    fn parses_short_medium_and_incomplete_frames() {
        let short = [0x81, 3, b'a', b'b', b'c'];
        let f = parse_frame(&short).unwrap().unwrap();
        assert!(f.fin);
        assert_eq!(f.op, 1);
        assert_eq!(&short[f.payload], b"abc");
        assert_eq!(f.used, 5);

        let mut medium = vec![0x81, 126, 0x01, 0x00];
        medium.extend(std::iter::repeat_n(b'x', 256));
        let f = parse_frame(&medium).unwrap().unwrap();
        assert_eq!(f.payload.len(), 256);
        assert_eq!(f.used, 260);
        assert!(parse_frame(&medium[..100]).unwrap().is_none());
        assert!(parse_frame(&[0x81]).unwrap().is_none());
        assert!(parse_frame(&[0x81, 0x83, 0, 0, 0, 0]).is_err());
    }
}
