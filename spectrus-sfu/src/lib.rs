//! `spectrus-sfu`: an audio-only WebRTC selective forwarding unit on ONE UDP port.
//!
//! The daemon embeds it. Every participant gets a server-side peer connection (the sans-IO
//! [`rtc`] crate) driven by one plain thread (no async runtime) that owns the UDP socket;
//! incoming datagrams are demultiplexed by remote address, learned from the ICE ufrag of STUN
//! binding requests.
//! The SFU is always the offerer (ICE-lite, its one host candidate in the offer) and
//! renegotiates whenever the set of *speakers* in a room changes: each participant receives one
//! outbound track per other participant that has sent audio since joining (msid stream
//! `spectrus-<label>`). Listeners who never speak cost no m-line and no renegotiation, so a
//! join renegotiates only the joiner, and a room of N with K speakers needs about N + K·N
//! offers in all instead of N² offers of N m-lines (what stalled 100-participant rooms).
//! A new speaker's packets that arrive while the others' tracks for it are being negotiated
//! (one signalling round trip) are kept (its last second) and sent to each listener as soon
//! as that listener's answer covers the track, so its first words are heard.
//! It never decodes audio; it reads the RFC 6464 audio level only to emit speaking events.
//!
//! ```no_run
//! # async fn demo() -> Result<(), spectrus_sfu::SfuError> {
//! use spectrus_sfu::{JoinOptions, Sfu, SfuConfig, SfuEvent};
//! let (sfu, mut events) = Sfu::start(SfuConfig::new("127.0.0.1:0".parse().unwrap())).await?;
//! sfu.join(1, 42, JoinOptions::default()).await?;
//! while let Some(ev) = events.recv().await {
//!     if let SfuEvent::Offer { participant, sdp } = ev {
//!         // send `sdp` to `participant`, later: sfu.answer(participant, answer_sdp).await?
//! #       let _ = (participant, sdp);
//!     }
//! }
//! # Ok(()) }
//! ```

mod batch;
mod crypto;
mod demux;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod latency;
mod outbox;
mod peer;
mod reports;
mod room;
pub mod sdp;
mod server;
mod speaking;
mod srtp;
mod stun;
mod wake;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

pub use error::SfuError;
pub use latency::LatencyHistogram;
pub use peer::MediaState;
use server::{Command, Server};
use wake::Waker;

/// How the SFU binds and behaves.
#[derive(Debug, Clone)]
pub struct SfuConfig {
    /// The one UDP address every participant's media goes through.
    pub udp_bind: SocketAddr,
    /// The IP put in the offered host candidate (e.g. the public address behind a 1:1 NAT).
    /// Required when `udp_bind` is an unspecified address (`0.0.0.0`, `::`).
    pub announced_ip: Option<IpAddr>,
    /// A participant that sends nothing for this long is removed (default 15 s).
    pub idle_timeout: Duration,
}

impl SfuConfig {
    /// Defaults for binding `udp_bind`.
    pub fn new(udp_bind: SocketAddr) -> Self {
        Self {
            udp_bind,
            announced_ip: None,
            idle_timeout: Duration::from_secs(15),
        }
    }
}

/// A participant's settings when joining a room.
#[derive(Debug, Clone, Copy, Default)]
pub struct JoinOptions {
    /// The room's Opus bitrate, offered as `maxaveragebitrate` (default 64 kb/s).
    pub bitrate: Option<u32>,
    /// Muted by a moderator.
    pub server_mute: bool,
    /// Deafened by a moderator.
    pub server_deaf: bool,
    /// Muted by the user.
    pub self_mute: bool,
    /// Deafened by the user.
    pub self_deaf: bool,
    /// The id other participants see this one as (the msid stream `spectrus-<label>` of the
    /// tracks carrying its audio); defaults to the participant id. The daemon puts the user
    /// id here while participant ids are unique per voice session.
    pub label: Option<u64>,
}

/// Why a participant left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveReason {
    /// [`Sfu::leave`], a re-join, or shutdown.
    Requested,
    /// ICE or DTLS failed.
    IceFailed,
    /// Nothing was received for the idle timeout.
    Timeout,
}

/// What the SFU tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfuEvent {
    /// Send this offer to the participant; its answer goes to [`Sfu::answer`].
    Offer {
        /// Who it is for.
        participant: u64,
        /// The SDP offer.
        sdp: String,
    },
    /// A participant started or stopped speaking.
    Speaking {
        /// Who.
        participant: u64,
        /// In which room.
        room: u64,
        /// Now speaking or not.
        speaking: bool,
    },
    /// A participant was removed.
    Left {
        /// Who.
        participant: u64,
        /// Why.
        reason: LeaveReason,
    },
}

/// Counters, for tests, benchmarks and the admin API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SfuStats {
    /// Rooms with at least one participant.
    pub rooms: usize,
    /// Participants in all rooms.
    pub participants: usize,
    /// Outbound tracks over all participants.
    pub outbound_tracks: usize,
    /// Remote addresses the demultiplexer knows.
    pub known_addresses: usize,
    /// ICE ufrags the demultiplexer knows.
    pub known_ufrags: usize,
    /// UDP datagrams received.
    pub datagrams_in: u64,
    /// RTP packets received from participants (decrypted).
    pub packets_in: u64,
    /// RTP packets forwarded to participants.
    pub packets_out: u64,
    /// RTP packets not forwarded by policy (muted source, deafened or not-yet-negotiated
    /// receiver).
    pub packets_blocked: u64,
    /// Of `packets_out`: a new speaker's first packets, sent to a listener once its track
    /// for that speaker was negotiated (they arrived while it was being negotiated).
    pub packets_replayed: u64,
    /// Of `packets_in`: opened outside `rtc`'s pipeline (a stream already seen; its first
    /// packet goes through the pipeline).
    pub packets_opened: u64,
    /// Of `packets_out`: sealed by the SFU's own SRTP (AEAD_AES_128_GCM, `srtp.rs`); the
    /// rest by `rtc`'s contexts (another profile).
    pub packets_sealed_own: u64,
    /// Receiver reports sent to participants (one per participant per report interval while
    /// it sends audio).
    pub receiver_reports: u64,
    /// Sender reports received about a participant's audio (their NTP time is echoed in the
    /// receiver reports, from which the participant measures its round-trip time).
    pub sender_reports_in: u64,
    /// Connectivity checks of the SFU's ICE agent not sent: an ICE-lite agent sends none
    /// once connected, but `rtc`'s answers each of the participant's with one of its own.
    pub checks_dropped: u64,
    /// Datagrams from unknown addresses or garbage, and failed sends.
    pub packets_dropped: u64,
    /// Time from a packet's arrival to its forwarded copies' hand-off to the socket.
    pub forward_latency: LatencyHistogram,
}

/// A cheap, cloneable handle to the SFU thread. The thread stops when the last handle drops.
#[derive(Clone)]
pub struct Sfu {
    inner: Arc<Handle>,
    local_addr: SocketAddr,
}

/// What the handles share: the commands' channel and the thread's [`Waker`], woken after
/// each command and once more when the last handle is gone (the channel closed first, so
/// that the thread sees it closed).
struct Handle {
    /// `None` only while dropping.
    commands: Option<mpsc::Sender<Command>>,
    waker: Arc<Waker>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        drop(self.commands.take());
        self.waker.wake();
    }
}

impl Sfu {
    /// Bind the UDP socket and start the SFU on its own thread (named `spectrus-sfu`).
    /// Events arrive on the returned receiver, which must be drained. The thread ends when
    /// the last handle drops.
    pub async fn start(cfg: SfuConfig) -> Result<(Sfu, mpsc::Receiver<SfuEvent>), SfuError> {
        let socket = std::net::UdpSocket::bind(cfg.udp_bind)?;
        socket.set_nonblocking(true)?;
        let local_addr = socket.local_addr()?;
        let ip = match cfg.announced_ip {
            Some(ip) => ip,
            None if local_addr.ip().is_unspecified() => {
                return Err(SfuError::Config(
                    "announced_ip is required when binding an unspecified address".into(),
                ));
            }
            None => local_addr.ip(),
        };
        let candidate_addr = SocketAddr::new(ip, local_addr.port());
        let (events_tx, events_rx) = mpsc::channel(1024);
        let (commands, commands_rx) = mpsc::channel(256);
        let waker = Arc::new(Waker::new()?);
        // The loop runs on its own plain thread (`server.rs`): on the daemon's runtime each
        // wake-up of this one busy task (every datagram) also woke and parked other workers,
        // and even a runtime of its own cost a second poll and timer bookkeeping per wake-up
        // (docs/benchmarks.md).
        let server = Server::new(
            socket,
            waker.clone(),
            candidate_addr,
            cfg.idle_timeout,
            events_tx,
        );
        std::thread::Builder::new()
            .name("spectrus-sfu".into())
            .spawn(move || server.run(commands_rx))?;
        tracing::info!(%local_addr, %candidate_addr, "SFU started");
        Ok((
            Sfu {
                inner: Arc::new(Handle {
                    commands: Some(commands),
                    waker,
                }),
                local_addr,
            },
            events_rx,
        ))
    }

    /// The bound UDP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    async fn call<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, SfuError> {
        let (tx, rx) = oneshot::channel();
        let commands = self.inner.commands.as_ref().ok_or(SfuError::Closed)?;
        commands
            .send(make(tx))
            .await
            .map_err(|_| SfuError::Closed)?;
        self.inner.waker.wake();
        rx.await.map_err(|_| SfuError::Closed)
    }

    /// Put `participant` in `room` (leaving any room it was in). Emits an
    /// [`SfuEvent::Offer`] for it, and new offers for the others in the room.
    pub async fn join(
        &self,
        room: u64,
        participant: u64,
        opts: JoinOptions,
    ) -> Result<(), SfuError> {
        self.call(|reply| Command::Join {
            room,
            participant,
            opts,
            reply,
        })
        .await?
    }

    /// Move `participant` to another room without a new peer connection: it loses the old
    /// room's tracks and gains the new room's speakers (one renegotiation).
    pub async fn move_to(&self, participant: u64, room: u64) -> Result<(), SfuError> {
        self.call(|reply| Command::Move {
            participant,
            room,
            reply,
        })
        .await?
    }

    /// The participant's answer to its latest offer.
    pub async fn answer(&self, participant: u64, sdp: String) -> Result<(), SfuError> {
        self.call(|reply| Command::Answer {
            participant,
            sdp,
            reply,
        })
        .await?
    }

    /// A trickled ICE candidate from the participant (`candidate:...` line; empty = end).
    pub async fn candidate(&self, participant: u64, candidate: String) -> Result<(), SfuError> {
        self.call(|reply| Command::Candidate {
            participant,
            candidate,
            reply,
        })
        .await?
    }

    /// Change mute/deafen flags. Takes effect on the next packet; no renegotiation.
    pub async fn set_state(
        &self,
        participant: u64,
        server_mute: bool,
        server_deaf: bool,
        self_mute: bool,
        self_deaf: bool,
    ) -> Result<(), SfuError> {
        let state = MediaState {
            server_mute,
            server_deaf,
            self_mute,
            self_deaf,
        };
        self.call(|reply| Command::SetState {
            participant,
            state,
            reply,
        })
        .await?
    }

    /// Remove the participant (no-op if unknown); emits [`SfuEvent::Left`].
    pub async fn leave(&self, participant: u64) {
        let _ = self
            .call(|reply| Command::Leave { participant, reply })
            .await;
    }

    /// Whether the SFU thread is still running (its socket bound).
    pub fn is_running(&self) -> bool {
        self.inner.commands.as_ref().is_some_and(|c| !c.is_closed())
    }

    /// Current counters (all zero if the SFU has stopped).
    pub async fn stats(&self) -> SfuStats {
        self.call(|reply| Command::Stats { reply })
            .await
            .unwrap_or_default()
    }
}
