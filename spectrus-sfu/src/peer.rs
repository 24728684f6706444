//! One participant's server-side peer connection (sans-IO `rtc`): its construction as an
//! ICE-lite offerer, its outbound tracks (one per other participant), offers and answers, and
//! draining what it wants to send or report.

use foldhash::{HashMap, HashMapExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rand::Rng;
use rand::distr::Alphanumeric;
use rtc::crypto::RTCCryptoProvider;
use rtc::interceptor::Registry;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCConfigurationBuilder;
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::event::RTCPeerConnectionEvent;
use rtc::peer_connection::message::{RTCMessage, TaggedRTCMessage};
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::state::{RTCIceConnectionState, RTCPeerConnectionState};
use rtc::peer_connection::transport::{
    CandidateConfig, CandidateHostConfig, RTCIceCandidate, RTCIceCandidateInit,
};
use rtc::peer_connection::{RTCPeerConnection, RTCPeerConnectionBuilder};
use rtc::rtcp;
use rtc::rtcp::sender_report::SenderReport;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodingParameters, RTCRtpEncodingParameters};
use rtc::rtp_transceiver::{RTCRtpSenderId, RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use rtc::sansio::Protocol;
use rtc::shared::marshal::{Marshal, MarshalSize, Unmarshal};
use rtc::shared::util::{match_srtcp, match_srtp};
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use rtc::srtp::protection_profile::ProtectionProfile;

use crate::error::SfuError;
use crate::outbox::Outbox;
use crate::reports::{
    REPORT_INTERVAL, ReceiveStats, SendCounters, compound, ntp_now, receiver_report,
};
use crate::sdp::{AUDIO_LEVEL_URI, OPUS_PAYLOAD_TYPE, extmap_id, media_engine, opus_codec};
use crate::speaking::SpeakingDetector;
use crate::srtp::{Session, StreamIndex};
use crate::stun::is_binding_request;

/// Mute and deafen flags of a participant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaState {
    /// Muted by a moderator: nothing it sends is forwarded.
    pub server_mute: bool,
    /// Deafened by a moderator: nothing is forwarded to it.
    pub server_deaf: bool,
    /// Muted by the user.
    pub self_mute: bool,
    /// Deafened by the user.
    pub self_deaf: bool,
}

impl MediaState {
    pub(crate) fn may_send(&self) -> bool {
        !self.server_mute && !self.self_mute
    }
    pub(crate) fn may_receive(&self) -> bool {
        !self.server_deaf && !self.self_deaf
    }
}

/// An outbound track carrying one other participant's audio to this one.
pub(crate) struct Outbound {
    sender: RTCRtpSenderId,
    ssrc: u32,
    /// Negotiated (covered by an answer): only then is audio forwarded on it.
    active: bool,
    /// When the track was added: the source's packets from then on (and [`REPLAY_SLACK`]
    /// before) are replayed once it is negotiated.
    created: Instant,
    /// What it sent, for its sender reports.
    sent: SendCounters,
    /// Its SRTP packet index, when the SFU's own SRTP seals it ([`Peer::forward`]).
    index: StreamIndex,
}

/// Streams of a participant opened by the SFU's own SRTP, at most: a client sends one.
const MAX_OPENED_STREAMS: usize = 8;

/// The connection's SRTP sessions in the SFU's own implementation (`srtp.rs`), for the
/// AEAD_AES_128_GCM profile: the forward path's sealing and opening.
struct OwnSrtp {
    seal: Session,
    open: Session,
}

/// How much of a source's recent audio is kept for replay to listeners whose track for it
/// is still being negotiated (20 ms packets): one second.
const RECENT_PACKETS: usize = 50;
/// A packet that arrived this long before a track was added still counts as after: a new
/// speaker's first packet is what adds the others' tracks for it.
const REPLAY_SLACK: Duration = Duration::from_millis(100);

/// What became of a received datagram ([`Peer::handle_datagram`]).
pub(crate) enum Received {
    /// An RTP packet of a known stream, opened outside the pipeline.
    Rtp(rtp::Packet),
    /// Read outside the pipeline (RTCP), or dropped (a packet that failed to open): nothing
    /// to drain.
    Consumed,
    /// Fed to the pipeline (or dropped): drain it.
    Pipeline,
}

/// What draining a peer connection produced besides datagrams.
#[derive(Default)]
pub(crate) struct Drained {
    /// Inbound RTP from this participant.
    pub rtp: Vec<rtp::Packet>,
    /// ICE or DTLS failed for good.
    pub failed: bool,
}

pub(crate) struct Peer {
    pub id: u64,
    pub room: u64,
    /// How others see this participant (msid `spectrus-<label>`).
    pub label: u64,
    /// Has sent audio while allowed to: the others carry a track for it.
    pub speaker: bool,
    pub state: MediaState,
    pub speaking: SpeakingDetector,
    pub last_seen: Instant,
    /// Cached `poll_timeout()` of the peer connection.
    pub next_timeout: Option<Instant>,
    pc: RTCPeerConnection,
    local_addr: SocketAddr,
    bitrate: u32,
    outbound: HashMap<u64, Outbound>,
    offer_pending: bool,
    needs_offer: bool,
    audio_level_id: Option<u8>,
    closed: bool,
    /// When the next sender reports for the outbound tracks are due.
    next_report: Instant,
    /// This participant's latest packets (as received, with their arrival), for listeners
    /// whose track for it is not negotiated yet.
    recent: std::collections::VecDeque<(Instant, rtp::Packet)>,
    /// Reception statistics per SSRC this participant sends, for the receiver reports. A
    /// packet of an SSRC listed here is opened outside the pipeline ([`Peer::handle_datagram`]).
    inbound: HashMap<u32, ReceiveStats>,
    /// The SSRC of this connection's receiver reports.
    report_ssrc: u32,
    /// Sender reports received since last taken.
    sender_reports_in: u64,
    /// ICE is connected: the checks `rtc`'s agent sends back are dropped ([`Peer::drain`]).
    ice_connected: bool,
    /// Connectivity checks dropped since last taken.
    checks_dropped: u64,
    /// The SFU's own SRTP sessions, once DTLS produced keys of the profile it implements.
    own_srtp: Option<OwnSrtp>,
    /// Where media goes: the selected candidate pair's remote address (refreshed whenever
    /// the pipeline ran, [`Peer::drain`]).
    media_addr: Option<SocketAddr>,
    /// Packet indices of the streams this participant sends whose packets the SFU's own SRTP
    /// opens (each stream's first packet came through the pipeline): kept for the life of the
    /// connection, so that a stream silent for a while resumes with the right rollover count.
    opened: HashMap<u32, StreamIndex>,
    /// Where a received packet is opened (its space taken back once the packet is dropped).
    opened_buf: BytesMut,
}

/// A [`forwardable`] packet marshalled once: each copy then only changes the SSRC, in the
/// header and in place in the bytes, before it is sealed.
pub(crate) struct Forwardable {
    header: rtp::Header,
    bytes: Vec<u8>,
    /// The marshalled header's length: the authenticated part; the rest (payload, and any
    /// padding after it) is encrypted.
    header_len: usize,
    payload_len: usize,
}

/// The length of the RTP header `datagram` starts with (fixed part, CSRCs, extension), if it
/// is long enough to hold it.
fn rtp_header_len(datagram: &[u8]) -> Option<usize> {
    let first = *datagram.first()?;
    let mut len = 12 + 4 * usize::from(first & 0x0f);
    if first & 0x10 != 0 {
        let words = datagram.get(len + 2..len + 4)?;
        len += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    (datagram.len() >= len).then_some(len)
}

/// Where the SSRC is in a marshalled RTP header (RFC 3550 §5.1).
const SSRC_OFFSET: usize = 8;

/// The SSRC of `datagram` if it is (S)RTP (RFC 7983, as `rtc` demultiplexes it).
fn rtp_ssrc(datagram: &[u8]) -> Option<u32> {
    if !match_srtp(datagram) {
        return None;
    }
    let b = datagram.get(SSRC_OFFSET..SSRC_OFFSET + 4)?;
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

/// `packet` as every listener gets it: Opus payload type, no header extensions (their ids
/// are the sender's negotiation, not the listener's). Done once per received packet.
pub(crate) fn forwardable(packet: &rtp::Packet) -> rtp::Packet {
    let header = rtp::Header {
        version: packet.header.version,
        padding: packet.header.padding,
        marker: packet.header.marker,
        payload_type: OPUS_PAYLOAD_TYPE,
        sequence_number: packet.header.sequence_number,
        timestamp: packet.header.timestamp,
        ssrc: packet.header.ssrc,
        csrc: packet.header.csrc.clone(),
        ..Default::default()
    };
    rtp::Packet {
        header,
        payload: packet.payload.clone(),
    }
}

impl Forwardable {
    /// A packet made [`forwardable`], marshalled; `None` if it does not marshal.
    pub(crate) fn new(p: &rtp::Packet) -> Option<Self> {
        Self::reusing(p, Vec::new())
    }

    /// As [`Forwardable::new`], marshalled into `bytes` (a buffer of an earlier packet, see
    /// [`Forwardable::into_bytes`]): no allocation per packet once it is large enough.
    pub(crate) fn reusing(p: &rtp::Packet, mut bytes: Vec<u8>) -> Option<Self> {
        bytes.clear();
        bytes.resize(p.marshal_size(), 0);
        let n = p.marshal_to(&mut bytes).ok()?;
        bytes.truncate(n);
        bytes.get(SSRC_OFFSET..SSRC_OFFSET + 4)?;
        let header_len = p.header.marshal_size();
        bytes.get(..header_len)?;
        Some(Self {
            header: p.header.clone(),
            bytes,
            header_len,
            payload_len: p.payload.len(),
        })
    }

    /// The buffer, for the next packet.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The marshalled header and what follows it (the payload and any padding).
    fn parts(&self) -> (&[u8], &[u8]) {
        self.bytes
            .split_at_checked(self.header_len)
            .unwrap_or_default()
    }

    fn set_ssrc(&mut self, ssrc: u32) {
        self.header.ssrc = ssrc;
        if let Some(b) = self.bytes.get_mut(SSRC_OFFSET..SSRC_OFFSET + 4) {
            b.copy_from_slice(&ssrc.to_be_bytes());
        }
    }
}

fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl Peer {
    /// A fresh peer connection for `id`, whose only local candidate is `local_addr`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: u64,
        room: u64,
        label: u64,
        ufrag: String,
        state: MediaState,
        bitrate: u32,
        local_addr: SocketAddr,
        crypto: Option<Arc<dyn RTCCryptoProvider>>,
        now: Instant,
    ) -> Result<Self, SfuError> {
        let mut setting_engine = SettingEngineBuilder::new()
            .with_lite(true)
            .with_ice_credentials(ufrag, random_string(24))
            .with_ice_timeouts(
                Some(Duration::from_secs(5)),
                Some(Duration::from_secs(10)),
                Some(Duration::from_secs(2)),
            );
        if let Some(c) = crypto {
            setting_engine = setting_engine.with_crypto_provider(c);
        }
        let setting_engine = setting_engine.build();
        let me = media_engine(bitrate)?;
        // No interceptors: no NACK or TWCC for forwarded audio, and the sender and receiver
        // reports are the SFU's own, batched (`reports.rs`).
        let registry = Registry::new();
        let mut pc = RTCPeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_setting_engine(setting_engine)
            .with_media_engine(me)
            .with_interceptor_registry(registry)
            .build(now)?;
        pc.add_transceiver_from_kind(
            RtpCodecKind::Audio,
            Some(RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                streams: vec![],
                send_encodings: vec![],
            }),
        )?;
        let candidate = CandidateHostConfig {
            base_config: CandidateConfig {
                network: "udp".to_owned(),
                address: local_addr.ip().to_string(),
                port: local_addr.port(),
                component: 1,
                ..Default::default()
            },
            ..Default::default()
        }
        .new_candidate_host()?;
        pc.add_local_candidate(RTCIceCandidate::from(&candidate).to_json()?)?;
        // End of gathering: the only candidate is the one above.
        pc.add_local_candidate(RTCIceCandidateInit::default())?;
        Ok(Self {
            id,
            room,
            label,
            speaker: false,
            state,
            speaking: SpeakingDetector::default(),
            last_seen: now,
            next_timeout: None,
            pc,
            local_addr,
            bitrate,
            outbound: HashMap::new(),
            offer_pending: false,
            needs_offer: false,
            audio_level_id: None,
            closed: false,
            // Spread over the interval, so that peers joining together report apart.
            next_report: now + REPORT_INTERVAL.mul_f64(rand::rng().random_range(0.5..1.5)),
            recent: std::collections::VecDeque::with_capacity(RECENT_PACKETS),
            inbound: HashMap::new(),
            report_ssrc: rand::rng().random(),
            sender_reports_in: 0,
            ice_connected: false,
            checks_dropped: 0,
            own_srtp: None,
            media_addr: None,
            opened: HashMap::new(),
            opened_buf: BytesMut::new(),
        })
    }

    /// Bring the outbound tracks in line with `others` (the other speakers of the room, as
    /// `(participant, label)`)
    /// and return a new offer if anything changed (or `force`). While an offer is outstanding
    /// nothing changes; the peer remembers to renegotiate once it is answered.
    pub(crate) fn renegotiate(
        &mut self,
        others: &[(u64, u64)],
        force: bool,
        now: Instant,
    ) -> Result<Option<String>, SfuError> {
        if self.offer_pending {
            self.needs_offer = true;
            return Ok(None);
        }
        self.needs_offer = false;
        let mut changed = force;
        let gone: Vec<u64> = self
            .outbound
            .keys()
            .filter(|p| !others.iter().any(|(o, _)| o == *p))
            .copied()
            .collect();
        for p in gone {
            if let Some(out) = self.outbound.remove(&p) {
                self.pc.remove_track(out.sender)?;
                changed = true;
            }
        }
        for &(p, label) in others {
            if self.outbound.contains_key(&p) {
                continue;
            }
            let ssrc: u32 = rand::rng().random();
            let track = MediaStreamTrack::new(
                format!("spectrus-{label}"),
                // A fresh track id per outbound track: clients key remote tracks by it, so
                // a re-joining participant must not look like its previous track.
                format!("spectrus-{label}-{ssrc:08x}"),
                format!("participant {label}"),
                RtpCodecKind::Audio,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec: opus_codec(self.bitrate),
                    ..Default::default()
                }],
            );
            let sender = self.pc.add_track(track)?;
            self.outbound.insert(
                p,
                Outbound {
                    sender,
                    ssrc,
                    active: false,
                    created: now,
                    sent: SendCounters::default(),
                    index: StreamIndex::default(),
                },
            );
            changed = true;
        }
        if !changed {
            return Ok(None);
        }
        let offer = self.pc.create_offer(None)?;
        self.pc.set_local_description(now, offer)?;
        let sdp = self
            .pc
            .local_description()
            .map(|d| d.sdp)
            .ok_or_else(|| SfuError::WebRtc("no local description after offer".into()))?;
        self.offer_pending = true;
        Ok(Some(sdp))
    }

    /// Apply the client's answer. Returns whether a renegotiation is owed, and the sources
    /// whose tracks it negotiated just now, with when each track was added.
    pub(crate) fn apply_answer(
        &mut self,
        sdp: String,
        now: Instant,
    ) -> Result<(bool, Vec<(u64, Instant)>), SfuError> {
        if !self.offer_pending {
            return Err(SfuError::NoPendingOffer(self.id));
        }
        let desc =
            RTCSessionDescription::answer(sdp).map_err(|e| SfuError::BadInput(e.to_string()))?;
        self.audio_level_id = extmap_id(&desc.sdp, AUDIO_LEVEL_URI);
        self.pc
            .set_remote_description(now, desc)
            .map_err(|e| SfuError::BadInput(e.to_string()))?;
        self.offer_pending = false;
        let mut activated = Vec::new();
        for (source, out) in &mut self.outbound {
            if !out.active {
                out.active = true;
                activated.push((*source, out.created));
            }
        }
        Ok((self.needs_offer, activated))
    }

    /// Remember a packet from this participant (as forwarded) for late-negotiated listeners.
    pub(crate) fn remember(&mut self, packet: &rtp::Packet, now: Instant) {
        if self.recent.len() == RECENT_PACKETS {
            self.recent.pop_front();
        }
        self.recent.push_back((now, packet.clone()));
    }

    /// This participant's remembered packets that arrived after a listener's track for it
    /// was added at `since` (less [`REPLAY_SLACK`]).
    pub(crate) fn recent_since(&self, since: Instant) -> Vec<rtp::Packet> {
        let from = since.checked_sub(REPLAY_SLACK).unwrap_or(since);
        self.recent
            .iter()
            .filter(|(t, _)| *t >= from)
            .map(|(_, p)| p.clone())
            .collect()
    }

    pub(crate) fn add_remote_candidate(&mut self, candidate: String) -> Result<(), SfuError> {
        if self.pc.remote_description().is_none() {
            return Err(SfuError::BadInput(
                "candidate before the first answer".into(),
            ));
        }
        let candidate = candidate.trim();
        let candidate = candidate.strip_prefix("a=").unwrap_or(candidate);
        if candidate.is_empty() {
            return Ok(()); // end-of-candidates
        }
        self.pc
            .add_remote_candidate(RTCIceCandidateInit {
                candidate: candidate.to_owned(),
                ..Default::default()
            })
            .map_err(|e| SfuError::BadInput(e.to_string()))
    }

    /// The RFC 6464 level of a packet from this participant, if it carries one.
    pub(crate) fn audio_level(&self, packet: &rtp::Packet) -> Option<u8> {
        let id = self.audio_level_id?;
        packet
            .header
            .get_extension(id)
            .and_then(|b| b.first().copied())
    }

    /// Feed one datagram from `from`. An RTP packet of an SSRC already seen (in
    /// [`Peer::inbound`]) is opened outside the peer connection's pipeline and returned: the
    /// pipeline (eight handlers, then a drain of their queues and timers) was most of a
    /// received packet's cost, and nothing in it applies to a known stream; its statistics
    /// are kept here. Anything else (a stream's first packet, RTCP, STUN, DTLS) goes through
    /// the pipeline, and [`Peer::drain`] returns what it produced.
    pub(crate) fn handle_datagram(
        &mut self,
        from: SocketAddr,
        data: &[u8],
        now: Instant,
    ) -> Received {
        self.last_seen = now;
        if match_srtcp(data) {
            match self.pc.open_rtcp(now, data) {
                Ok(Some(packets)) => {
                    self.read_rtcp(&packets, now);
                    return Received::Consumed;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(participant = self.id, error = %e, "dropped RTCP packet");
                    return Received::Consumed;
                }
            }
        } else if let Some(ssrc) = rtp_ssrc(data)
            && let Some(own) = &self.own_srtp
            && let Some(index) = self.opened.get_mut(&ssrc)
        {
            let opened = rtp_header_len(data)
                .ok_or(crate::srtp::OpenError::Malformed)
                .and_then(|h| own.open.open(data, h, index, &mut self.opened_buf));
            if let Err(e) = opened {
                tracing::debug!(participant = self.id, error = ?e, "dropped RTP packet");
                return Received::Consumed;
            }
            // As shared bytes: the payload and the extensions are parsed out of them without
            // a copy, and every later clone of the packet (the replay buffer, the forwarded
            // form) shares them. The buffer's space is taken back once they are all dropped.
            let mut b = self.opened_buf.split().freeze();
            return match rtp::Packet::unmarshal(&mut b) {
                Ok(packet) => {
                    let h = &packet.header;
                    self.inbound
                        .entry(ssrc)
                        .or_insert_with(|| ReceiveStats::new(h.sequence_number, now))
                        .on_rtp(h.sequence_number, h.timestamp, now);
                    Received::Rtp(packet)
                }
                Err(e) => {
                    tracing::debug!(participant = self.id, error = %e, "dropped RTP packet");
                    Received::Consumed
                }
            };
        } else if let Some(ssrc) = rtp_ssrc(data)
            && self.inbound.contains_key(&ssrc)
        {
            match self.pc.open_rtp(now, data) {
                Ok(Some(packet)) => {
                    if let Some(stats) = self.inbound.get_mut(&packet.header.ssrc) {
                        stats.on_rtp(packet.header.sequence_number, packet.header.timestamp, now);
                    }
                    return Received::Rtp(packet);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(participant = self.id, error = %e, "dropped RTP packet");
                    return Received::Consumed;
                }
            }
        }
        let msg = TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: self.local_addr,
                peer_addr: from,
                ecn: None,
                transport_protocol: TransportProtocol::UDP,
            },
            message: BytesMut::from(data),
        };
        if let Err(e) = self.pc.handle_read(msg) {
            tracing::debug!(participant = self.id, error = %e, "dropped datagram");
        }
        Received::Pipeline
    }

    /// Note the sender reports among `packets` (RTCP from this participant).
    fn read_rtcp(&mut self, packets: &[Box<dyn rtcp::Packet>], now: Instant) {
        for p in packets {
            if let Some(sr) = p.as_any().downcast_ref::<SenderReport>()
                && let Some(stats) = self.inbound.get_mut(&sr.ssrc)
            {
                stats.on_sender_report(sr.ntp_time, now);
                self.sender_reports_in += 1;
            }
        }
    }

    /// Connectivity checks dropped so far (taken: the count restarts).
    pub(crate) fn take_checks_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.checks_dropped)
    }

    /// Sender reports received so far (taken: the count restarts).
    pub(crate) fn take_sender_reports(&mut self) -> u64 {
        std::mem::take(&mut self.sender_reports_in)
    }

    /// Count an inbound RTP packet that came through the pipeline (its stream's first,
    /// typically): from now on its SSRC is known.
    fn count_inbound(&mut self, packet: &rtp::Packet, now: Instant) {
        let h = &packet.header;
        if self.own_srtp.is_some()
            && self.opened.len() < MAX_OPENED_STREAMS
            && !self.opened.contains_key(&h.ssrc)
        {
            // The pipeline opened it as the stream's first (rollover count 0); the
            // following ones are the SFU's to open.
            let mut index = StreamIndex::default();
            index.accept(u64::from(h.sequence_number));
            self.opened.insert(h.ssrc, index);
        }
        self.inbound
            .entry(h.ssrc)
            .or_insert_with(|| ReceiveStats::new(h.sequence_number, now))
            .on_rtp(h.sequence_number, h.timestamp, now);
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if let Err(e) = self.pc.handle_timeout(now) {
            tracing::debug!(participant = self.id, error = %e, "timeout handling failed");
        }
    }

    /// Forward `packet` (from participant `source`) on this peer's track for `source`:
    /// sealed with this peer's SRTP context straight into `outbox` (`origin`: when the packet
    /// arrived). Returns whether it was sent.
    ///
    /// The copy bypasses the peer connection's handler pipeline and interceptors
    /// (`RTCPeerConnection::seal_rtp`, this project's patch of `rtc`, third_party/README.md):
    /// through them each copy was moved through eight handlers' queues, marshalled into one
    /// buffer and encrypted into another, and looked up by SSRC in the sender-report
    /// interceptor and the statistics, several times the cost of its encryption. Nothing they
    /// did applies to a forwarded copy: the SSRC is the track's own, the payload type the only
    /// codec offered, [`Forwardable`] removed the extensions, and the sender reports are the
    /// SFU's own (`reports.rs`).
    pub(crate) fn forward(
        &mut self,
        source: u64,
        packet: &mut Forwardable,
        now: Instant,
        outbox: &mut Outbox,
        origin: Option<Instant>,
    ) -> bool {
        let Some(out) = self.outbound.get_mut(&source).filter(|o| o.active) else {
            return false;
        };
        packet.set_ssrc(out.ssrc);
        if let Some(own) = &self.own_srtp {
            let Some(to) = self.media_addr else {
                return false;
            };
            let (header, payload) = packet.parts();
            let sealed = outbox.push_with(to, origin, |buf| {
                own.seal.seal(header, payload, &mut out.index, buf)
            });
            if sealed {
                out.sent
                    .on_sent(packet.header.timestamp, packet.payload_len, now);
            }
            return sealed;
        }
        match self.pc.seal_rtp(now, &packet.bytes, &packet.header) {
            Ok(Some(d)) => {
                out.sent
                    .on_sent(packet.header.timestamp, packet.payload_len, now);
                outbox.push(d.transport.peer_addr, &d.message, origin);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::trace!(participant = self.id, error = %e, "forward failed");
                false
            }
        }
    }

    /// Move everything the peer connection produced out: datagrams into `outbox`, inbound
    /// RTP and failure into the return value.
    /// `origin` is the arrival time of the packet being forwarded, if any (for latency stats).
    ///
    /// Once ICE is connected, the binding requests the agent sends are dropped: the SFU is an
    /// ICE-lite agent, which sends no checks (RFC 8445 §2.5), but `rtc`'s agent answers each
    /// of the participant's consent checks with a triggered check of its own, whose response
    /// cost the SFU (and the participant) one more wake-up each time. Before ICE connects
    /// they are kept: `rtc` selects the pair only when its own check succeeded.
    pub(crate) fn drain(&mut self, outbox: &mut Outbox, origin: Option<Instant>) -> Drained {
        let mut drained = Drained::default();
        let now = Instant::now();
        while let Some(msg) = self.pc.poll_write() {
            if self.ice_connected && is_binding_request(&msg.message) {
                self.checks_dropped += 1;
                continue;
            }
            outbox.push(msg.transport.peer_addr, &msg.message, origin);
        }
        self.media_addr = self.pc.selected_remote_addr();
        // The handshake completes in a pipeline turn, and every such turn is drained: the
        // keys are here before any copy could be sealed (`Peer::forward` does not look).
        if self.own_srtp.is_none() {
            self.load_srtp_keys();
        }
        while let Some(event) = self.pc.poll_event() {
            match event {
                RTCPeerConnectionEvent::OnIceConnectionStateChangeEvent(s) => {
                    self.ice_connected = matches!(
                        s,
                        RTCIceConnectionState::Connected | RTCIceConnectionState::Completed
                    );
                    if s == RTCIceConnectionState::Failed {
                        drained.failed = true;
                    }
                }
                RTCPeerConnectionEvent::OnConnectionStateChangeEvent(
                    RTCPeerConnectionState::Failed,
                ) => drained.failed = true,
                RTCPeerConnectionEvent::OnConnectionStateChangeEvent(s) => {
                    tracing::debug!(participant = self.id, state = %s, "connection state");
                }
                _ => {}
            }
        }
        while let Some(TaggedRTCMessage { message, .. }) = self.pc.poll_read() {
            match message {
                RTCMessage::RtpPacket(_, packet) => {
                    self.count_inbound(&packet, now);
                    drained.rtp.push(packet);
                }
                RTCMessage::RtcpPacket(_, packets) => self.read_rtcp(&packets, now),
                _ => {}
            }
        }
        self.next_timeout = if self.closed {
            None
        } else {
            self.pc.poll_timeout()
        };
        drained
    }

    /// The earliest of this peer's timers: its peer connection's, its reports, its speaking
    /// state turning off, its removal for silence (`idle_timeout` after it was last heard).
    pub(crate) fn deadline(&self, idle_timeout: Duration) -> Option<Instant> {
        [
            self.next_timeout,
            Some(self.next_report),
            self.speaking.off_deadline(),
            Some(self.last_seen + idle_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether the sender reports are due at `now`.
    pub(crate) fn reports_due(&self, now: Instant) -> bool {
        now >= self.next_report
    }

    /// Queue the sender reports of every outbound track that has sent something and a
    /// receiver report about every stream received since the last, in as few compound RTCP
    /// packets as fit (one for up to 31 tracks); drain afterwards. A stream silent for two
    /// intervals is forgotten (its next packet goes through the pipeline again). Returns
    /// whether a receiver report was among them.
    pub(crate) fn send_reports(&mut self, now: Instant) -> bool {
        self.next_report = now + REPORT_INTERVAL;
        if self.closed {
            return false;
        }
        let ntp = ntp_now();
        let reports = self
            .outbound
            .values()
            .filter_map(|o| o.sent.report(o.ssrc, now, ntp))
            .collect();
        self.inbound
            .retain(|_, s| now.saturating_duration_since(s.last_packet()) < 2 * REPORT_INTERVAL);
        let received: Vec<_> = self
            .inbound
            .iter_mut()
            .filter(|(_, s)| now.saturating_duration_since(s.last_packet()) < REPORT_INTERVAL)
            .map(|(&ssrc, s)| s.report(ssrc, now))
            .collect();
        let receiver = (!received.is_empty()).then(|| receiver_report(self.report_ssrc, received));
        let sent_receiver = receiver.is_some();
        for packets in compound(reports, receiver) {
            if let Err(e) = self.pc.handle_write(TaggedRTCMessage {
                now,
                message: RTCMessage::RtcpPacket(String::new(), packets),
            }) {
                tracing::debug!(participant = self.id, error = %e, "RTCP reports not sent");
            }
        }
        sent_receiver
    }

    /// Set up the SFU's own SRTP if DTLS has produced keys of the profile it implements
    /// (AEAD_AES_128_GCM; with another, `rtc`'s contexts keep sealing and opening).
    fn load_srtp_keys(&mut self) {
        let Some((profile, keys)) = self.pc.srtp_master_keys() else {
            return;
        };
        if !matches!(profile, ProtectionProfile::AeadAes128Gcm) {
            return;
        }
        let seal = Session::new(&keys.local_master_key, &keys.local_master_salt);
        let open = Session::new(&keys.remote_master_key, &keys.remote_master_salt);
        if let (Some(seal), Some(open)) = (seal, open) {
            self.own_srtp = Some(OwnSrtp { seal, open });
        }
    }

    /// Whether the SFU's own SRTP seals and opens this connection's media.
    pub(crate) fn own_srtp(&self) -> bool {
        self.own_srtp.is_some()
    }

    pub(crate) fn outbound_count(&self) -> usize {
        self.outbound.len()
    }

    /// Close the peer connection (queues DTLS close alerts; drain afterwards).
    pub(crate) fn close(&mut self) {
        if let Err(e) = self.pc.close() {
            tracing::debug!(participant = self.id, error = %e, "close failed");
        }
        self.closed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::srtp::context::Context;

    #[test]
    fn header_length_counts_csrcs_and_the_extension_block() {
        let mut h = rtp::Header {
            version: 2,
            payload_type: 111,
            csrc: vec![1, 2],
            ..Default::default()
        };
        h.set_extension(1, bytes::Bytes::from_static(&[0x30]))
            .unwrap_or_else(|e| panic!("{e}"));
        let p = rtp::Packet {
            header: h,
            payload: bytes::Bytes::from_static(&[9; 20]),
        };
        let wire = p.marshal().unwrap_or_else(|e| panic!("{e}"));
        // 12 fixed, 8 of CSRCs, 4 of extension header, 4 of one-byte elements (padded).
        assert_eq!(rtp_header_len(&wire), Some(28));
        assert_eq!(rtp_header_len(&wire[..27]), None);
        assert_eq!(rtp_header_len(&wire[..13]), None);
        assert_eq!(rtp_header_len(&[]), None);
    }

    #[test]
    fn a_padded_packet_is_sealed_with_only_its_header_authenticated() {
        let (key, salt) = ([7u8; 16], [9u8; 12]);
        let provider = crate::crypto::SfuCrypto::provider().unwrap_or_else(|| panic!("provider"));
        let mut theirs = Context::new(
            &key,
            &salt,
            ProtectionProfile::AeadAes128Gcm,
            None,
            None,
            provider.crypto(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ours = Session::new(&key, &salt).unwrap_or_else(|| panic!("session"));
        let packet = rtp::Packet {
            header: rtp::Header {
                version: 2,
                padding: true,
                payload_type: 111,
                sequence_number: 5,
                timestamp: 960,
                ssrc: 1,
                ..Default::default()
            },
            payload: bytes::Bytes::from_static(&[1, 2, 3, 4, 5]),
        };
        let mut f = Forwardable::new(&packet).unwrap_or_else(|| panic!("forwardable"));
        f.set_ssrc(0xabcd);
        let (header, rest) = f.parts();
        assert_eq!(header.len(), 12);
        let mut sealed = Vec::new();
        assert!(ours.seal(header, rest, &mut StreamIndex::default(), &mut sealed));
        let mut opened = theirs
            .decrypt_rtp(&sealed)
            .unwrap_or_else(|e| panic!("{e}"));
        let p = rtp::Packet::unmarshal(&mut opened).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (p.header.ssrc, &p.payload[..]),
            (0xabcd, &[1u8, 2, 3, 4, 5][..])
        );
    }
}
