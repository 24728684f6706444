//! A gateway connection's sending side.
//!
//! A frame is written straight into the socket by whichever thread produces it (a delivery
//! lane, the connection's own task) when nothing waits ahead of it: no task is woken per
//! delivery. When the socket's send buffer is full the frame (or what is left of it) joins
//! a queue, and the connection's task drains the queue as the socket becomes writable.
//! Frames never interleave: the direct path is taken only with an empty queue, under the
//! same lock the drain holds.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use crate::socket::Socket;

use super::wire::{self, FramePrefix};

/// One frame waiting in the queue.
enum Chunk {
    /// A dispatch, stamped with its sequence number when written.
    Dispatch(u64, FramePrefix),
    /// A complete text frame's payload.
    Text(Arc<str>),
    /// Bytes already framed: the rest of a partly written frame, or control replies.
    Bytes(Vec<u8>),
    /// A close frame: the last thing this connection sends.
    Close(u16, &'static str),
}

impl Chunk {
    fn encode(&self, buf: &mut Vec<u8>) {
        match self {
            Chunk::Dispatch(seq, prefix) => wire::dispatch(buf, prefix, *seq),
            Chunk::Text(text) => wire::text(buf, &[text.as_bytes()]),
            Chunk::Bytes(bytes) => buf.extend_from_slice(bytes),
            Chunk::Close(code, reason) => wire::close(buf, *code, reason),
        }
    }
}

/// A frame handed to [`Out::send_all`].
#[derive(Debug, Clone, Copy)]
pub enum Frame<'a> {
    /// A dispatch stamped with its sequence number.
    Dispatch(u64, &'a FramePrefix),
    /// A text frame without a sequence number.
    Text(&'a Arc<str>),
    /// Bytes that are already whole frames (tungstenite's pong and close replies).
    Framed(&'a [u8]),
    /// A close frame: the last thing the connection sends.
    Close(u16, &'static str),
}

impl Frame<'_> {
    fn encode(self, buf: &mut Vec<u8>) {
        match self {
            Frame::Dispatch(seq, prefix) => wire::dispatch(buf, prefix, seq),
            Frame::Text(text) => wire::text(buf, &[text.as_bytes()]),
            Frame::Framed(bytes) => buf.extend_from_slice(bytes),
            Frame::Close(code, reason) => wire::close(buf, code, reason),
        }
    }

    fn to_chunk(self) -> Chunk {
        match self {
            Frame::Dispatch(seq, prefix) => Chunk::Dispatch(seq, prefix.clone()),
            Frame::Text(text) => Chunk::Text(text.clone()),
            Frame::Framed(bytes) => Chunk::Bytes(bytes.to_vec()),
            Frame::Close(code, reason) => Chunk::Close(code, reason),
        }
    }
}

/// How much the drain writes at once.
const DRAIN_WRITE: usize = 64 * 1024;

/// Why a frame was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full: the client does not read fast enough.
    Full,
    /// The socket failed or the connection is closing.
    Gone,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Chunk>,
    /// Frames queue without being written until [`Out::release`]: `ready` goes first.
    held: bool,
    /// Where `ready` goes when released: after what was queued before the hold.
    held_from: usize,
    /// A close frame was accepted: nothing more is.
    closing: bool,
    /// The close frame left or the socket failed: nothing more is written.
    done: bool,
}

impl State {
    /// How many queued frames may be written now: while held, only those queued before the
    /// hold.
    fn writable(&self) -> usize {
        if self.held {
            self.held_from.min(self.queue.len())
        } else {
            self.queue.len()
        }
    }
}

/// The sending side of one gateway connection; shared by its task and the delivery lanes.
pub struct Out {
    stream: Arc<Socket>,
    state: Mutex<State>,
    wake: Notify,
    /// Most frames the queue holds before the client counts as too slow.
    limit: usize,
}

/// How [`Out::drain`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// The close frame was written, or the socket failed.
    Done,
    /// The queue is empty (only when asked to stop there).
    Empty,
}

impl Out {
    /// The sending side of `stream`, queueing at most `limit` frames.
    pub fn new(stream: Arc<Socket>, limit: usize) -> Arc<Out> {
        Arc::new(Out {
            stream,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            limit,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends `frames` in order, in one write when the socket takes them; `buf` is scratch
    /// space the caller reuses. Written straight away when nothing waits ahead of them,
    /// queued otherwise. A close frame is accepted even when the queue is full, and nothing
    /// is accepted after it.
    pub fn send_all(&self, frames: &[Frame<'_>], buf: &mut Vec<u8>) -> Result<(), Refused> {
        self.send(frames, buf, true)
    }

    /// [`Out::send_all`], past the queue's limit when `bounded` is false.
    fn send(&self, frames: &[Frame<'_>], buf: &mut Vec<u8>, bounded: bool) -> Result<(), Refused> {
        let closes = frames.iter().any(|f| matches!(f, Frame::Close(..)));
        let mut st = self.lock();
        if st.done || st.closing {
            return Err(Refused::Gone);
        }
        if st.held || !st.queue.is_empty() {
            if bounded && !closes && st.queue.len() + frames.len() > self.limit {
                return Err(Refused::Full);
            }
            st.closing = closes;
            st.queue.extend(frames.iter().map(|f| f.to_chunk()));
            drop(st);
            self.wake.notify_one();
            return Ok(());
        }
        st.closing = closes;
        buf.clear();
        for f in frames {
            f.encode(buf);
        }
        let sent = match self.stream.try_write(buf) {
            Ok(n) if n == buf.len() => {
                if !closes {
                    return Ok(());
                }
                // The close frame is out: the drain sees the connection is done.
                st.done = true;
                Ok(())
            }
            Ok(n) => {
                st.queue.push_back(Chunk::Bytes(buf[n..].to_vec()));
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                st.queue.extend(frames.iter().map(|f| f.to_chunk()));
                Ok(())
            }
            Err(_) => {
                st.done = true;
                Err(Refused::Gone)
            }
        };
        drop(st);
        self.wake.notify_one();
        sent
    }

    /// Sends a dispatch stamped `seq`.
    pub fn dispatch(
        &self,
        seq: u64,
        prefix: &FramePrefix,
        buf: &mut Vec<u8>,
    ) -> Result<(), Refused> {
        self.send_all(&[Frame::Dispatch(seq, prefix)], buf)
    }

    /// Sends a dispatch of a resume's replay: accepted past the queue's limit, since the
    /// replay is bounded by the resume buffer, which may be larger than the queue.
    pub fn replay(&self, seq: u64, prefix: &FramePrefix, buf: &mut Vec<u8>) -> Result<(), Refused> {
        self.send(&[Frame::Dispatch(seq, prefix)], buf, false)
    }

    /// Sends a text frame.
    pub fn text(&self, text: Arc<str>) -> Result<(), Refused> {
        self.send_all(&[Frame::Text(&text)], &mut Vec::new())
    }

    /// Sends bytes that are already whole frames (tungstenite's pong and close replies).
    pub fn framed(&self, bytes: Vec<u8>) -> Result<(), Refused> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.send_all(&[Frame::Framed(&bytes)], &mut Vec::new())
    }

    /// Sends a close frame; nothing is sent after it.
    pub fn close(&self, code: u16, reason: &'static str) {
        let _ = self.send_all(&[Frame::Close(code, reason)], &mut Vec::new());
    }

    /// From now on frames wait in the queue until [`Out::release`].
    pub fn hold(&self) {
        let mut st = self.lock();
        st.held = true;
        st.held_from = st.queue.len();
    }

    /// Sends `first` ahead of everything queued since [`Out::hold`], and resumes sending.
    pub fn release(&self, first: Option<Arc<str>>) {
        let mut st = self.lock();
        if let Some(text) = first
            && !st.done
        {
            let at = st.held_from.min(st.queue.len());
            st.queue.insert(at, Chunk::Text(text));
        }
        st.held = false;
        drop(st);
        self.wake.notify_one();
    }

    /// Writes queued frames as the socket takes them. Returns [`Drained::Done`] once the close
    /// frame is out or the socket failed; with `stop_when_empty`, [`Drained::Empty`] as soon as
    /// nothing is queued. Safe to cancel at any await: all state changes happen under the lock.
    pub async fn drain(&self, stop_when_empty: bool) -> Drained {
        let mut buf = Vec::new();
        let mut ends = Vec::new();
        loop {
            loop {
                {
                    let mut st = self.lock();
                    if st.done {
                        return Drained::Done;
                    }
                    if st.queue.is_empty() && st.closing {
                        st.done = true;
                        return Drained::Done;
                    }
                    if st.writable() > 0 {
                        break;
                    }
                    if stop_when_empty {
                        return Drained::Empty;
                    }
                }
                self.wake.notified().await;
            }
            if self.stream.writable().await.is_err() {
                self.lock().done = true;
                return Drained::Done;
            }
            let mut st = self.lock();
            while st.writable() > 0 {
                // Up to ~64 KiB of queued frames in one write.
                buf.clear();
                ends.clear();
                for chunk in st.queue.iter().take(st.writable()) {
                    chunk.encode(&mut buf);
                    ends.push(buf.len());
                    if buf.len() >= DRAIN_WRITE {
                        break;
                    }
                }
                let written = match self.stream.try_write(&buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        st.done = true;
                        return Drained::Done;
                    }
                };
                let whole = ends.iter().take_while(|&&end| end <= written).count();
                st.queue.drain(..whole);
                st.held_from = st.held_from.saturating_sub(whole);
                if let Some(&end) = ends.get(whole) {
                    // A frame went out in part: the rest leaves first next time.
                    let start = if whole == 0 { 0 } else { ends[whole - 1] };
                    if written > start
                        && let Some(front) = st.queue.front_mut()
                    {
                        *front = Chunk::Bytes(buf[written..end].to_vec());
                    }
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpStream;

    /// An `Out` on the server end of a real loopback connection, and the client end.
    pub(crate) async fn pair(limit: usize) -> (Arc<Out>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (Out::new(Arc::new(server.into()), limit), client)
    }

    /// Reads whole text or close frames (unmasked, as the server sends them) until `n` arrived.
    pub(crate) async fn frames(client: &mut TcpStream, n: usize) -> Vec<(u8, Vec<u8>)> {
        let mut data = Vec::new();
        let mut out = Vec::new();
        loop {
            let mut at = 0;
            out.clear();
            while data.len() >= at + 2 {
                let (op, len0) = (data[at] & 0x0f, usize::from(data[at + 1] & 0x7f));
                let (len, head) = match len0 {
                    126 if data.len() >= at + 4 => (
                        usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]])),
                        4,
                    ),
                    127 if data.len() >= at + 10 => {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&data[at + 2..at + 10]);
                        (u64::from_be_bytes(b) as usize, 10)
                    }
                    126 | 127 => break,
                    l => (l, 2),
                };
                if data.len() < at + head + len {
                    break;
                }
                out.push((op, data[at + head..at + head + len].to_vec()));
                at += head + len;
            }
            if out.len() >= n {
                return out;
            }
            let mut chunk = vec![0u8; 64 * 1024];
            let got = client.read(&mut chunk).await.unwrap();
            assert!(got > 0, "the server closed after {} frames", out.len());
            data.extend_from_slice(&chunk[..got]);
        }
    }

    #[tokio::test]
    async fn frames_written_directly_and_queued_arrive_whole_and_in_order() {
        let (out, mut client) = pair(100_000).await;
        let prefix: FramePrefix =
            Arc::from(format!(r#"{{"op":"dispatch","d":"{}""#, "x".repeat(3000)));
        let mut buf = Vec::new();
        // Far more than a socket buffer holds while the client does not read: most queue.
        for seq in 1..=2000 {
            out.dispatch(seq, &prefix, &mut buf).unwrap();
        }
        out.text(Arc::from("last")).unwrap();
        assert!(!out.lock().queue.is_empty(), "nothing was queued");
        let drainer = {
            let out = out.clone();
            tokio::spawn(async move { out.drain(true).await })
        };
        let got = frames(&mut client, 2001).await;
        assert_eq!(drainer.await.unwrap(), Drained::Empty);
        for (i, (op, payload)) in got.iter().take(2000).enumerate() {
            assert_eq!(*op, 1);
            let tail = format!(r#","s":{}}}"#, i + 1);
            assert!(payload.ends_with(tail.as_bytes()), "frame {i} out of order");
            assert_eq!(payload.len(), prefix.len() + tail.len());
        }
        assert_eq!(got[2000], (1, b"last".to_vec()));
    }

    #[tokio::test]
    async fn a_full_queue_refuses_and_a_close_goes_last() {
        let (out, mut client) = pair(3).await;
        out.hold();
        let mut buf = Vec::new();
        let p: FramePrefix = Arc::from(r#"{"op":"dispatch","d":1"#);
        for seq in 1..=3 {
            out.dispatch(seq, &p, &mut buf).unwrap();
        }
        assert_eq!(out.dispatch(4, &p, &mut buf), Err(Refused::Full));
        out.close(4000, "too slow");
        assert_eq!(out.text(Arc::from("after")), Err(Refused::Gone));
        out.release(Some(Arc::from("ready")));
        assert_eq!(out.drain(false).await, Drained::Done);
        assert_eq!(out.text(Arc::from("later")), Err(Refused::Gone));
        let got = frames(&mut client, 5).await;
        assert_eq!(got[0], (1, b"ready".to_vec()));
        assert!(got[3].1.ends_with(br#","s":3}"#));
        assert_eq!(got[4].0, 8);
        assert_eq!(&got[4].1[..2], &4000u16.to_be_bytes());
    }
}
