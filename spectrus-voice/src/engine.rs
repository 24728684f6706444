//! The voice engine: capture → gate → Opus → RTP on the local track, and remote RTP → per
//! speaker jitter buffer → Opus (with PLC) → mixer → sink, on one 20 ms media task.
//! Signalling is abstract: offers and candidates go in through methods, answers and local
//! candidates come out of the [`EngineSignal`] channel.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::rtp;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::TrackLocal;

use crate::codec::OpusEncoder;
use crate::gate::{GateMode, rms};
use crate::jitter::JitterConfig;
use crate::peer::ClientPeer;
use crate::reports;
use crate::sdp::{extmap_id, offered_speakers, opus_payload_type, sdp_number};
use crate::shared::{Opening, Shared, lock};
use crate::signal::EngineSignal;
use crate::sink::AudioSink;
use crate::source::AudioSource;
use crate::{AUDIO_LEVEL_URI, FRAME_SAMPLES, VoiceError};

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Local addresses the peer connection binds (e.g. `"127.0.0.1:0"`; `"0.0.0.0:0"` binds
    /// every interface but loopback).
    pub udp_addrs: Vec<String>,
    /// Opus bitrate until an offer sets `maxaveragebitrate`.
    pub bitrate: u32,
    /// Which gate decides when to send.
    pub gate: GateMode,
    /// Jitter buffer bounds.
    pub jitter: JitterConfig,
    /// Decode and play what is received. `false` only counts packets (load generators,
    /// benchmarks).
    pub playout: bool,
    /// RTP timestamps follow the wall clock (48 kHz ticks since the UNIX epoch, truncated
    /// to 32 bits) instead of a random origin, and received packets' one-way latency is
    /// recorded against it ([`VoiceEngine::take_latencies_us`]). Only meaningful when sender
    /// and receiver share a clock (benchmarks on one host).
    pub wallclock_timestamps: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            udp_addrs: vec!["127.0.0.1:0".to_owned()],
            bitrate: 32_000,
            gate: GateMode::Open,
            jitter: JitterConfig::default(),
            playout: true,
            wallclock_timestamps: false,
        }
    }
}

/// Engine counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineStats {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received (all speakers).
    pub packets_received: u64,
    /// Frames decoded from packets.
    pub frames_decoded: u64,
    /// Frames concealed (Opus PLC).
    pub frames_concealed: u64,
    /// Remote speakers with a track, by participant id.
    pub speakers: Vec<u64>,
    /// Whether the peer connection is connected.
    pub connected: bool,
    /// The encoder's bitrate.
    pub bitrate: u32,
    /// RTP packets received per remote speaker (participant id), ascending by id.
    pub received_by_speaker: Vec<(u64, u64)>,
    /// How each remote speaker's stream began here (its first 100 ms), ascending by id.
    pub openings: Vec<(u64, Opening)>,
    /// The sequence number of the first RTP packet sent, once one was.
    pub first_sequence_sent: Option<u16>,
}

/// RFC 6464 level byte (−dBov, 0..=127) of a frame.
fn audio_level(frame: &[f32]) -> u8 {
    let r = rms(frame);
    if r <= 0.0 {
        return 127;
    }
    (-20.0 * r.log10()).clamp(0.0, 127.0) as u8
}

/// The capture/send and playout loop.
struct MediaLoop {
    shared: Arc<Shared>,
    source: Box<dyn AudioSource>,
    sink: Box<dyn AudioSink>,
    gate: Box<dyn crate::gate::Gate>,
    encoder: OpusEncoder,
    track: Arc<webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP>,
    ssrc: u32,
    seq: u16,
    timestamp: u32,
    wallclock: bool,
    talking: bool,
    /// When the next RTCP report is due (set once connected).
    next_report: Option<Instant>,
}

impl MediaLoop {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        let mut capture = vec![0.0f32; FRAME_SAMPLES];
        let mut mixed = vec![0.0f32; FRAME_SAMPLES];
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = tick.tick() => {}
            }
            self.send_frame(&mut capture).await;
            self.send_reports().await;
            self.shared.playout(&mut mixed);
            self.sink.write_frame(&mixed);
        }
        self.sink.flush();
    }

    /// Send the RTCP reports when due: the first 0.5–1.5 s after the connection is up, then
    /// every [`reports::REPORT_INTERVAL`] on average.
    async fn send_reports(&mut self) {
        if !self.shared.connected.load(Ordering::Relaxed) {
            self.next_report = None;
            return;
        }
        let now = Instant::now();
        let due = *self
            .next_report
            .get_or_insert_with(|| now + Duration::from_millis(500 + rand::random_range(0..1000)));
        if now < due {
            return;
        }
        self.next_report = Some(now + reports::next_interval());
        let datagrams = lock(&self.shared.reports).take(self.ssrc, now, reports::ntp_now());
        for packets in datagrams {
            if let Err(e) = self.track.write_rtcp(packets).await {
                tracing::trace!(error = %e, "RTCP report not sent");
            }
        }
    }

    async fn send_frame(&mut self, capture: &mut [f32]) {
        self.source.read_frame(capture);
        let ts = if self.wallclock {
            crate::shared::wallclock_rtp()
        } else {
            self.timestamp
        };
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        let open = !self.shared.muted.load(Ordering::Relaxed) && self.gate.is_open(capture);
        if !open || !self.shared.connected.load(Ordering::Relaxed) {
            self.talking = false;
            return;
        }
        let wanted = self.shared.bitrate.load(Ordering::Relaxed);
        if let Err(e) = self.encoder.set_bitrate(wanted) {
            tracing::debug!(error = %e, "cannot set bitrate");
        }
        let payload = match self.encoder.encode(capture) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "Opus encode failed");
                return;
            }
        };
        let mut packet = rtp::Packet {
            header: rtp::header::Header {
                version: 2,
                marker: !self.talking,
                payload_type: self.shared.payload_type.load(Ordering::Relaxed),
                sequence_number: self.seq,
                timestamp: ts,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload: Bytes::from(payload),
        };
        let ext_id = self.shared.audio_level_id.load(Ordering::Relaxed);
        if ext_id != 0 {
            packet.header.extension = true;
            packet.header.extension_profile = rtp::header::EXTENSION_PROFILE_ONE_BYTE;
            if let Err(e) = packet
                .header
                .set_extension(ext_id, Bytes::from(vec![audio_level(capture)]))
            {
                tracing::debug!(error = %e, "cannot set audio level");
                packet.header.extension = false;
            }
        }
        self.talking = true;
        let payload_len = packet.payload.len();
        match self.track.write_rtp(packet).await {
            Ok(()) => {
                lock(&self.shared.reports).on_sent(ts, payload_len, Instant::now());
                let _ = self.shared.first_sent.compare_exchange(
                    u32::MAX,
                    u32::from(self.seq),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
                self.seq = self.seq.wrapping_add(1);
                self.shared.packets_sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tracing::trace!(error = %e, "RTP not sent"),
        }
    }
}

/// A running voice engine. Cheap to share behind an `Arc`; stop it with [`VoiceEngine::stop`].
pub struct VoiceEngine {
    shared: Arc<Shared>,
    peer: ClientPeer,
    signals: mpsc::Sender<EngineSignal>,
    signalling: tokio::sync::Mutex<()>,
    stop_tx: Mutex<Option<oneshot::Sender<()>>>,
    media_task: tokio::sync::Mutex<Option<JoinHandle<()>>>,
}

impl VoiceEngine {
    /// Create the peer connection and start the 20 ms media loop. Nothing is sent until an
    /// offer has been answered and the connection is up.
    pub async fn start(
        config: EngineConfig,
        source: impl AudioSource + 'static,
        sink: impl AudioSink + 'static,
    ) -> Result<(VoiceEngine, mpsc::Receiver<EngineSignal>), VoiceError> {
        let (signals, signals_rx) = mpsc::channel(256);
        let shared = Arc::new(Shared::new(
            config.jitter,
            config.playout,
            config.bitrate,
            config.wallclock_timestamps,
        ));
        let peer =
            ClientPeer::new(config.udp_addrs.clone(), shared.clone(), signals.clone()).await?;
        let media = MediaLoop {
            shared: shared.clone(),
            source: Box::new(source),
            sink: Box::new(sink),
            gate: config.gate.build(),
            encoder: OpusEncoder::new(config.bitrate)?,
            track: peer.track.clone(),
            ssrc: peer.ssrc,
            seq: rand::random(),
            timestamp: rand::random(),
            wallclock: config.wallclock_timestamps,
            talking: false,
            next_report: None,
        };
        let (stop_tx, stop_rx) = oneshot::channel();
        let media_task = tokio::spawn(media.run(stop_rx));
        Ok((
            VoiceEngine {
                shared,
                peer,
                signals,
                signalling: tokio::sync::Mutex::new(()),
                stop_tx: Mutex::new(Some(stop_tx)),
                media_task: tokio::sync::Mutex::new(Some(media_task)),
            },
            signals_rx,
        ))
    }

    /// Apply an offer (first or re-offer) from the server; the answer comes out as
    /// [`EngineSignal::Answer`]. Offers are applied one at a time, in call order.
    pub async fn handle_offer(&self, sdp: String) -> Result<(), VoiceError> {
        let _serial = self.signalling.lock().await;
        if let Some(b) = sdp_number(&sdp, "maxaveragebitrate=") {
            self.shared
                .bitrate
                .store(b.clamp(6_000, 510_000), Ordering::Relaxed);
        }
        if let Some(pt) = opus_payload_type(&sdp) {
            self.shared.payload_type.store(pt, Ordering::Relaxed);
        }
        let level_id = extmap_id(&sdp, AUDIO_LEVEL_URI).unwrap_or(0);
        let offered = offered_speakers(&sdp);
        let answer = self.peer.answer(sdp).await?;
        self.shared.retain_speakers(&offered);
        // Only use the extension if our answer kept it.
        let kept = extmap_id(&answer, AUDIO_LEVEL_URI).unwrap_or(0);
        self.shared.audio_level_id.store(
            if kept == level_id { level_id } else { 0 },
            Ordering::Relaxed,
        );
        self.signals
            .send(EngineSignal::Answer(answer))
            .await
            .map_err(|_| VoiceError::Stopped)
    }

    /// A trickled candidate from the server.
    pub async fn add_candidate(
        &self,
        candidate: String,
        sdp_mid: Option<String>,
        sdp_mline_index: Option<u16>,
    ) -> Result<(), VoiceError> {
        self.peer
            .add_candidate(candidate, sdp_mid, sdp_mline_index)
            .await
    }

    /// Stop or resume sending.
    pub fn set_mute(&self, muted: bool) {
        self.shared.muted.store(muted, Ordering::Relaxed);
    }

    /// Stop or resume playing (received packets are dropped while deaf).
    pub fn set_deaf(&self, deaf: bool) {
        self.shared.set_deaf(deaf);
    }

    /// Playback gain of one remote participant (1.0 = unchanged, 0.0 = silenced).
    pub fn set_speaker_volume(&self, participant: u64, gain: f32) {
        lock(&self.shared.volumes).insert(participant, gain.max(0.0));
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        let s = &self.shared;
        let speakers = s.speaker_ids();
        EngineStats {
            packets_sent: s.packets_sent.load(Ordering::Relaxed),
            packets_received: s.packets_received.load(Ordering::Relaxed),
            frames_decoded: s.frames_decoded.load(Ordering::Relaxed),
            frames_concealed: s.frames_concealed.load(Ordering::Relaxed),
            speakers,
            connected: s.connected.load(Ordering::Relaxed),
            bitrate: s.bitrate.load(Ordering::Relaxed),
            received_by_speaker: s.received_by_speaker(),
            openings: s.openings(),
            first_sequence_sent: u16::try_from(s.first_sent.load(Ordering::Relaxed)).ok(),
        }
    }

    /// One-way latencies (µs) of the packets received since the last call, when the engine
    /// runs with [`EngineConfig::wallclock_timestamps`] (empty otherwise).
    pub fn take_latencies_us(&self) -> Vec<u32> {
        std::mem::take(&mut *lock(&self.shared.latencies))
    }

    /// Stop the media loop (flushing the sink), close the connection and end every task.
    pub async fn stop(&self) {
        if let Some(tx) = lock(&self.stop_tx).take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.media_task.lock().await.take() {
            let _ = task.await;
        }
        if let Err(e) = self.peer.pc.close().await {
            tracing::debug!(error = %e, "close failed");
        }
        self.shared.abort_all_tracks();
        self.shared.connected.store(false, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(audio_level(&[0.0; 10]), 127);
        assert_eq!(audio_level(&[1.0; 10]), 0);
        assert_eq!(audio_level(&[0.1; 10]), 20);
    }
}
