//! The voice engine: capture → gate → Opus → RTP on the local track, and remote RTP → per
//! speaker jitter buffer → Opus (with PLC) → mixer → sink, on one 20 ms media task.
//! Signalling is abstract: offers and candidates go in through methods, answers and local
//! candidates come out of the [`EngineSignal`] channel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::rtp;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::TrackLocal;

use crate::codec::{OpusDecoder, OpusEncoder};
use crate::gate::{GateMode, rms};
use crate::jitter::{JitterBuffer, JitterConfig, Playout};
use crate::mixer::mix_into;
use crate::peer::ClientPeer;
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
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            udp_addrs: vec!["127.0.0.1:0".to_owned()],
            bitrate: 32_000,
            gate: GateMode::Open,
            jitter: JitterConfig::default(),
            playout: true,
        }
    }
}

/// What the engine needs the signalling layer to deliver to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineSignal {
    /// The answer to the latest offer (`voice_answer`).
    Answer(String),
    /// A local ICE candidate (`voice_candidate`).
    Candidate {
        /// The `candidate:...` attribute.
        candidate: String,
        /// Its media section id.
        sdp_mid: Option<String>,
        /// Its media section index.
        sdp_mline_index: Option<u16>,
    },
    /// The peer connection state changed (`"connected"`, `"failed"`...).
    ConnectionState(String),
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
}

struct Speaker {
    jitter: JitterBuffer,
    decoder: Option<OpusDecoder>,
    frame: Vec<f32>,
    has_audio: bool,
}

/// State shared by the engine handle, the media task and the track readers.
pub(crate) struct Shared {
    pub connected: AtomicBool,
    track_tasks: Mutex<HashMap<u64, (u64, JoinHandle<()>)>>,
    generation: AtomicU64,
    speakers: Mutex<HashMap<u64, Speaker>>,
    volumes: Mutex<HashMap<u64, f32>>,
    jitter_cfg: JitterConfig,
    playout: bool,
    muted: AtomicBool,
    deaf: AtomicBool,
    bitrate: AtomicU32,
    audio_level_id: AtomicU8,
    payload_type: AtomicU8,
    packets_sent: AtomicU64,
    packets_received: AtomicU64,
    frames_decoded: AtomicU64,
    frames_concealed: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Queue a received packet for `speaker`.
    pub(crate) fn receive(&self, speaker: u64, packet: rtp::Packet) {
        self.packets_received.fetch_add(1, Ordering::Relaxed);
        if self.deaf.load(Ordering::Relaxed) || !self.playout {
            return;
        }
        let mut speakers = lock(&self.speakers);
        let s = speakers.entry(speaker).or_insert_with(|| Speaker {
            jitter: JitterBuffer::new(self.jitter_cfg),
            decoder: None,
            frame: vec![0.0; FRAME_SAMPLES],
            has_audio: false,
        });
        s.jitter.push(
            packet.header.sequence_number,
            packet.header.timestamp,
            packet.payload.to_vec(),
            Instant::now(),
        );
    }

    pub(crate) fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed)
    }

    /// Register the reader task of `speaker`'s track, replacing (aborting) an older one.
    pub(crate) fn add_track_task(&self, speaker: u64, generation: u64, task: JoinHandle<()>) {
        if let Some((_, old)) = lock(&self.track_tasks).insert(speaker, (generation, task)) {
            old.abort();
        }
    }

    /// A track reader ended by itself: forget the speaker unless a newer track replaced it.
    pub(crate) fn track_ended(&self, speaker: u64, generation: u64) {
        let mut tasks = lock(&self.track_tasks);
        if tasks.get(&speaker).is_some_and(|(g, _)| *g == generation) {
            tasks.remove(&speaker);
            lock(&self.speakers).remove(&speaker);
        }
    }

    /// Stop listening to every speaker not in `keep` (the server removed their tracks).
    pub(crate) fn retain_speakers(&self, keep: &[u64]) {
        let mut tasks = lock(&self.track_tasks);
        tasks.retain(|id, (_, task)| {
            let kept = keep.contains(id);
            if !kept {
                task.abort();
            }
            kept
        });
        lock(&self.speakers).retain(|id, _| keep.contains(id));
    }

    fn abort_all_tracks(&self) {
        for (_, (_, task)) in lock(&self.track_tasks).drain() {
            task.abort();
        }
    }

    /// Decode one frame per speaker and mix them into `out`.
    fn playout(&self, out: &mut [f32]) {
        if self.deaf.load(Ordering::Relaxed) {
            out.fill(0.0);
            return;
        }
        let volumes = lock(&self.volumes).clone();
        let mut speakers = lock(&self.speakers);
        for s in speakers.values_mut() {
            s.has_audio = false;
            let decoder = match s.decoder.as_mut() {
                Some(d) => d,
                None => match OpusDecoder::new() {
                    Ok(d) => s.decoder.insert(d),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot create Opus decoder");
                        continue;
                    }
                },
            };
            let result = match s.jitter.pop() {
                Playout::Packet(p) => {
                    self.frames_decoded.fetch_add(1, Ordering::Relaxed);
                    decoder.decode(&p, &mut s.frame)
                }
                Playout::Lost => {
                    self.frames_concealed.fetch_add(1, Ordering::Relaxed);
                    decoder.conceal(&mut s.frame)
                }
                Playout::Silent => continue,
            };
            match result {
                Ok(n) if n == FRAME_SAMPLES => s.has_audio = true,
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "Opus decode failed"),
            }
        }
        let inputs: Vec<(&[f32], f32)> = speakers
            .iter()
            .filter(|(_, s)| s.has_audio)
            .map(|(id, s)| (s.frame.as_slice(), volumes.get(id).copied().unwrap_or(1.0)))
            .collect();
        mix_into(out, &inputs);
    }
}

/// RFC 6464 level byte (−dBov, 0..=127) of a frame.
fn audio_level(frame: &[f32]) -> u8 {
    let r = rms(frame);
    if r <= 0.0 {
        return 127;
    }
    (-20.0 * r.log10()).clamp(0.0, 127.0) as u8
}

/// Pull a number after `key` in an SDP.
fn sdp_number(sdp: &str, key: &str) -> Option<u32> {
    let start = sdp.find(key)? + key.len();
    let digits: String = sdp[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn opus_payload_type(sdp: &str) -> Option<u8> {
    sdp.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("a=rtpmap:")?;
        let (pt, codec) = rest.split_once(' ')?;
        if codec.to_ascii_lowercase().starts_with("opus/48000") {
            pt.parse().ok()
        } else {
            None
        }
    })
}

fn extmap_id(sdp: &str, uri: &str) -> Option<u8> {
    sdp.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("a=extmap:")?;
        let (id, ext_uri) = rest.split_once(' ')?;
        if ext_uri.split_whitespace().next()? != uri {
            return None;
        }
        id.split('/').next()?.parse().ok()
    })
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
    talking: bool,
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
            self.shared.playout(&mut mixed);
            self.sink.write_frame(&mixed);
        }
        self.sink.flush();
    }

    async fn send_frame(&mut self, capture: &mut [f32]) {
        self.source.read_frame(capture);
        let ts = self.timestamp;
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
        match self.track.write_rtp(packet).await {
            Ok(()) => {
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
        let shared = Arc::new(Shared {
            connected: AtomicBool::new(false),
            track_tasks: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            speakers: Mutex::new(HashMap::new()),
            volumes: Mutex::new(HashMap::new()),
            jitter_cfg: config.jitter,
            playout: config.playout,
            muted: AtomicBool::new(false),
            deaf: AtomicBool::new(false),
            bitrate: AtomicU32::new(config.bitrate),
            audio_level_id: AtomicU8::new(0),
            payload_type: AtomicU8::new(111),
            packets_sent: AtomicU64::new(0),
            packets_received: AtomicU64::new(0),
            frames_decoded: AtomicU64::new(0),
            frames_concealed: AtomicU64::new(0),
        });
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
            talking: false,
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
        let offered = crate::peer::offered_speakers(&sdp);
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
        self.shared.deaf.store(deaf, Ordering::Relaxed);
        if deaf {
            for s in lock(&self.shared.speakers).values_mut() {
                s.jitter.reset();
            }
        }
    }

    /// Playback gain of one remote participant (1.0 = unchanged, 0.0 = silenced).
    pub fn set_speaker_volume(&self, participant: u64, gain: f32) {
        lock(&self.shared.volumes).insert(participant, gain.max(0.0));
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        let s = &self.shared;
        let mut speakers: Vec<u64> = lock(&s.speakers).keys().copied().collect();
        speakers.sort_unstable();
        EngineStats {
            packets_sent: s.packets_sent.load(Ordering::Relaxed),
            packets_received: s.packets_received.load(Ordering::Relaxed),
            frames_decoded: s.frames_decoded.load(Ordering::Relaxed),
            frames_concealed: s.frames_concealed.load(Ordering::Relaxed),
            speakers,
            connected: s.connected.load(Ordering::Relaxed),
            bitrate: s.bitrate.load(Ordering::Relaxed),
        }
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
    fn sdp_helpers() {
        let sdp = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;maxaveragebitrate=24000\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n";
        assert_eq!(sdp_number(sdp, "maxaveragebitrate="), Some(24_000));
        assert_eq!(opus_payload_type(sdp), Some(111));
        assert_eq!(extmap_id(sdp, AUDIO_LEVEL_URI), Some(1));
        assert_eq!(sdp_number("", "x="), None);
    }

    #[test]
    fn levels() {
        assert_eq!(audio_level(&[0.0; 10]), 127);
        assert_eq!(audio_level(&[1.0; 10]), 0);
        assert_eq!(audio_level(&[0.1; 10]), 20);
    }
}
