//! Audio sinks: where the engine's mixed playback goes (20 ms frames of 48 kHz mono `f32`).

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crate::{SAMPLE_RATE, VoiceError};

/// Something that consumes mixed playback, one frame per 20 ms tick.
pub trait AudioSink: Send {
    /// Take one frame of mixed audio.
    fn write_frame(&mut self, frame: &[f32]);
    /// Make everything written so far durable (e.g. finish a file's header).
    fn flush(&mut self) {}
}

/// Discards everything.
#[derive(Debug, Default)]
pub struct NullSink;

impl AudioSink for NullSink {
    fn write_frame(&mut self, _frame: &[f32]) {}
}

/// Writes a 16-bit mono 48 kHz WAV file.
pub struct WavSink {
    writer: Option<hound::WavWriter<std::io::BufWriter<std::fs::File>>>,
}

impl WavSink {
    /// Create (truncate) the file.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, VoiceError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        Ok(Self {
            writer: Some(hound::WavWriter::create(path, spec)?),
        })
    }
}

impl AudioSink for WavSink {
    fn write_frame(&mut self, frame: &[f32]) {
        if let Some(w) = self.writer.as_mut() {
            for s in frame {
                let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16;
                if let Err(e) = w.write_sample(v) {
                    tracing::warn!(error = %e, "WAV write failed; closing the sink");
                    self.writer = None;
                    return;
                }
            }
        }
    }

    fn flush(&mut self) {
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.flush()
        {
            tracing::warn!(error = %e, "WAV flush failed");
        }
    }
}

/// Keeps everything in a shared buffer (bounded to the newest `capacity` samples) that tests
/// and meters can inspect through a [`MemoryBuffer`].
pub struct MemorySink {
    buffer: MemoryBuffer,
}

/// A cloneable view of a [`MemorySink`]'s samples.
#[derive(Clone, Default)]
pub struct MemoryBuffer {
    inner: Arc<Mutex<Vec<f32>>>,
    capacity: usize,
}

impl MemorySink {
    /// A sink keeping at most `capacity` samples (the newest), and a view of it.
    pub fn new(capacity: usize) -> (Self, MemoryBuffer) {
        let buffer = MemoryBuffer {
            inner: Arc::default(),
            capacity,
        };
        (
            Self {
                buffer: buffer.clone(),
            },
            buffer,
        )
    }
}

impl AudioSink for MemorySink {
    fn write_frame(&mut self, frame: &[f32]) {
        let mut v = self
            .buffer
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        v.extend_from_slice(frame);
        if v.len() > self.buffer.capacity {
            let excess = v.len() - self.buffer.capacity;
            v.drain(..excess);
        }
    }
}

impl MemoryBuffer {
    /// The newest `n` samples (fewer if not that many were written).
    pub fn last(&self, n: usize) -> Vec<f32> {
        let v = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        v[v.len().saturating_sub(n)..].to_vec()
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget everything held.
    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sink_bounded() {
        let (mut s, b) = MemorySink::new(1000);
        s.write_frame(&[0.5; 960]);
        s.write_frame(&[0.25; 960]);
        assert_eq!(b.len(), 1000);
        assert_eq!(b.last(1), vec![0.25]);
        assert_eq!(b.last(5000).len(), 1000);
        b.clear();
        assert!(b.is_empty());
    }

    #[test]
    fn wav_sink_writes_a_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.wav");
        {
            let mut s = WavSink::create(&path).unwrap();
            s.write_frame(&[0.5; 960]);
            s.flush();
        }
        let r = hound::WavReader::open(&path).unwrap();
        assert_eq!(r.spec().sample_rate, 48_000);
        assert_eq!(r.len(), 960);
    }
}
