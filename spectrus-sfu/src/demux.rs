//! Demultiplexing of the one shared UDP port: which participant does a datagram belong to?
//!
//! A remote address is learned the first time it sends a STUN binding request whose
//! USERNAME starts with a participant's server-side ICE ufrag (as str0m and mediasoup's
//! WebRtcServer do). The peer connection then verifies the request's integrity itself; a
//! forged username can only make the SFU hand junk to that peer connection, which drops it.

use foldhash::HashMap;
use std::net::SocketAddr;

use crate::stun::{PacketKind, binding_request_server_ufrag, classify};

/// At most this many remote addresses per participant (candidate pairs being checked).
const MAX_ADDRS_PER_PARTICIPANT: usize = 8;

#[derive(Default)]
pub(crate) struct Demux {
    by_ufrag: HashMap<String, u64>,
    by_addr: HashMap<SocketAddr, u64>,
    addrs_of: HashMap<u64, Vec<SocketAddr>>,
}

impl Demux {
    pub(crate) fn register(&mut self, ufrag: String, participant: u64) {
        self.by_ufrag.insert(ufrag, participant);
        self.addrs_of.entry(participant).or_default();
    }

    pub(crate) fn ufrag_taken(&self, ufrag: &str) -> bool {
        self.by_ufrag.contains_key(ufrag)
    }

    /// Forget every ufrag and address of `participant`.
    pub(crate) fn remove(&mut self, participant: u64) {
        self.by_ufrag.retain(|_, p| *p != participant);
        if let Some(addrs) = self.addrs_of.remove(&participant) {
            for a in addrs {
                self.by_addr.remove(&a);
            }
        }
    }

    /// The participant a datagram from `from` is for, learning `from` if it is a binding
    /// request for a known ufrag.
    pub(crate) fn route(&mut self, from: SocketAddr, buf: &[u8]) -> Option<u64> {
        if let Some(p) = self.by_addr.get(&from) {
            return Some(*p);
        }
        if classify(buf) != PacketKind::Stun {
            return None;
        }
        let ufrag = binding_request_server_ufrag(buf)?;
        let participant = *self.by_ufrag.get(ufrag)?;
        let addrs = self.addrs_of.entry(participant).or_default();
        if addrs.len() >= MAX_ADDRS_PER_PARTICIPANT {
            let old = addrs.remove(0);
            self.by_addr.remove(&old);
        }
        addrs.push(from);
        self.by_addr.insert(from, participant);
        Some(participant)
    }

    pub(crate) fn address_count(&self) -> usize {
        self.by_addr.len()
    }

    pub(crate) fn ufrag_count(&self) -> usize {
        self.by_ufrag.len()
    }
}
