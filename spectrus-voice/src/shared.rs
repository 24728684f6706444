//! The state shared by the engine handle, its media task and the peer connection's track
//! readers: the remote speakers (jitter buffer and decoder each), their reader tasks, the
//! flags the handle sets and the counters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use rtc::rtp;
use tokio::task::JoinHandle;

use crate::FRAME_SAMPLES;
use crate::codec::OpusDecoder;
use crate::jitter::{JitterBuffer, JitterConfig, Playout};
use crate::mixer::mix_into;
use crate::reports::Reports;

struct Speaker {
    jitter: JitterBuffer,
    decoder: Option<OpusDecoder>,
    frame: Vec<f32>,
    has_audio: bool,
}

/// State shared by the engine handle, the media task and the track readers.
pub(crate) struct Shared {
    pub(crate) connected: AtomicBool,
    track_tasks: Mutex<HashMap<u64, (u64, JoinHandle<()>)>>,
    generation: AtomicU64,
    speakers: Mutex<HashMap<u64, Speaker>>,
    pub(crate) volumes: Mutex<HashMap<u64, f32>>,
    jitter_cfg: JitterConfig,
    playout: bool,
    pub(crate) muted: AtomicBool,
    pub(crate) deaf: AtomicBool,
    pub(crate) bitrate: AtomicU32,
    pub(crate) audio_level_id: AtomicU8,
    pub(crate) payload_type: AtomicU8,
    pub(crate) packets_sent: AtomicU64,
    pub(crate) packets_received: AtomicU64,
    pub(crate) frames_decoded: AtomicU64,
    pub(crate) frames_concealed: AtomicU64,
    /// The sequence number of the first packet sent (`u32::MAX` before it).
    pub(crate) first_sent: AtomicU32,
    /// What was heard of each speaker.
    by_speaker: Mutex<HashMap<u64, Heard>>,
    /// Record one-way latencies against wall-clock RTP timestamps.
    wallclock: bool,
    pub(crate) latencies: Mutex<Vec<u32>>,
    /// Reception and send statistics for the RTCP reports.
    pub(crate) reports: Mutex<Reports>,
}

/// The wall clock in 48 kHz ticks since the UNIX epoch, truncated to an RTP timestamp.
pub(crate) fn wallclock_rtp() -> u32 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    (micros * 48 / 1000) as u32
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Nothing received yet; `bitrate` until an offer sets another.
    pub(crate) fn new(
        jitter_cfg: JitterConfig,
        playout: bool,
        bitrate: u32,
        wallclock: bool,
    ) -> Self {
        Self {
            connected: AtomicBool::new(false),
            track_tasks: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            speakers: Mutex::new(HashMap::new()),
            volumes: Mutex::new(HashMap::new()),
            jitter_cfg,
            playout,
            muted: AtomicBool::new(false),
            deaf: AtomicBool::new(false),
            bitrate: AtomicU32::new(bitrate),
            audio_level_id: AtomicU8::new(0),
            payload_type: AtomicU8::new(111),
            packets_sent: AtomicU64::new(0),
            packets_received: AtomicU64::new(0),
            frames_decoded: AtomicU64::new(0),
            frames_concealed: AtomicU64::new(0),
            first_sent: AtomicU32::new(u32::MAX),
            by_speaker: Mutex::new(HashMap::new()),
            wallclock,
            latencies: Mutex::new(Vec::new()),
            reports: Mutex::new(Reports::default()),
        }
    }

    /// Queue a received packet for `speaker`.
    pub(crate) fn receive(&self, speaker: u64, packet: rtp::Packet) {
        self.packets_received.fetch_add(1, Ordering::Relaxed);
        lock(&self.by_speaker)
            .entry(speaker)
            .or_default()
            .on_packet(packet.header.sequence_number);
        let h = &packet.header;
        lock(&self.reports).on_received(h.ssrc, h.sequence_number, h.timestamp, Instant::now());
        if self.wallclock {
            // A packet stamped "in the future" (clock skew, reordering) counts as 0 µs.
            let ticks = wallclock_rtp().wrapping_sub(packet.header.timestamp) as i32;
            let micros = u32::try_from(i64::from(ticks.max(0)) * 1000 / 48).unwrap_or(u32::MAX);
            lock(&self.latencies).push(micros);
        }
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

    /// Packets received per speaker, ascending by id.
    pub(crate) fn received_by_speaker(&self) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = lock(&self.by_speaker)
            .iter()
            .map(|(k, h)| (*k, h.packets))
            .collect();
        v.sort_unstable();
        v
    }

    /// How each speaker's stream began here, ascending by speaker.
    pub(crate) fn openings(&self) -> Vec<(u64, Opening)> {
        let mut v: Vec<(u64, Opening)> = lock(&self.by_speaker)
            .iter()
            .map(|(k, h)| (*k, h.opening))
            .collect();
        v.sort_unstable_by_key(|(k, _)| *k);
        v
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

    /// Stop or resume playing; going deaf empties every jitter buffer.
    pub(crate) fn set_deaf(&self, deaf: bool) {
        self.deaf.store(deaf, Ordering::Relaxed);
        if deaf {
            for s in lock(&self.speakers).values_mut() {
                s.jitter.reset();
            }
        }
    }

    /// The remote speakers, by participant id, ascending.
    pub(crate) fn speaker_ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = lock(&self.speakers).keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    pub(crate) fn abort_all_tracks(&self) {
        for (_, (_, task)) in lock(&self.track_tasks).drain() {
            task.abort();
        }
    }

    /// Decode one frame per speaker and mix them into `out`.
    pub(crate) fn playout(&self, out: &mut [f32]) {
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

/// Packets in a stream's first 100 ms (20 ms frames).
pub const OPENING_PACKETS: u16 = 5;

/// Packets after the first within which the opening's packets are counted (one second: a
/// late or replayed packet of the first 100 ms still counts, a later lap of the sequence
/// numbers does not).
const OPENING_WINDOW: u64 = 50;

/// How a remote speaker's stream began at this listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opening {
    /// The sequence number of the first packet heard.
    pub first_sequence: u16,
    /// How many of the [`OPENING_PACKETS`] from that one were heard.
    pub heard: u16,
}

/// What was heard of one speaker.
#[derive(Default)]
struct Heard {
    packets: u64,
    opening: Opening,
}

impl Heard {
    fn on_packet(&mut self, seq: u16) {
        if self.packets == 0 {
            self.opening.first_sequence = seq;
        }
        // Within the first second only: after 65,536 packets the numbers come round again.
        if self.packets < OPENING_WINDOW
            && seq.wrapping_sub(self.opening.first_sequence) < OPENING_PACKETS
        {
            self.opening.heard += 1;
        }
        self.packets += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_counts_the_first_100_ms_from_the_first_packet_heard() {
        let mut h = Heard::default();
        // Across the sequence numbers' wrap, one of the five lost, one late, one after.
        for seq in [65_534, 65_535, 1, 0, 3] {
            h.on_packet(seq);
        }
        assert_eq!(h.packets, 5);
        let opening = Opening {
            first_sequence: 65_534,
            heard: 4,
        };
        assert_eq!(h.opening, opening);
        // A lap of the sequence numbers later, the same numbers are not the opening.
        for seq in 4..=65_535 {
            h.on_packet(seq);
        }
        h.on_packet(65_534);
        assert_eq!(h.opening, opening);
    }
}
