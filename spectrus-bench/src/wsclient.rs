//! A minimal WebSocket client for the load generator's gateway sessions.
//!
//! It speaks just enough RFC 6455 to identify, heartbeat and read text frames: the
//! handshake, unmasked server frames (with continuation), masked client frames, ping/pong
//! and close. Ten thousand of these share the machine with the daemon under test, so each
//! received frame costs one buffer scan and no allocation beyond the read buffer; a full
//! client (tokio-tungstenite) spent as much CPU reading as the daemon spent sending.
//!
//! On a fan-out's path [`WsClient::read_texts`] does what the IRC client does with lines
//! (`crate::irc`): one read of whatever the socket has, then every complete frame in the
//! buffer handed over in place, so a session's task wakes once per read, not once per frame.
//! Heartbeats go from a task of their own ([`WsClient::heartbeat`]): a timer polled beside
//! every read took about a tenth of the reading task's time in user space. The two tasks
//! share the socket (an `Arc`, not a duplicated descriptor: ten thousand sessions must fit
//! in the machine's descriptor limit, 20,000 here).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const OP_CONT: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;

/// One gateway connection.
pub(crate) struct WsClient {
    /// Read and written by the session's task; the heartbeat task holds the other reference.
    stream: Arc<TcpStream>,
    /// The heartbeat task ([`WsClient::heartbeat`]), stopped with the client.
    heartbeat: Option<JoinHandle<()>>,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed by returned frames.
    start: usize,
    /// A text message being reassembled from continuation frames.
    partial: Vec<u8>,
    /// `partial` holds a message already returned: clear it before the next.
    reassembled: bool,
    /// The payload of a ping not answered yet ([`WsClient::answer_pings`]).
    pong: Option<Vec<u8>>,
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
            stream: Arc::new(stream),
            heartbeat: None,
            buf,
            start: end,
            partial: Vec::new(),
            reassembled: false,
            pong: None,
        })
    }

    /// Sends one text frame (masked with a zero key: the payload goes as is).
    pub(crate) async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.send_frame(OP_TEXT, text.as_bytes()).await
    }

    async fn send_frame(&mut self, op: u8, payload: &[u8]) -> anyhow::Result<()> {
        write_all(&self.stream, &client_frame(op, payload)).await?;
        Ok(())
    }

    /// Sends `text` every `every` (the first after `every`) from a task of its own, until
    /// the client is dropped or a write fails. The task shares the socket and writes each
    /// frame in one non-blocking `write` (a heartbeat is a few dozen bytes: it goes whole, or
    /// waits for the next beat if the send buffer is full), so that frames of the two tasks
    /// never interleave.
    pub(crate) fn heartbeat(&mut self, every: Duration, text: &'static str) -> anyhow::Result<()> {
        let stream = self.stream.clone();
        let frame = client_frame(OP_TEXT, text.as_bytes());
        let beat = tokio::spawn(async move {
            let mut beat = tokio::time::interval(every);
            beat.tick().await;
            loop {
                beat.tick().await;
                match stream.try_write(&frame) {
                    Ok(n) if n == frame.len() => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    _ => break,
                }
            }
        });
        if let Some(old) = self.heartbeat.replace(beat) {
            old.abort();
        }
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
                    if read_some(&self.stream, &mut self.buf).await? == 0 {
                        return Ok(Incoming::Closed);
                    }
                }
            }
        }
    }

    /// Hands every complete text message in the buffer to `each`, reading once from the
    /// socket first when no complete frame is buffered; returns `false` once the server
    /// closed the connection. Frames are handed over as slices of the read buffer (a
    /// fragmented message is reassembled first); a ping's answer waits for
    /// [`WsClient::answer_pings`], so that this stays safe to cancel (no write half done).
    pub(crate) async fn read_texts(
        &mut self,
        each: &mut impl FnMut(&[u8]),
    ) -> anyhow::Result<bool> {
        loop {
            match self.parse_buffered(each)? {
                Parsed::Closed => return Ok(false),
                Parsed::Some => return Ok(true),
                Parsed::None => {}
            }
            crate::readbuf::make_room(&mut self.buf, &mut self.start);
            if read_some(&self.stream, &mut self.buf).await? == 0 {
                return Ok(false);
            }
        }
    }

    /// Every complete frame in the buffer: text messages to `each`, pings noted, a close
    /// reported.
    fn parse_buffered(&mut self, each: &mut impl FnMut(&[u8])) -> anyhow::Result<Parsed> {
        if self.reassembled {
            self.partial.clear();
            self.reassembled = false;
        }
        let mut any = Parsed::None;
        while let Some(f) = parse_frame(&self.buf[self.start..])? {
            let payload = &self.buf[self.start + f.payload.start..self.start + f.payload.end];
            self.start += f.used;
            any = Parsed::Some;
            match f.op {
                OP_TEXT if f.fin && self.partial.is_empty() => each(payload),
                OP_TEXT | OP_CONT => {
                    if self.partial.len() + payload.len() > 1 << 20 {
                        bail!("message too large");
                    }
                    self.partial.extend_from_slice(payload);
                    if f.fin {
                        each(&self.partial);
                        self.partial.clear();
                    }
                }
                OP_PING => self.pong = Some(payload.to_vec()),
                OP_CLOSE => return Ok(Parsed::Closed),
                _ => {}
            }
        }
        Ok(any)
    }

    /// Whether a ping waits for its answer.
    pub(crate) fn pinged(&self) -> bool {
        self.pong.is_some()
    }

    /// Answers the last ping received, if any.
    pub(crate) async fn answer_pings(&mut self) -> anyhow::Result<()> {
        if let Some(data) = self.pong.take() {
            self.send_frame(0xA, &data).await?;
        }
        Ok(())
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        if let Some(beat) = &self.heartbeat {
            beat.abort();
        }
    }
}

/// One client frame (masked with a zero key: the payload goes as is).
/// One read of what the socket has into `buf`'s spare room (safe to cancel: nothing is
/// read until the read itself, which does not wait).
async fn read_some(stream: &TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read_buf(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => return r,
        }
    }
}

/// Writes all of `bytes`, waiting while the socket's send buffer is full.
async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn client_frame(op: u8, payload: &[u8]) -> Vec<u8> {
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
    frame
}

/// What [`WsClient::parse_buffered`] found.
enum Parsed {
    /// No complete frame.
    None,
    /// At least one frame.
    Some,
    /// A close frame.
    Closed,
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
    use super::{WsClient, parse_frame};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// An unmasked server frame.
    fn frame(fin: bool, op: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![if fin { 0x80 | op } else { op }];
        if payload.len() < 126 {
            f.push(payload.len() as u8);
        } else {
            f.push(126);
            f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    /// A fake gateway's side: accepts one connection and answers its handshake.
    async fn accept_upgraded(listener: &tokio::net::TcpListener) -> tokio::net::TcpStream {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut req = [0u8; 1024];
        let _ = s.read(&mut req).await.unwrap();
        s.write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        s
    }

    #[tokio::test]
    async fn the_heartbeat_task_sends_its_frame_every_period_until_the_client_is_dropped() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let mut s = accept_upgraded(&listener).await;
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut ws = WsClient::connect(&url).await.unwrap();
        ws.heartbeat(std::time::Duration::from_millis(40), "hb")
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        drop(ws);
        let got = server.await.unwrap();
        // Whole masked text frames of "hb" (2 + 4 + 2 bytes); the connection ended, so the
        // task (which shares the socket) stopped with the client.
        let one = [0x81, 0x82, 0, 0, 0, 0, b'h', b'b'];
        assert_eq!(got.len() % one.len(), 0, "{got:?}");
        assert!(!got.is_empty());
        assert!(got.chunks(one.len()).all(|f| f == one));
    }

    #[tokio::test]
    async fn read_texts_hands_over_every_frame_of_a_read_across_splits_fragments_and_pings() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/gateway", listener.local_addr().unwrap());
        let big = vec![b'z'; 300];
        let mut wire = Vec::new();
        wire.extend(frame(true, 1, b"one"));
        wire.extend(frame(true, 1, b"two"));
        wire.extend(frame(false, 1, b"fra"));
        wire.extend(frame(true, 0x9, b"are you there"));
        wire.extend(frame(false, 0, b"gme"));
        wire.extend(frame(true, 0, b"nted"));
        wire.extend(frame(true, 1, &big));
        wire.extend(frame(true, 0x8, &[0x03, 0xe8]));
        let sent = wire.clone();
        let server = tokio::spawn(async move {
            let mut s = accept_upgraded(&listener).await;
            // Split inside a header, inside a payload and between frames.
            for part in [&sent[..1], &sent[1..7], &sent[7..30], &sent[30..]] {
                s.write_all(part).await.unwrap();
                s.flush().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            // The pong: masked with a zero key, the ping's payload.
            let mut pong = [0u8; 19];
            s.read_exact(&mut pong).await.unwrap();
            pong
        });
        let mut ws = WsClient::connect(&url).await.unwrap();
        let mut got: Vec<Vec<u8>> = Vec::new();
        let mut reads = 0;
        loop {
            let open = ws.read_texts(&mut |t| got.push(t.to_vec())).await.unwrap();
            reads += 1;
            if ws.pinged() {
                ws.answer_pings().await.unwrap();
            }
            if !open {
                break;
            }
        }
        let want: Vec<Vec<u8>> = vec![
            b"one".to_vec(),
            b"two".to_vec(),
            b"fragmented".to_vec(),
            big,
        ];
        assert_eq!(got, want);
        assert!(reads <= 5, "{reads} reads for four writes");
        let pong = server.await.unwrap();
        assert_eq!(pong[0], 0x8a);
        assert_eq!(pong[1], 0x80 | 13);
        assert_eq!(&pong[6..], b"are you there");
    }

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
