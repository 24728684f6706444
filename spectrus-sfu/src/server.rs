//! The SFU thread: owns the UDP socket, every participant's peer connection and the rooms,
//! and runs one event loop over socket reads, API commands and protocol timers. No
//! per-participant tasks or sockets exist; everything a participant costs lives in its
//! [`Peer`].
//!
//! The loop is a plain thread, not an async task: it sleeps in one `ppoll` over the socket
//! and the commands' [`Waker`] with the next tick as the timeout (`wake.rs`), reads what is
//! queued with one `recvmmsg` and sends with `sendmmsg` (`batch.rs`). In small rooms the
//! daemon pays per wake-up, not per packet: under a runtime each wake-up also cost a second
//! `epoll_wait` (the socket's writability after every send), an empty read, and the
//! scheduler's and timer wheel's bookkeeping (docs/benchmarks.md, session 8).
//!
//! A turn of the loop handles one input, then settles what it caused: handlers never call
//! back into each other. What changes the room for others (a new speaker, a failed or removed
//! peer) is queued, and [`Server::settle`] works the queues (removals first, then
//! renegotiations, each peer once) until both are empty, before anything is sent.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::distr::Alphanumeric;
use rtc::crypto::RTCCryptoProvider;
use rtc::rtp;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{mpsc, oneshot};

use crate::batch::{Receiver, Sender};
use crate::crypto::SfuCrypto;
use crate::demux::Demux;
use crate::error::SfuError;
use crate::outbox::Outbox;
use crate::peer::{Forwardable, MediaState, Peer, Received, forwardable};
use crate::room::Rooms;
use crate::sdp::DEFAULT_BITRATE;
use crate::speaking::speaking_event;
use crate::wake::{Waker, wait, wait_writable};
use crate::{JoinOptions, LeaveReason, SfuEvent, SfuStats};

/// The timers (peer connections' own, sender and receiver reports, speaking turning off,
/// idle removal) run together, at most this often: one wake-up serves every peer's that is
/// due, however many peers there are.
const TICK: Duration = Duration::from_millis(100);
/// How late the timers may be served: the loop sleeps until the earliest deadline plus this
/// (or [`TICK`] after the last run, if later), and a datagram's wake-up serves them first if
/// they are due by then. While audio flows (a packet every 20 ms) the timers ride on its
/// wake-ups and never cost one of their own.
const TIMER_SLACK: Duration = Duration::from_millis(50);
/// How often a peer's timer is served at once after activity left it already due.
const MAX_IMMEDIATE_TIMEOUTS: usize = 3;
/// How long a full socket is waited for before the rest of the outbox is dropped.
const SEND_WAIT: Duration = Duration::from_secs(1);

pub(crate) type Reply<T> = oneshot::Sender<T>;

/// A request from an [`crate::Sfu`] handle to the thread.
pub(crate) enum Command {
    Join {
        room: u64,
        participant: u64,
        opts: JoinOptions,
        reply: Reply<Result<(), SfuError>>,
    },
    Move {
        participant: u64,
        room: u64,
        reply: Reply<Result<(), SfuError>>,
    },
    Answer {
        participant: u64,
        sdp: String,
        reply: Reply<Result<(), SfuError>>,
    },
    Candidate {
        participant: u64,
        candidate: String,
        reply: Reply<Result<(), SfuError>>,
    },
    SetState {
        participant: u64,
        state: MediaState,
        reply: Reply<Result<(), SfuError>>,
    },
    Leave {
        participant: u64,
        reply: Reply<()>,
    },
    Stats {
        reply: Reply<SfuStats>,
    },
}

pub(crate) struct Server {
    /// Non-blocking.
    socket: UdpSocket,
    /// Woken by the handles after they queue a command.
    waker: Arc<Waker>,
    /// The address announced in candidates and used to tag datagrams for the ICE agents.
    candidate_addr: SocketAddr,
    idle_timeout: Duration,
    peers: HashMap<u64, Peer>,
    rooms: Rooms,
    demux: Demux,
    outbox: Outbox,
    events: Vec<SfuEvent>,
    events_tx: mpsc::Sender<SfuEvent>,
    stats: SfuStats,
    /// The earliest deadline of any peer's timers known (may be early: a deadline that moved
    /// later is found out when the timers run, and the next one taken).
    due: Option<Instant>,
    /// When the timers last ran.
    last_timers: Instant,
    /// Participants to remove this turn, in order, with why.
    removals: Vec<(u64, LeaveReason)>,
    /// Participants whose outbound tracks must follow their room's speakers this turn.
    renegotiations: BTreeSet<u64>,
    /// A packet's listeners, reused from packet to packet.
    dests: Vec<u64>,
    /// The marshalled packet being forwarded, its buffer reused from packet to packet.
    scratch: Vec<u8>,
    /// The peer connections' cryptography ([`crate::crypto`]); `rtc`'s default if `None`.
    crypto: Option<Arc<dyn RTCCryptoProvider>>,
}

impl Server {
    pub(crate) fn new(
        socket: UdpSocket,
        waker: Arc<Waker>,
        candidate_addr: SocketAddr,
        idle_timeout: Duration,
        events_tx: mpsc::Sender<SfuEvent>,
    ) -> Self {
        Self {
            socket,
            waker,
            candidate_addr,
            idle_timeout,
            peers: HashMap::new(),
            rooms: Rooms::default(),
            demux: Demux::default(),
            outbox: Outbox::default(),
            events: Vec::new(),
            events_tx,
            stats: SfuStats::default(),
            due: None,
            last_timers: Instant::now(),
            removals: Vec::new(),
            renegotiations: BTreeSet::new(),
            dests: Vec::new(),
            scratch: Vec::new(),
            crypto: SfuCrypto::provider(),
        }
    }

    /// Run until every [`crate::Sfu`] handle is gone (on the calling thread, blocking).
    pub(crate) fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut receiver = Receiver::new();
        let mut sender = Sender::new();
        'run: loop {
            self.flush(&mut sender);
            // With nothing due only a datagram or a command can change anything.
            let timeout = self
                .wake_at()
                .map(|t| t.saturating_duration_since(Instant::now()));
            let ready = match wait(&self.socket, &self.waker, timeout) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "SFU wait failed; stopping");
                    break;
                }
            };
            if ready.woken {
                self.waker.reset();
                loop {
                    match commands.try_recv() {
                        Ok(cmd) => {
                            self.on_command(cmd);
                            self.settle(Instant::now());
                        }
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => break 'run,
                    }
                }
            }
            if ready.readable {
                self.read_queued(&mut receiver);
            }
            // Due timers ride on a datagram's wake-up; a busy socket cannot starve them.
            let now = Instant::now();
            if self.timers_due(now) {
                self.on_timers(now);
            }
            self.settle(Instant::now());
        }
        let ids: Vec<u64> = self.peers.keys().copied().collect();
        for id in ids {
            self.remove(id, LeaveReason::Requested);
        }
        self.settle(Instant::now());
        self.flush(&mut sender);
    }

    /// When the loop must wake for the timers if nothing else wakes it.
    fn wake_at(&self) -> Option<Instant> {
        let due = self.due?;
        Some((due + TIMER_SLACK).max(self.last_timers + TICK))
    }

    /// Whether the timers should run at `now` (a wake-up for something else is here).
    fn timers_due(&self, now: Instant) -> bool {
        self.due
            .is_some_and(|due| now >= due && now >= self.last_timers + TICK)
    }

    /// Note that `participant`'s timers may now be due earlier than known.
    fn note_deadline(&mut self, participant: u64) {
        if let Some(t) = self
            .peers
            .get(&participant)
            .and_then(|p| p.deadline(self.idle_timeout))
        {
            self.due = Some(self.due.map_or(t, |d| d.min(t)));
        }
    }

    /// Handle the datagrams waiting on the socket (up to a `recvmmsg` batch) before the
    /// outbox is sent: their copies share the `sendmmsg` calls and the loop turn.
    fn read_queued(&mut self, receiver: &mut Receiver) {
        let n = match receiver.recv(&self.socket) {
            Ok(n) => n,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::WouldBlock {
                    tracing::debug!(error = %e, "udp receive error");
                }
                return;
            }
        };
        let now = Instant::now();
        for i in 0..n {
            if let Some((from, data)) = receiver.get(i) {
                self.on_datagram(from, data, now);
            }
            self.settle(now);
        }
    }

    /// Send the outbox (in `sendmmsg` batches; a full socket is waited for) and hand the
    /// events over.
    fn flush(&mut self, sender: &mut Sender) {
        let mut done = 0;
        while done < self.outbox.len() {
            match sender.send(&self.socket, self.outbox.datagrams(done)) {
                Ok(n) => {
                    // One clock reading per call: its copies left together.
                    let sent = Instant::now();
                    for t in self.outbox.origins(done, n) {
                        self.stats
                            .forward_latency
                            .record(sent.saturating_duration_since(t));
                    }
                    done += n.max(1);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    match wait_writable(&self.socket, SEND_WAIT) {
                        Ok(true) => {}
                        Ok(false) | Err(_) => {
                            tracing::debug!("udp socket full; dropping the rest of the outbox");
                            self.stats.packets_dropped += (self.outbox.len() - done) as u64;
                            break;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // The first datagram of the batch failed (e.g. unreachable): skip it.
                    self.stats.packets_dropped += 1;
                    tracing::debug!(error = %e, to = %self.outbox.destination(done).map(|d| d.to_string()).unwrap_or_default(), "udp send error");
                    done += 1;
                }
            }
        }
        self.outbox.clear();
        for ev in self.events.drain(..) {
            // A plain thread may block on the channel: the daemon drains it.
            if self.events_tx.blocking_send(ev).is_err() {
                tracing::debug!("SFU event receiver dropped");
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        let now = Instant::now();
        match cmd {
            Command::Join {
                room,
                participant,
                opts,
                reply,
            } => {
                let _ = reply.send(self.join(room, participant, opts, now));
            }
            Command::Move {
                participant,
                room,
                reply,
            } => {
                let _ = reply.send(self.move_to(participant, room, now));
            }
            Command::Answer {
                participant,
                sdp,
                reply,
            } => {
                let _ = reply.send(self.answer(participant, sdp, now));
            }
            Command::Candidate {
                participant,
                candidate,
                reply,
            } => {
                let res = match self.peers.get_mut(&participant) {
                    Some(p) => p.add_remote_candidate(candidate),
                    None => Err(SfuError::UnknownParticipant(participant)),
                };
                if res.is_ok() {
                    self.after_activity(participant, now);
                }
                let _ = reply.send(res);
            }
            Command::SetState {
                participant,
                state,
                reply,
            } => {
                let _ = reply.send(self.set_state(participant, state));
            }
            Command::Leave { participant, reply } => {
                self.remove(participant, LeaveReason::Requested);
                let _ = reply.send(());
            }
            Command::Stats { reply } => {
                let mut s = self.stats.clone();
                s.rooms = self.rooms.room_count();
                s.participants = self.peers.len();
                s.outbound_tracks = self.peers.values().map(Peer::outbound_count).sum();
                s.known_addresses = self.demux.address_count();
                s.known_ufrags = self.demux.ufrag_count();
                let _ = reply.send(s);
            }
        }
    }

    fn join(
        &mut self,
        room: u64,
        participant: u64,
        opts: JoinOptions,
        now: Instant,
    ) -> Result<(), SfuError> {
        if self.peers.contains_key(&participant) {
            self.remove(participant, LeaveReason::Requested);
        }
        let ufrag = loop {
            let u: String = rand::rng()
                .sample_iter(&Alphanumeric)
                .take(12)
                .map(char::from)
                .collect();
            if !self.demux.ufrag_taken(&u) {
                break u;
            }
        };
        let state = MediaState {
            server_mute: opts.server_mute,
            server_deaf: opts.server_deaf,
            self_mute: opts.self_mute,
            self_deaf: opts.self_deaf,
        };
        let peer = Peer::new(
            participant,
            room,
            opts.label.unwrap_or(participant),
            ufrag.clone(),
            state,
            opts.bitrate.unwrap_or(DEFAULT_BITRATE),
            self.candidate_addr,
            self.crypto.clone(),
            now,
        )?;
        self.peers.insert(participant, peer);
        self.demux.register(ufrag, participant);
        self.rooms.add(room, participant);
        // Only the joiner gets an offer: the others gain a track for it once it speaks.
        if let Err(e) = self.renegotiate(participant, true, now) {
            self.remove(participant, LeaveReason::Requested);
            return Err(e);
        }
        Ok(())
    }

    fn move_to(&mut self, participant: u64, room: u64, now: Instant) -> Result<(), SfuError> {
        let peer = self
            .peers
            .get_mut(&participant)
            .ok_or(SfuError::UnknownParticipant(participant))?;
        let old = peer.room;
        if old == room {
            return Ok(());
        }
        speaking_event(&mut self.events, participant, old, peer.speaking.reset());
        peer.room = room;
        let speaker = peer.speaker;
        self.rooms.remove(old, participant);
        self.rooms.add(room, participant);
        self.renegotiate(participant, false, now)?;
        if speaker {
            self.renegotiate_others(old, participant);
            self.renegotiate_others(room, participant);
        }
        Ok(())
    }

    /// The speakers of `room` other than `participant`, as `(participant, label)`.
    fn speakers_except(&self, room: u64, participant: u64) -> Vec<(u64, u64)> {
        self.rooms
            .others(room, participant)
            .into_iter()
            .filter_map(|p| {
                let peer = self.peers.get(&p)?;
                peer.speaker.then_some((p, peer.label))
            })
            .collect()
    }

    /// Queue a renegotiation of everyone in `room` but `participant` (the set of speakers
    /// changed); [`Server::settle`] carries it out.
    fn renegotiate_others(&mut self, room: u64, participant: u64) {
        self.renegotiations
            .extend(self.rooms.others(room, participant));
    }

    /// Queue the removal of `participant`; [`Server::settle`] carries it out.
    fn queue_removal(&mut self, participant: u64, reason: LeaveReason) {
        if !self.removals.iter().any(|(p, _)| *p == participant) {
            self.removals.push((participant, reason));
        }
    }

    /// Carry out the queued removals and renegotiations, and what they cause in turn, until
    /// nothing is left. Removals go first, so offers reflect the room after them. Ends: a
    /// removal drops a peer, and a renegotiation queues more only for a new speaker.
    fn settle(&mut self, now: Instant) {
        loop {
            if !self.removals.is_empty() {
                for (participant, reason) in std::mem::take(&mut self.removals) {
                    self.remove(participant, reason);
                }
            } else if let Some(participant) = self.renegotiations.pop_first() {
                match self.renegotiate(participant, false, now) {
                    Ok(()) | Err(SfuError::UnknownParticipant(_)) => {}
                    Err(e) => {
                        tracing::warn!(participant, error = %e, "renegotiation failed");
                    }
                }
            } else {
                break;
            }
        }
    }

    fn renegotiate(&mut self, participant: u64, force: bool, now: Instant) -> Result<(), SfuError> {
        let Some(room) = self.peers.get(&participant).map(|p| p.room) else {
            return Err(SfuError::UnknownParticipant(participant));
        };
        let others = self.speakers_except(room, participant);
        let Some(peer) = self.peers.get_mut(&participant) else {
            return Err(SfuError::UnknownParticipant(participant));
        };
        if let Some(sdp) = peer.renegotiate(&others, force, now)? {
            self.events.push(SfuEvent::Offer { participant, sdp });
        }
        self.after_activity(participant, now);
        Ok(())
    }

    fn answer(&mut self, participant: u64, sdp: String, now: Instant) -> Result<(), SfuError> {
        let peer = self
            .peers
            .get_mut(&participant)
            .ok_or(SfuError::UnknownParticipant(participant))?;
        let (owed, activated) = peer.apply_answer(sdp, now)?;
        self.after_activity(participant, now);
        self.replay(participant, &activated, now);
        if owed {
            self.renegotiate(participant, false, now)?;
        }
        Ok(())
    }

    /// Send `listener` what each source in `activated` said since its track was added: a
    /// new speaker's first words, which arrived while the track was being negotiated.
    fn replay(&mut self, listener: u64, activated: &[(u64, Instant)], now: Instant) {
        for &(source, since) in activated {
            let Some(packets) = self.peers.get(&source).map(|s| s.recent_since(since)) else {
                continue;
            };
            let Some(d) = self.peers.get_mut(&listener) else {
                return;
            };
            if !d.state.may_receive() {
                continue;
            }
            for p in &packets {
                let Some(mut f) = Forwardable::new(p) else {
                    continue;
                };
                if d.forward(source, &mut f, now, &mut self.outbox, None) {
                    self.stats.packets_out += 1;
                    self.stats.packets_sealed_own += u64::from(d.own_srtp());
                    self.stats.packets_replayed += 1;
                }
            }
        }
    }

    fn set_state(&mut self, participant: u64, state: MediaState) -> Result<(), SfuError> {
        let peer = self
            .peers
            .get_mut(&participant)
            .ok_or(SfuError::UnknownParticipant(participant))?;
        peer.state = state;
        if !state.may_send() {
            speaking_event(
                &mut self.events,
                participant,
                peer.room,
                peer.speaking.reset(),
            );
        }
        Ok(())
    }

    fn on_datagram(&mut self, from: SocketAddr, data: &[u8], now: Instant) {
        self.stats.datagrams_in += 1;
        let Some(participant) = self.demux.route(from, data) else {
            self.stats.packets_dropped += 1;
            return;
        };
        let Some(peer) = self.peers.get_mut(&participant) else {
            self.stats.packets_dropped += 1;
            return;
        };
        let received = peer.handle_datagram(from, data, now);
        self.stats.sender_reports_in += peer.take_sender_reports();
        match received {
            // Opened outside the pipeline: nothing in it changed, so nothing to drain.
            Received::Rtp(packet) => {
                self.stats.packets_opened += 1;
                self.route_rtp(participant, &packet, now);
            }
            Received::Consumed => {}
            Received::Pipeline => self.after_activity(participant, now),
        }
    }

    /// Drain a peer after anything that may have produced output, and act on it (a failed
    /// peer is queued for removal).
    fn after_activity(&mut self, participant: u64, now: Instant) {
        let Some(peer) = self.peers.get_mut(&participant) else {
            return;
        };
        let mut drained = peer.drain(&mut self.outbox, None);
        self.stats.checks_dropped += peer.take_checks_dropped();
        // A timer the activity made due now (an ICE check it asked for, say) does not wait
        // for the tick.
        for _ in 0..MAX_IMMEDIATE_TIMEOUTS {
            if drained.failed || peer.next_timeout.is_none_or(|t| t > now) {
                break;
            }
            peer.handle_timeout(now);
            let more = peer.drain(&mut self.outbox, None);
            self.stats.checks_dropped += peer.take_checks_dropped();
            drained.failed |= more.failed;
            drained.rtp.extend(more.rtp);
        }
        if drained.failed {
            self.queue_removal(participant, LeaveReason::IceFailed);
            return;
        }
        self.note_deadline(participant);
        for packet in drained.rtp {
            self.route_rtp(participant, &packet, now);
        }
    }

    /// Forward one RTP packet from `source` to everyone else in its room who may hear it.
    /// A new speaker queues the renegotiation of the others, a failed receiver its removal.
    fn route_rtp(&mut self, source: u64, packet: &rtp::Packet, now: Instant) {
        self.stats.packets_in += 1;
        let Some(peer) = self.peers.get_mut(&source) else {
            return;
        };
        if !peer.state.may_send() {
            self.stats.packets_blocked += 1;
            return;
        }
        let room = peer.room;
        let new_speaker = !peer.speaker;
        peer.speaker = true;
        let level = peer.audio_level(packet);
        let change = peer.speaking.on_packet(now, level, packet.payload.len());
        if change == Some(true)
            && let Some(off) = peer.speaking.off_deadline()
        {
            // Turning it off again is a timer.
            self.due = Some(self.due.map_or(off, |d| d.min(off)));
        }
        // Rewritten and marshalled once here; each listener's copy then only gets its SSRC.
        let packet = forwardable(packet);
        peer.remember(&packet, now);
        speaking_event(&mut self.events, source, room, change);
        let Some(mut packet) = Forwardable::reusing(&packet, std::mem::take(&mut self.scratch))
        else {
            self.stats.packets_dropped += 1;
            return;
        };
        if new_speaker {
            // Everyone else needs a track for it.
            self.renegotiate_others(room, source);
        }
        let mut dests = std::mem::take(&mut self.dests);
        self.rooms.others_into(room, source, &mut dests);
        for &dest in &dests {
            let Some(d) = self.peers.get_mut(&dest) else {
                continue;
            };
            if !d.state.may_receive() {
                self.stats.packets_blocked += 1;
                continue;
            }
            if d.forward(source, &mut packet, now, &mut self.outbox, Some(now)) {
                self.stats.packets_out += 1;
                self.stats.packets_sealed_own += u64::from(d.own_srtp());
            } else {
                self.stats.packets_blocked += 1;
            }
        }
        self.dests = dests;
        self.scratch = packet.into_bytes();
    }

    /// The timers: serve the peers whose timers are due and whose sender reports are due,
    /// re-evaluate speaking, queue the removal of idle peers, and find the next deadline.
    fn on_timers(&mut self, now: Instant) {
        self.last_timers = now;
        let mut due = Vec::new();
        let mut idle = Vec::new();
        for p in self.peers.values_mut() {
            let timer = p.next_timeout.is_some_and(|t| t <= now);
            let reports = p.reports_due(now);
            if timer || reports {
                due.push((p.id, timer, reports));
            }
            speaking_event(&mut self.events, p.id, p.room, p.speaking.on_tick(now));
            if now.saturating_duration_since(p.last_seen) >= self.idle_timeout {
                idle.push(p.id);
            }
        }
        for (id, timer, reports) in due {
            if let Some(p) = self.peers.get_mut(&id) {
                if timer {
                    p.handle_timeout(now);
                }
                if reports && p.send_reports(now) {
                    self.stats.receiver_reports += 1;
                }
            }
            self.after_activity(id, now);
        }
        for id in idle {
            self.queue_removal(id, LeaveReason::Timeout);
        }
        let idle_timeout = self.idle_timeout;
        self.due = self
            .peers
            .values()
            .filter_map(|p| p.deadline(idle_timeout))
            .min();
    }

    /// Remove a participant, tell the owner, and queue the renegotiation of the rest of its
    /// room (if it spoke).
    fn remove(&mut self, participant: u64, reason: LeaveReason) {
        let Some(mut peer) = self.peers.remove(&participant) else {
            return;
        };
        peer.close();
        let _ = peer.drain(&mut self.outbox, None);
        speaking_event(
            &mut self.events,
            participant,
            peer.room,
            peer.speaking.reset(),
        );
        self.demux.remove(participant);
        self.rooms.remove(peer.room, participant);
        self.events.push(SfuEvent::Left {
            participant,
            reason,
        });
        tracing::debug!(participant, ?reason, "participant removed");
        if peer.speaker {
            self.renegotiate_others(peer.room, participant);
        }
    }
}
