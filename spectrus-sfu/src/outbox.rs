//! The datagrams a loop turn queues for the socket, their bytes end to end in one buffer that
//! lives as long as the loop: a copy sealed for a listener is written into it in place
//! (`srtp.rs`), so queuing a datagram allocates nothing once the buffer has grown to a turn's
//! worth.

use std::net::SocketAddr;
use std::time::Instant;

/// One queued datagram: where to, which bytes of the buffer, and when the packet it forwards
/// arrived (for the latency statistics).
struct Queued {
    to: SocketAddr,
    start: usize,
    end: usize,
    origin: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct Outbox {
    buf: Vec<u8>,
    items: Vec<Queued>,
}

impl Outbox {
    /// Queue a copy of `bytes` for `to`.
    pub(crate) fn push(&mut self, to: SocketAddr, bytes: &[u8], origin: Option<Instant>) {
        self.push_with(to, origin, |buf| {
            buf.extend_from_slice(bytes);
            true
        });
    }

    /// Queue for `to` what `write` appends to the buffer; nothing if it returns `false`
    /// (whatever it appended is dropped). Returns what `write` returned.
    pub(crate) fn push_with(
        &mut self,
        to: SocketAddr,
        origin: Option<Instant>,
        write: impl FnOnce(&mut Vec<u8>) -> bool,
    ) -> bool {
        let start = self.buf.len();
        if !write(&mut self.buf) {
            self.buf.truncate(start);
            return false;
        }
        self.items.push(Queued {
            to,
            start,
            end: self.buf.len(),
            origin,
        });
        true
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The datagrams from the `from`-th on, as (destination, bytes).
    pub(crate) fn datagrams(&self, from: usize) -> impl Iterator<Item = (SocketAddr, &[u8])> {
        self.items
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(|q| (q.to, self.buf.get(q.start..q.end).unwrap_or_default()))
    }

    /// When the packets of the `n` datagrams from the `from`-th on arrived (those that
    /// forward one).
    pub(crate) fn origins(&self, from: usize, n: usize) -> impl Iterator<Item = Instant> + '_ {
        self.items
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take(n)
            .filter_map(|q| q.origin)
    }

    /// The `i`-th datagram's destination.
    pub(crate) fn destination(&self, i: usize) -> Option<SocketAddr> {
        self.items.get(i).map(|q| q.to)
    }

    /// Forget everything queued (the buffer keeps its capacity).
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_bytes_come_back_in_order_and_a_failed_write_leaves_nothing() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap_or_else(|e| panic!("{e}"));
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap_or_else(|e| panic!("{e}"));
        let t = Instant::now();
        let mut o = Outbox::default();
        o.push(a, b"one", None);
        assert!(!o.push_with(b, Some(t), |buf| {
            buf.extend_from_slice(b"half");
            false
        }));
        assert!(o.push_with(b, Some(t), |buf| {
            buf.extend_from_slice(b"two");
            true
        }));
        let got: Vec<(SocketAddr, Vec<u8>)> =
            o.datagrams(0).map(|(t, d)| (t, d.to_vec())).collect();
        assert_eq!(got, vec![(a, b"one".to_vec()), (b, b"two".to_vec())]);
        assert_eq!(o.datagrams(1).count(), 1);
        assert_eq!(o.origins(0, 2).collect::<Vec<_>>(), vec![t]);
        assert_eq!(o.destination(1), Some(b));
        o.clear();
        assert!(o.is_empty());
        assert_eq!(o.datagrams(0).count(), 0);
    }
}
