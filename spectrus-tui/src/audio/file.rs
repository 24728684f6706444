//! The headless path: `--headless-audio FILE.wav` (a WAV played as the microphone, looped)
//! and `--record-to FILE.wav` (what voice plays, written to a WAV). No sound card is
//! touched. The recording's header is rewritten every second, so the file is a valid WAV
//! while the client still runs (and is finished when it stops).

use std::path::Path;

use spectrus_voice::{AudioSink, WavSink, WavSource};

use super::device::AudioError;

/// Frames between header rewrites (one second).
const FLUSH_EVERY: u32 = 50;

/// The WAV at `path` as a looping microphone (any rate and channel count; resampled to
/// 48 kHz mono).
pub fn wav_source(path: &Path) -> Result<WavSource, AudioError> {
    WavSource::open(path).map_err(|e| AudioError::Wav {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// A 48 kHz mono 16-bit WAV recording of what voice plays.
pub struct Recording {
    wav: WavSink,
    since_flush: u32,
}

impl Recording {
    /// Creates (truncates) the file.
    pub fn create(path: &Path) -> Result<Recording, AudioError> {
        let wav = WavSink::create(path).map_err(|e| AudioError::Wav {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Recording {
            wav,
            since_flush: 0,
        })
    }
}

impl AudioSink for Recording {
    fn write_frame(&mut self, frame: &[f32]) {
        self.wav.write_frame(frame);
        self.since_flush += 1;
        if self.since_flush >= FLUSH_EVERY {
            self.since_flush = 0;
            self.wav.flush();
        }
    }

    fn flush(&mut self) {
        self.wav.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_voice::AudioSource;
    use spectrus_voice::tone::goertzel_power;

    #[test]
    fn recording_is_readable_while_it_grows() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.wav");
        let mut rec = Recording::create(&path).expect("create");
        for _ in 0..FLUSH_EVERY {
            rec.write_frame(&[0.25; 960]);
        }
        // Not dropped, not explicitly flushed: the periodic flush made it valid.
        let r = hound::WavReader::open(&path).expect("a valid WAV");
        assert_eq!(r.len(), 960 * FLUSH_EVERY);
        assert_eq!(r.spec().sample_rate, 48_000);
    }

    #[test]
    fn headless_source_plays_the_file_and_bad_paths_say_which() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("tone.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).expect("wav");
        for i in 0..4800 {
            let v = (0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / 48_000.0).sin()) * 32767.0;
            w.write_sample(v as i16).expect("sample");
        }
        w.finalize().expect("finalize");
        let mut src = wav_source(&path).expect("open");
        let mut frame = vec![0.0; 960 * 5];
        src.read_frame(&mut frame);
        assert!(goertzel_power(&frame, 440.0) > 0.2);
        let err = wav_source(&dir.path().join("missing.wav")).expect_err("missing file fails");
        assert!(err.to_string().contains("missing.wav"), "{err}");
    }
}
