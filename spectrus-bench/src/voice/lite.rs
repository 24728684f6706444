//! The `voice-lite` helper process: hosts a room's listening participants as lean WebRTC
//! receivers, so that the load generator's cost per received packet is about 7 µs (the whole
//! helper process, the kernel's receive path included; docs/benchmarks.md, session 11) instead
//! of the full engine's 15-20 µs (`spectrus-voice` over the async `webrtc` crate), and the
//! large rooms measure the daemon rather than the generator.
//!
//! A listener is what a muted client is on the wire: a gateway session that sends
//! `voice_join`, answers every `voice_offer` (the first and each renegotiation when a speaker
//! appears or goes) and trickles its one host candidate, and a sans-IO `rtc` peer connection
//! on its own UDP socket on 127.0.0.1 (the controlling ICE agent against the ICE-lite SFU;
//! DTLS server, as `rtc` answers `setup:passive`; SRTP; a local track on which nothing is
//! sent, as a muted engine has). It plays nothing and decodes nothing: it counts, per speaker, the
//! packets SRTP opened (authenticated and not replayed) and their one-way latency against
//! the wall-clock RTP timestamps the speakers send (as `spectrus-voice` computes it). A
//! stream's first packet goes through the peer connection's pipeline (which binds the track
//! and names its msid stream `spectrus-<id>`, the speaker); its later packets are opened
//! outside it with `RTCPeerConnection::open_rtp` (this project's patch of `rtc`,
//! third_party/README.md), as the SFU does with what it receives.
//!
//! Every listener of the process is driven by one thread: one `epoll` over the sockets and a
//! wake-up socket for commands (offers, candidates, snaps), with the peer connections'
//! timers served at most every [`TIMER_GRAIN`]. The gateways stay on the tokio runtime.
//!
//! Line protocol: as `voice-peers` ([`super::peers`]). stdin, first line: the job
//! `{"url", "channel", "peers": [{"access", "user"}]}`; then `snap` and `leave` (`rejoin` is
//! answered `ok: false`: listeners do not churn). stdout: `{"event":"connected","ok","failed"}`
//! once every listener has connected or given up, then one `{"event":"snap",...}` per `snap`
//! with `sent` empty, `received` as `[listener, speaker, packets]` and `latency` as
//! `[µs, count]` buckets.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use bytes::BytesMut;
use hdrhistogram::Histogram;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MediaEngine};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::event::{RTCPeerConnectionEvent, RTCTrackEvent};
use rtc::peer_connection::message::{RTCMessage, TaggedRTCMessage};
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::state::{RTCIceConnectionState, RTCPeerConnectionState};
use rtc::peer_connection::transport::{
    CandidateConfig, CandidateHostConfig, RTCIceCandidate, RTCIceCandidateInit,
};
use rtc::peer_connection::{RTCPeerConnection, RTCPeerConnectionBuilder};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RTCRtpHeaderExtensionCapability, RtpCodecKind,
};
use rtc::sansio::Protocol;
use rtc::shared::util::{match_srtcp, match_srtp};
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use serde_json::{Value, json};
use spectrus_client::gateway::GatewayHandle;
use spectrus_client::{Client, Gateway, GatewayEvent};
use spectrus_proto::Id;
use spectrus_proto::gateway::{ClientFrame, Empty, IceCandidate, Sdp, VoiceJoin, op};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, oneshot};

use super::peers::say;
use crate::report::histogram;

/// The peer connections' timers (ICE checks and consent, DTLS retransmissions) are served at
/// most this often: one pass serves every listener that is due.
const TIMER_GRAIN: Duration = Duration::from_millis(5);
/// The longest sleep of the loop with nothing due.
const MAX_SLEEP: Duration = Duration::from_millis(100);
/// Datagrams read from one socket per `recvmmsg` (one turn), so that one busy socket cannot
/// starve the rest.
const READ_BURST: usize = 16;
/// The largest datagram read (larger ones are truncated, and then fail to open).
const DATAGRAM_MAX: usize = 2048;
/// The RFC 6464 audio level extension, as the client engine registers it.
const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
/// Where the SSRC is in an RTP header (RFC 3550 §5.1).
const SSRC_OFFSET: usize = 8;

/// A listener's connection, as reported to the host once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    Connecting,
    Connected,
    Failed,
}

/// What the signalling tasks and the host ask of the media thread.
enum Command {
    Add(Box<Listener>),
    Offer {
        idx: usize,
        sdp: String,
    },
    Candidate {
        idx: usize,
        candidate: String,
    },
    /// The listener's gateway session ended or the server refused it.
    Ended {
        idx: usize,
    },
    Snap(oneshot::Sender<Snap>),
    /// Print the state of every listener still connecting to stderr.
    ReportConnecting,
    Leave(oneshot::Sender<()>),
    /// Each listener's address and the SSRCs it has bound (for the tests' forgeries).
    #[cfg(test)]
    Streams(oneshot::Sender<Vec<(SocketAddr, Vec<u32>)>>),
}

/// A listener's connection became connected or failed (by its index).
#[derive(Debug)]
enum Status {
    Connected,
    Failed(usize),
}

/// The counters since the previous snap.
pub(crate) struct Snap {
    /// `(listener, speaker, packets)`.
    pub received: Vec<(u64, u64, u64)>,
    /// One-way latency in µs.
    pub latency: Histogram<u64>,
    /// Datagrams that looked like RTP of a known stream but did not open (authentication,
    /// replay).
    pub rejected: u64,
}

/// One lean participant, owned by the media thread.
struct Listener {
    user: u64,
    socket: UdpSocket,
    local: SocketAddr,
    pc: RTCPeerConnection,
    gateway: GatewayHandle,
    /// The host candidate, trickled after the first answer (the SFU takes candidates only
    /// once it has one).
    candidate: Option<RTCIceCandidateInit>,
    /// SSRC → speaker, learnt from the tracks the pipeline opened.
    speakers: HashMap<u32, u64>,
    /// Packets per speaker since the last snap.
    received: HashMap<u64, u64>,
    next_timeout: Option<Instant>,
    conn: Conn,
    /// Offers answered, and the last ICE and peer connection states seen (for the report on
    /// listeners that did not connect).
    offers: u32,
    ice_state: RTCIceConnectionState,
    pc_state: RTCPeerConnectionState,
    /// Datagrams the pipeline refused, and the last reason.
    refused: u32,
    last_refusal: Option<String>,
    /// DTLS datagrams received and sent while connecting (RFC 7983 first byte 20-63).
    dtls_in: u32,
    dtls_out: u32,
    /// The first DTLS datagrams while connecting, in order, as `<in|out>:<record kinds>`.
    dtls_trace: Vec<String>,
}

/// The speaker of a remote track, from its msid stream id `spectrus-<id>` (as the client
/// engine reads it), else the SSRC with the top bit set.
fn speaker_of(stream_id: Option<&str>, ssrc: u32) -> u64 {
    stream_id
        .and_then(|s| s.strip_prefix("spectrus-"))
        .and_then(|id| id.parse().ok())
        .unwrap_or(u64::from(ssrc) | (1 << 63))
}

/// The SSRC of `datagram` if it is (S)RTP (RFC 7983, as `rtc` demultiplexes it).
fn rtp_ssrc(datagram: &[u8]) -> Option<u32> {
    if !match_srtp(datagram) {
        return None;
    }
    let b = datagram.get(SSRC_OFFSET..SSRC_OFFSET + 4)?;
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

/// Whether `datagram` is DTLS (RFC 7983: first byte 20-63).
fn is_dtls(datagram: &[u8]) -> bool {
    datagram.first().is_some_and(|b| (20..=63).contains(b))
}

/// DTLS datagrams traced per listener while it connects.
const DTLS_TRACE: usize = 24;

/// The records of a DTLS datagram as `<content type>[.<handshake type>]` joined by `+` (22.1 is
/// a ClientHello, 22.3 a HelloVerifyRequest, 22.2 a ServerHello, 20 a ChangeCipherSpec, 21 an
/// alert; an encrypted handshake record shows a meaningless handshake type).
fn dtls_records(mut d: &[u8]) -> String {
    let mut kinds = Vec::new();
    while d.len() >= 13 {
        let len = usize::from(u16::from_be_bytes([d[11], d[12]]));
        let kind = match (d[0], d.get(13)) {
            (22, Some(h)) => format!("22.{h}"),
            (t, _) => t.to_string(),
        };
        kinds.push(kind);
        d = d.get(13 + len..).unwrap_or_default();
    }
    kinds.join("+")
}

/// One-way latency in µs of a packet stamped `timestamp` (48 kHz ticks of the wall clock
/// since the UNIX epoch, truncated to 32 bits, as `spectrus-voice` stamps with
/// `wallclock_timestamps`); a packet stamped in the future counts as 0 µs.
fn latency_us(timestamp: u32, now_unix: Duration) -> u64 {
    let now = (now_unix.as_micros() * 48 / 1000) as u32;
    let ticks = now.wrapping_sub(timestamp) as i32;
    i64::from(ticks.max(0)) as u64 * 1000 / 48
}

/// Opus as the client engine accepts it.
fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// A random SSRC for the listener's (silent) local track.
fn rand_ssrc() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now()) as u32
}

/// The media engine the client engine answers with: Opus at 48 kHz on payload type 111 and
/// the audio level extension.
fn media_engine() -> anyhow::Result<MediaEngine> {
    let mut me = MediaEngine::default();
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(),
            payload_type: 111,
        },
        RtpCodecKind::Audio,
    )?;
    me.register_header_extension(
        RTCRtpHeaderExtensionCapability {
            uri: AUDIO_LEVEL_URI.to_owned(),
        },
        RtpCodecKind::Audio,
        None,
    )?;
    Ok(me)
}

impl Listener {
    /// A fresh socket on 127.0.0.1 and a peer connection whose one candidate is it.
    fn new(user: u64, gateway: GatewayHandle) -> anyhow::Result<Listener> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.set_nonblocking(true)?;
        let local = socket.local_addr()?;
        let mut pc = RTCPeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_setting_engine(SettingEngineBuilder::new().build())
            .with_media_engine(media_engine()?)
            // No interceptors: no reports or NACKs, as the client engine.
            .with_interceptor_registry(rtc::interceptor::Registry::new())
            .build(Instant::now())?;
        let host = CandidateHostConfig {
            base_config: CandidateConfig {
                network: "udp".to_owned(),
                address: local.ip().to_string(),
                port: local.port(),
                component: 1,
                ..Default::default()
            },
            ..Default::default()
        }
        .new_candidate_host()?;
        let candidate = RTCIceCandidate::from(&host).to_json()?;
        // A local track, as the client engine has, on which nothing is ever sent (a muted
        // client): the SFU's first offer carries one recvonly section, which it later fills
        // with the first speaker's track; answered by a transceiver without a sender, `rtc`
        // never binds a receiver for that speaker.
        let ssrc: u32 = rand_ssrc();
        pc.add_track(MediaStreamTrack::new(
            format!("spectrus-local-{ssrc}"),
            format!("audio-{ssrc}"),
            "microphone".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: opus_codec(),
                ..Default::default()
            }],
        ))?;
        pc.add_local_candidate(candidate.clone())?;
        pc.add_local_candidate(RTCIceCandidateInit::default())?;
        Ok(Listener {
            user,
            socket,
            local,
            pc,
            gateway,
            candidate: Some(candidate),
            speakers: HashMap::new(),
            received: HashMap::new(),
            next_timeout: None,
            conn: Conn::Connecting,
            offers: 0,
            ice_state: RTCIceConnectionState::New,
            pc_state: RTCPeerConnectionState::New,
            refused: 0,
            last_refusal: None,
            dtls_in: 0,
            dtls_out: 0,
            dtls_trace: Vec::new(),
        })
    }

    /// Apply an offer and send the answer (then the candidate, the first time).
    fn answer(&mut self, sdp: String, now: Instant) -> anyhow::Result<()> {
        self.offers += 1;
        let offer = RTCSessionDescription::offer(sdp)?;
        self.pc.set_remote_description(now, offer)?;
        let answer = self.pc.create_answer(None)?;
        self.pc.set_local_description(now, answer)?;
        let sdp = self
            .pc
            .local_description()
            .map(|d| d.sdp)
            .ok_or_else(|| anyhow!("no local description after the answer"))?;
        self.gateway.send(ClientFrame::VoiceAnswer(Sdp { sdp }));
        if let Some(c) = self.candidate.take() {
            self.gateway.send(ClientFrame::VoiceCandidate(IceCandidate {
                candidate: c.candidate,
                sdp_mid: c.sdp_mid,
                sdp_mline_index: c.sdp_mline_index,
            }));
        }
        Ok(())
    }
}

/// The media thread's state: every listener and the counters they share.
struct Media {
    listeners: Vec<Listener>,
    latency: Histogram<u64>,
    rejected: u64,
    status: mpsc::UnboundedSender<Status>,
    last_timers: Instant,
}

impl Media {
    /// Count one opened packet of `speaker` at listener `idx`.
    fn count(&mut self, idx: usize, speaker: u64, timestamp: u32) {
        if let Some(l) = self.listeners.get_mut(idx) {
            *l.received.entry(speaker).or_default() += 1;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let _ = self.latency.record(latency_us(timestamp, now).max(1));
    }

    /// One datagram for listener `idx`. RTP of a stream already bound is opened here, outside
    /// the pipeline; RTCP (the SFU's reports, unused) is opened and dropped; anything else
    /// (STUN, DTLS, a stream's first packet) goes through the pipeline and is drained.
    fn on_datagram(&mut self, idx: usize, from: SocketAddr, data: &[u8], now: Instant) {
        let Some(l) = self.listeners.get_mut(idx) else {
            return;
        };
        if match_srtcp(data) {
            match l.pc.open_rtcp(now, data) {
                Ok(Some(_)) => return,
                Ok(None) => {}
                Err(_) => {
                    self.rejected += 1;
                    return;
                }
            }
        } else if let Some(ssrc) = rtp_ssrc(data)
            && let Some(&speaker) = l.speakers.get(&ssrc)
        {
            match l.pc.open_rtp(now, data) {
                Ok(Some(packet)) => {
                    self.count(idx, speaker, packet.header.timestamp);
                    return;
                }
                Ok(None) => {}
                Err(_) => {
                    self.rejected += 1;
                    return;
                }
            }
        }
        if l.conn == Conn::Connecting && is_dtls(data) {
            l.dtls_in += 1;
            if l.dtls_trace.len() < DTLS_TRACE {
                l.dtls_trace.push(format!("in:{}", dtls_records(data)));
            }
        }
        let msg = TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: l.local,
                peer_addr: from,
                ecn: None,
                transport_protocol: TransportProtocol::UDP,
            },
            message: BytesMut::from(data),
        };
        if let Err(e) = l.pc.handle_read(msg) {
            self.rejected += 1;
            if l.conn == Conn::Connecting {
                l.refused += 1;
                l.last_refusal = Some(e.to_string());
            }
        }
        self.drain(idx);
    }

    /// Move out what listener `idx`'s peer connection produced: datagrams to the socket,
    /// track bindings and connection state, packets opened by the pipeline.
    fn drain(&mut self, idx: usize) {
        let Some(l) = self.listeners.get_mut(idx) else {
            return;
        };
        while let Some(msg) = l.pc.poll_write() {
            if l.conn == Conn::Connecting && is_dtls(&msg.message) {
                l.dtls_out += 1;
                if l.dtls_trace.len() < DTLS_TRACE {
                    l.dtls_trace
                        .push(format!("out:{}", dtls_records(&msg.message)));
                }
            }
            // A full socket buffer loses the datagram, as on a real network.
            let _ = l.socket.send_to(&msg.message, msg.transport.peer_addr);
        }
        let mut status = None;
        while let Some(event) = l.pc.poll_event() {
            match event {
                RTCPeerConnectionEvent::OnTrack(RTCTrackEvent::OnOpen(init)) => {
                    let speaker =
                        speaker_of(init.stream_ids.first().map(String::as_str), init.ssrc);
                    l.speakers.insert(init.ssrc, speaker);
                }
                RTCPeerConnectionEvent::OnIceConnectionStateChangeEvent(s) => l.ice_state = s,
                RTCPeerConnectionEvent::OnConnectionStateChangeEvent(s) => {
                    l.pc_state = s;
                    let conn = match s {
                        RTCPeerConnectionState::Connected => Conn::Connected,
                        RTCPeerConnectionState::Failed => Conn::Failed,
                        _ => continue,
                    };
                    if l.conn == Conn::Connecting {
                        l.conn = conn;
                        status = Some(conn);
                    }
                }
                _ => {}
            }
        }
        let mut opened = Vec::new();
        while let Some(TaggedRTCMessage { message, .. }) = l.pc.poll_read() {
            if let RTCMessage::RtpPacket(_, packet) = message {
                let h = &packet.header;
                let speaker = l
                    .speakers
                    .get(&h.ssrc)
                    .copied()
                    .unwrap_or(u64::from(h.ssrc) | (1 << 63));
                opened.push((speaker, h.timestamp));
            }
        }
        l.next_timeout = l.pc.poll_timeout();
        for (speaker, timestamp) in opened {
            self.count(idx, speaker, timestamp);
        }
        match status {
            Some(Conn::Connected) => {
                let _ = self.status.send(Status::Connected);
            }
            Some(Conn::Failed) => {
                let _ = self.status.send(Status::Failed(idx));
            }
            _ => {}
        }
    }

    fn fail(&mut self, idx: usize) {
        if let Some(l) = self.listeners.get_mut(idx)
            && l.conn == Conn::Connecting
        {
            l.conn = Conn::Failed;
            let _ = self.status.send(Status::Failed(idx));
        }
    }

    /// Handle a command; false once the thread should end.
    fn on_command(&mut self, cmd: Command) -> bool {
        let now = Instant::now();
        match cmd {
            Command::Add(l) => {
                self.listeners.push(*l);
                self.drain(self.listeners.len() - 1);
            }
            Command::Offer { idx, sdp } => {
                let Some(l) = self.listeners.get_mut(idx) else {
                    return true;
                };
                if let Err(e) = l.answer(sdp, now) {
                    eprintln!("voice-lite: user {} cannot answer: {e:#}", l.user);
                    self.fail(idx);
                }
                self.drain(idx);
            }
            Command::Candidate { idx, candidate } => {
                let Some(l) = self.listeners.get_mut(idx) else {
                    return true;
                };
                let c = candidate.trim();
                let c = c.strip_prefix("a=").unwrap_or(c);
                if !c.is_empty() {
                    let init = RTCIceCandidateInit {
                        candidate: c.to_owned(),
                        ..Default::default()
                    };
                    if let Err(e) = l.pc.add_remote_candidate(init) {
                        eprintln!("voice-lite: user {}: server candidate: {e}", l.user);
                    }
                }
                self.drain(idx);
            }
            Command::Ended { idx } => self.fail(idx),
            Command::ReportConnecting => {
                for l in self.listeners.iter().filter(|l| l.conn == Conn::Connecting) {
                    eprintln!(
                        "voice-lite: user {} still connecting: {} offer(s) answered, ICE {}, connection {}; {} datagram(s) refused, the last: {}; DTLS datagrams in {}, out {}: {}",
                        l.user,
                        l.offers,
                        l.ice_state,
                        l.pc_state,
                        l.refused,
                        l.last_refusal.as_deref().unwrap_or("-"),
                        l.dtls_in,
                        l.dtls_out,
                        l.dtls_trace.join(" ")
                    );
                }
            }
            Command::Snap(reply) => {
                let mut received = Vec::new();
                for l in &mut self.listeners {
                    for (speaker, n) in l.received.drain() {
                        received.push((l.user, speaker, n));
                    }
                }
                let fresh = histogram();
                let _ = reply.send(Snap {
                    received,
                    latency: std::mem::replace(&mut self.latency, fresh),
                    rejected: std::mem::take(&mut self.rejected),
                });
            }
            #[cfg(test)]
            Command::Streams(reply) => {
                let streams = self
                    .listeners
                    .iter()
                    .map(|l| (l.local, l.speakers.keys().copied().collect()))
                    .collect();
                let _ = reply.send(streams);
            }
            Command::Leave(reply) => {
                for idx in 0..self.listeners.len() {
                    if let Some(l) = self.listeners.get_mut(idx) {
                        l.gateway.send(ClientFrame::VoiceLeave(Empty::default()));
                        let _ = l.pc.close();
                    }
                    self.drain(idx);
                }
                let _ = reply.send(());
                return false;
            }
        }
        true
    }

    /// Serve the timers that are due.
    fn on_timers(&mut self, now: Instant) {
        self.last_timers = now;
        for idx in 0..self.listeners.len() {
            let Some(l) = self.listeners.get_mut(idx) else {
                continue;
            };
            if l.next_timeout.is_some_and(|t| t <= now) {
                let _ = l.pc.handle_timeout(now);
                self.drain(idx);
            }
        }
    }

    /// When the timers must be served next (not sooner than [`TIMER_GRAIN`] after the last
    /// pass).
    fn timers_at(&self) -> Option<Instant> {
        let due = self.listeners.iter().filter_map(|l| l.next_timeout).min()?;
        Some(due.max(self.last_timers + TIMER_GRAIN))
    }

    /// The thread's loop: sleep in `epoll_wait` over the wake-up socket and every listener's
    /// socket, then commands, datagrams and timers. (With `poll` over all the sockets, the
    /// per-call registration of every socket was a fifth of the helper's time.)
    fn run(mut self, commands: std_mpsc::Receiver<Command>, wake: UnixDatagram) {
        let epoll = match Epoll::new() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("voice-lite: epoll: {e}");
                return;
            }
        };
        if let Err(e) = epoll.add(wake.as_raw_fd(), WAKE_TOKEN) {
            eprintln!("voice-lite: epoll: {e}");
            return;
        }
        let mut registered = 0;
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 64];
        let mut buf = vec![0u8; 64];
        let mut batch = Batch::new();
        loop {
            while registered < self.listeners.len() {
                if let Some(l) = self.listeners.get(registered)
                    && let Err(e) = epoll.add(l.socket.as_raw_fd(), registered as u64)
                {
                    eprintln!("voice-lite: epoll: {e}");
                }
                registered += 1;
            }
            let now = Instant::now();
            let sleep = self
                .timers_at()
                .map_or(MAX_SLEEP, |t| t.saturating_duration_since(now))
                .min(MAX_SLEEP);
            // Rounded up: a timer is never served early and the loop never spins on it.
            let timeout_ms = sleep.as_micros().div_ceil(1000) as libc::c_int;
            let n = match epoll.wait(&mut events, timeout_ms) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    eprintln!("voice-lite: epoll_wait: {e}");
                    return;
                }
            };
            let now = Instant::now();
            for ev in events.iter().take(n) {
                let token = ev.u64;
                if token == WAKE_TOKEN {
                    while wake.recv(&mut buf).is_ok() {}
                    loop {
                        match commands.try_recv() {
                            Ok(cmd) => {
                                if !self.on_command(cmd) {
                                    return;
                                }
                            }
                            Err(std_mpsc::TryRecvError::Empty) => break,
                            Err(std_mpsc::TryRecvError::Disconnected) => return,
                        }
                    }
                    continue;
                }
                let idx = token as usize;
                let Some(l) = self.listeners.get(idx) else {
                    continue;
                };
                // What is queued, in one call (level-triggered: the rest wakes the next turn).
                let n = batch.recv(&l.socket);
                for i in 0..n {
                    if let Some((from, data)) = batch.get(i) {
                        self.on_datagram(idx, from, data, now);
                    }
                }
            }
            let now = Instant::now();
            if self.timers_at().is_some_and(|t| t <= now) {
                self.on_timers(now);
            }
        }
    }
}

/// Buffers for one `recvmmsg`: a socket's queued datagrams in one system call, and no
/// second call to learn the queue is empty (with `recv_from` each packet cost two).
struct Batch {
    bufs: Vec<[u8; DATAGRAM_MAX]>,
    addrs: Vec<libc::sockaddr_storage>,
    iovecs: Vec<libc::iovec>,
    msgs: Vec<libc::mmsghdr>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            bufs: vec![[0; DATAGRAM_MAX]; READ_BURST],
            // SAFETY: all-zero bytes are a valid (unspecified-family) sockaddr_storage.
            addrs: vec![unsafe { std::mem::zeroed() }; READ_BURST],
            iovecs: Vec::with_capacity(READ_BURST),
            msgs: Vec::with_capacity(READ_BURST),
        }
    }

    /// Read up to [`READ_BURST`] datagrams queued on `socket` (non-blocking); how many.
    fn recv(&mut self, socket: &UdpSocket) -> usize {
        self.iovecs.clear();
        self.msgs.clear();
        for buf in &mut self.bufs {
            self.iovecs.push(libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: DATAGRAM_MAX,
            });
        }
        for (iov, addr) in self.iovecs.iter_mut().zip(&mut self.addrs) {
            // SAFETY: all-zero bytes are a valid msghdr; the pointers set below outlive the call.
            let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
            hdr.msg_name = (addr as *mut libc::sockaddr_storage).cast();
            hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            hdr.msg_iov = iov;
            hdr.msg_iovlen = 1;
            self.msgs.push(libc::mmsghdr {
                msg_hdr: hdr,
                msg_len: 0,
            });
        }
        // SAFETY: `msgs` holds READ_BURST valid headers pointing into buffers owned by `self`,
        // which stay in place (no reallocation) until the call returns.
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                self.msgs.as_mut_ptr(),
                self.msgs.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        usize::try_from(n).unwrap_or(0)
    }

    /// The `i`th datagram of the last [`Batch::recv`]: its sender and bytes.
    fn get(&self, i: usize) -> Option<(SocketAddr, &[u8])> {
        let msg = self.msgs.get(i)?;
        let len = (msg.msg_len as usize).min(DATAGRAM_MAX);
        let data = self.bufs.get(i)?.get(..len)?;
        let addr = self.addrs.get(i)?;
        let from = match i32::from(addr.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let a = unsafe {
                    &*(addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>()
                };
                SocketAddr::from((
                    std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                    u16::from_be(a.sin_port),
                ))
            }
            libc::AF_INET6 => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let a = unsafe {
                    &*(addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
                };
                SocketAddr::from((
                    std::net::Ipv6Addr::from(a.sin6_addr.s6_addr),
                    u16::from_be(a.sin6_port),
                ))
            }
            _ => return None,
        };
        Some((from, data))
    }
}

/// The epoll token of the wake-up socket (the listeners' are their indices).
const WAKE_TOKEN: u64 = u64::MAX;

/// An epoll instance (level-triggered, readable only).
struct Epoll(std::os::fd::OwnedFd);

impl Epoll {
    fn new() -> std::io::Result<Epoll> {
        // SAFETY: plain system call; a non-negative result is a new descriptor we own.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nothing else.
        Ok(Epoll(unsafe {
            <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
        }))
    }

    fn add(&self, fd: std::os::fd::RawFd, token: u64) -> std::io::Result<()> {
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: token,
        };
        // SAFETY: both descriptors are open; `ev` is a valid event for the call's duration.
        let r = unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev) };
        if r < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Wait up to `timeout_ms` for events into `events`; how many arrived.
    fn wait(
        &self,
        events: &mut [libc::epoll_event],
        timeout_ms: libc::c_int,
    ) -> std::io::Result<usize> {
        let max = libc::c_int::try_from(events.len()).unwrap_or(libc::c_int::MAX);
        // SAFETY: `events` is a valid, exclusively borrowed array of at least `max` entries.
        let n =
            unsafe { libc::epoll_wait(self.0.as_raw_fd(), events.as_mut_ptr(), max, timeout_ms) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

/// The host's side of the media thread: commands, and the wake-up that makes it read them.
#[derive(Clone)]
struct MediaHandle {
    commands: std_mpsc::Sender<Command>,
    wake: std::sync::Arc<UnixDatagram>,
}

impl MediaHandle {
    fn send(&self, cmd: Command) {
        if self.commands.send(cmd).is_ok() {
            // A full wake-up socket already has the thread awake.
            let _ = self.wake.send(&[1]);
        }
    }
}

/// Lean listeners in one channel, driven by one media thread.
pub(crate) struct Host {
    media: MediaHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    status: mpsc::UnboundedReceiver<Status>,
    /// Listeners added, and those that could not even start.
    added: usize,
    failed_to_start: usize,
}

/// One listener's account.
pub(crate) struct Spec {
    pub user: u64,
    pub access: String,
}

/// Forward `idx`'s voice signalling from its gateway to the media thread.
async fn signalling(idx: usize, mut events: mpsc::Receiver<GatewayEvent>, media: MediaHandle) {
    while let Some(ev) = events.recv().await {
        match ev {
            GatewayEvent::Voice { op: o, d } if o == op::VOICE_OFFER => {
                match serde_json::from_value::<Sdp>(d) {
                    Ok(s) => media.send(Command::Offer { idx, sdp: s.sdp }),
                    Err(e) => eprintln!("voice-lite: malformed voice_offer: {e}"),
                }
            }
            GatewayEvent::Voice { op: o, d } if o == op::VOICE_CANDIDATE => {
                if let Ok(c) = serde_json::from_value::<IceCandidate>(d) {
                    media.send(Command::Candidate {
                        idx,
                        candidate: c.candidate,
                    });
                }
            }
            GatewayEvent::Voice { op: o, d } if o == op::VOICE_ERROR => {
                eprintln!("voice-lite: voice_error: {d}");
                media.send(Command::Ended { idx });
            }
            GatewayEvent::Closed { .. } | GatewayEvent::Ready(_) => {
                media.send(Command::Ended { idx });
            }
            _ => {}
        }
    }
    media.send(Command::Ended { idx });
}

impl Host {
    /// Start the media thread, then connect each listener's gateway and join `channel` (not
    /// waiting for the connections: see [`Host::wait_connected`]).
    pub(crate) async fn start(url: &str, channel: Id, specs: &[Spec]) -> anyhow::Result<Host> {
        let (tx, rx) = std_mpsc::channel();
        let (wake_tx, wake_rx) = UnixDatagram::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        let (status_tx, status_rx) = mpsc::unbounded_channel();
        let media = Media {
            listeners: Vec::new(),
            latency: histogram(),
            rejected: 0,
            status: status_tx,
            last_timers: Instant::now(),
        };
        let thread = std::thread::Builder::new()
            .name("voice-lite".into())
            .spawn(move || media.run(rx, wake_rx))?;
        let mut host = Host {
            media: MediaHandle {
                commands: tx,
                wake: std::sync::Arc::new(wake_tx),
            },
            thread: Some(thread),
            status: status_rx,
            added: 0,
            failed_to_start: 0,
        };
        for s in specs {
            if let Err(e) = host.add(url, channel, s).await {
                eprintln!("voice-lite: user {} could not join: {e:#}", s.user);
                host.failed_to_start += 1;
            }
        }
        Ok(host)
    }

    async fn add(&mut self, url: &str, channel: Id, s: &Spec) -> anyhow::Result<()> {
        let account = Client::new(url)?;
        account.set_tokens(Some(s.access.clone()), None);
        let gw = Gateway::connect(&account).await?;
        let (_ready, events, gateway) = gw.into_parts();
        let listener = Listener::new(s.user, gateway.clone())?;
        let idx = self.added;
        self.added += 1;
        self.media.send(Command::Add(Box::new(listener)));
        tokio::spawn(signalling(idx, events, self.media.clone()));
        gateway.send(ClientFrame::VoiceJoin(VoiceJoin {
            channel_id: channel,
            self_mute: true,
            self_deaf: false,
        }));
        Ok(())
    }

    /// Wait until every listener has connected or failed, or `within` passed; returns
    /// `(connected, failed)` (those still connecting count as failed).
    pub(crate) async fn wait_connected(&mut self, within: Duration) -> (usize, usize) {
        let deadline = tokio::time::Instant::now() + within;
        let mut ok = 0;
        let mut failed = 0;
        while ok + failed < self.added {
            match tokio::time::timeout_at(deadline, self.status.recv()).await {
                Ok(Some(Status::Connected)) => ok += 1,
                Ok(Some(Status::Failed(idx))) => {
                    eprintln!("voice-lite: listener {idx} did not connect");
                    failed += 1;
                }
                Ok(None) | Err(_) => {
                    self.media.send(Command::ReportConnecting);
                    break;
                }
            }
        }
        (ok, self.added - ok + self.failed_to_start)
    }

    /// The counters since the previous snap.
    pub(crate) async fn snap(&self) -> anyhow::Result<Snap> {
        let (tx, rx) = oneshot::channel();
        self.media.send(Command::Snap(tx));
        rx.await.context("the voice-lite media thread ended")
    }

    /// Every listener leaves voice; the media thread ends.
    pub(crate) async fn leave(mut self) {
        let (tx, rx) = oneshot::channel();
        self.media.send(Command::Leave(tx));
        let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        if let Some(t) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

/// Run the helper: read the job from stdin, join, answer commands.
pub(crate) async fn run() -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let job: Value = serde_json::from_str(&lines.next_line().await?.context("no job on stdin")?)?;
    let url = job["url"].as_str().context("job.url")?.to_owned();
    let channel = Id(job["channel"].as_u64().context("job.channel")?);
    let mut specs = Vec::new();
    for p in job["peers"].as_array().context("job.peers")? {
        specs.push(Spec {
            user: p["user"].as_u64().context("peer.user")?,
            access: p["access"].as_str().context("peer.access")?.to_owned(),
        });
    }
    let mut host = Host::start(&url, channel, &specs).await?;
    let (ok, failed) = host.wait_connected(Duration::from_secs(90)).await;
    say(json!({"event": "connected", "ok": ok, "failed": failed})).await?;
    while let Some(cmd) = lines.next_line().await? {
        match cmd.trim() {
            "rejoin" => {
                say(json!({"event": "rejoined", "ok": false, "peers": ok})).await?;
            }
            "snap" => {
                let snap = host.snap().await?;
                if snap.rejected > 0 {
                    eprintln!(
                        "voice-lite: {} datagrams did not open since the last snap",
                        snap.rejected
                    );
                }
                let received: Vec<Value> = snap
                    .received
                    .iter()
                    .map(|(l, s, n)| json!([l, s, n]))
                    .collect();
                let buckets: Vec<Value> = snap
                    .latency
                    .iter_recorded()
                    .map(|v| json!([v.value_iterated_to(), v.count_at_value()]))
                    .collect();
                say(json!({"event": "snap", "sent": {}, "received": received, "latency": buckets}))
                    .await?;
            }
            "leave" => break,
            _ => {}
        }
    }
    host.leave().await;
    // Let the voice_leave frames go out before the gateways drop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_proto::model::ChannelType;
    use spectrus_proto::rest::CreateChannel;
    use spectrus_testkit::TestDaemon;

    impl Host {
        async fn streams(&self) -> anyhow::Result<Vec<(SocketAddr, Vec<u32>)>> {
            let (tx, rx) = oneshot::channel();
            self.media.send(Command::Streams(tx));
            Ok(rx.await?)
        }
    }

    /// An RTP packet of `ssrc` with a junk payload and authentication tag: what an attacker
    /// who knows the stream but not its keys can send.
    fn forged(ssrc: u32, seq: u16) -> Vec<u8> {
        let mut p = vec![0x80, 111];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&u32::from(seq).wrapping_mul(960).to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend((0..60u8).map(|i| i.wrapping_mul(37)));
        p
    }

    /// A room of 6 on the real daemon: 2 speakers as full engines, 4 lean listeners. Each
    /// listener must count at least 90 % of what each speaker sent in a 4 s window, and no
    /// more than it sent although forged packets of the same streams arrive meanwhile, and
    /// record a latency per packet.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lean_listeners_hear_every_speaker_and_only_what_srtp_opened() -> anyhow::Result<()> {
        let d = TestDaemon::start_with(crate::fanout::BENCH_ENV).await?;
        let owner = d.owner().await?;
        let accounts = super::super::accounts(&d, &owner, 6).await?;
        let channel = owner
            .create_channel(&CreateChannel::new("lite", ChannelType::Voice))
            .await?
            .id;
        let mut speakers = Vec::new();
        for (i, a) in accounts.iter().take(2).enumerate() {
            let c = Client::new(&d.url)?;
            c.set_tokens(Some(a.access.clone()), None);
            let s = super::super::peers::start(&c, channel, true, 400.0 + 100.0 * i as f32).await?;
            speakers.push((a.user, s));
        }
        let specs: Vec<Spec> = accounts
            .iter()
            .skip(2)
            .map(|a| Spec {
                user: a.user,
                access: a.access.clone(),
            })
            .collect();
        let mut host = Host::start(&d.url, channel, &specs).await?;
        for (user, s) in &mut speakers {
            s.wait_connected(Duration::from_secs(60))
                .await
                .with_context(|| format!("speaker {user}"))?;
        }
        assert_eq!(host.wait_connected(Duration::from_secs(60)).await, (4, 0));
        // The listeners get a track for each speaker once it speaks (a renegotiation).
        let t = Instant::now();
        let mut streams = host.streams().await?;
        while t.elapsed() < Duration::from_secs(10)
            && !streams.iter().all(|(_, ssrcs)| ssrcs.len() == 2)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
            streams = host.streams().await?;
        }
        assert!(
            streams.iter().all(|(_, ssrcs)| ssrcs.len() == 2),
            "every listener has bound both speakers' streams: {streams:?}"
        );
        host.snap().await?;
        let sent0: Vec<u64> = speakers
            .iter()
            .map(|(_, s)| s.stats().packets_sent)
            .collect();
        // Forged packets of the bound streams, from another socket, during the window.
        let forger = UdpSocket::bind("127.0.0.1:0")?;
        let mut forged_n = 0u64;
        for round in 0..20u16 {
            for (addr, ssrcs) in &streams {
                for &ssrc in ssrcs {
                    forger.send_to(&forged(ssrc, round.wrapping_mul(3001)), addr)?;
                    forged_n += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let snap = host.snap().await?;
        let sent: Vec<u64> = speakers
            .iter()
            .zip(&sent0)
            .map(|((_, s), s0)| s.stats().packets_sent - s0)
            .collect();
        host.leave().await;
        for (_, s) in speakers {
            s.leave().await;
        }
        let mut total = 0;
        for spec in &specs {
            for (speaker, &n) in accounts.iter().map(|a| a.user).zip(&sent) {
                let got = snap
                    .received
                    .iter()
                    .filter(|(l, s, _)| *l == spec.user && *s == speaker)
                    .map(|r| r.2)
                    .sum::<u64>();
                total += got;
                assert!(n >= 150, "speaker {speaker} sent only {n} packets in 4 s");
                assert!(
                    got * 10 >= n * 9,
                    "listener {} got {got} of {n} packets of speaker {speaker}",
                    spec.user
                );
                // A packet or two of slack for the windows' edges, far below the forgeries.
                assert!(
                    got <= n + 5,
                    "listener {} counted {got} packets of speaker {speaker}, which sent {n}",
                    spec.user
                );
            }
        }
        assert_eq!(snap.latency.len(), total, "a latency per packet counted");
        let p50 = snap.latency.value_at_quantile(0.5);
        assert!(
            p50 > 0 && p50 < 1_000_000,
            "latency p50 {p50} µs on loopback"
        );
        assert!(
            snap.rejected >= forged_n,
            "{} of {forged_n} forgeries rejected",
            snap.rejected
        );
        Ok(())
    }

    #[test]
    fn dtls_record_kinds() {
        let mut d = vec![22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0];
        d.extend([20, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
        // A truncated third record is left out.
        d.extend([21, 254, 253]);
        assert_eq!(dtls_records(&d), "22.1+20");
        assert!(is_dtls(&d) && !is_dtls(&[0x80]) && !is_dtls(&[]));
    }

    #[test]
    fn speakers_from_msid() {
        assert_eq!(speaker_of(Some("spectrus-42"), 7), 42);
        assert_eq!(speaker_of(Some("other"), 7), 7 | (1 << 63));
        assert_eq!(speaker_of(None, 7), 7 | (1 << 63));
    }

    #[test]
    fn latency_from_wallclock_timestamps() {
        let now = Duration::from_secs(1_800_000_000);
        let stamp = |t: Duration| (t.as_micros() * 48 / 1000) as u32;
        assert_eq!(
            latency_us(stamp(now - Duration::from_millis(20)), now),
            20_000
        );
        // In the future: 0.
        assert_eq!(latency_us(stamp(now + Duration::from_millis(5)), now), 0);
    }
}
