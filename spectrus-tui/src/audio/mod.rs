//! Audio input and output for voice: sound cards through cpal, or WAV files for the
//! headless path, as the voice engine's [`AudioSource`] / [`AudioSink`].
//!
//! - [`device`]: listing devices and finding one by name; [`AudioError`];
//! - [`capture`] / [`playback`]: [`CpalSource`] and [`CpalSink`], each on its own thread;
//! - [`ring`]: the lock-free ring (over `rtrb`) between a cpal callback and the engine;
//! - [`convert`]: channel mixing and resampling to and from 48 kHz mono;
//! - [`file`]: `--headless-audio` / `--record-to`;
//! - [`meter`]: the microphone level for the status line, and first-frame stamps;
//! - [`thread`]: the thread that owns a cpal stream, and the opener capture and playback share;
//! - [`quiet`]: ALSA's messages kept off the terminal while a device opens.

pub mod capture;
pub mod convert;
pub mod device;
pub mod file;
pub mod meter;
pub mod playback;
pub mod quiet;
pub mod ring;
pub mod thread;

pub use capture::CpalSource;
pub use device::{AudioError, DeviceInfo, Direction};
pub use meter::{LevelMeter, Metered, StampedSink};
pub use playback::CpalSink;
use spectrus_voice::{AudioSink, AudioSource};

use crate::cli::AudioOptions;

/// The source and sink a voice session uses, metered and stamped.
pub struct AudioIo {
    /// Capture, for the engine.
    pub source: Metered,
    /// Playback, for the engine.
    pub sink: StampedSink,
    /// The capture level, for the status line.
    pub meter: LevelMeter,
}

/// Opens what `opts` asks for: the WAV of `--headless-audio` or an input device, and the WAV
/// of `--record-to` or an output device. Blocking (devices take a moment to open): call it
/// from a blocking task.
pub fn open(opts: &AudioOptions) -> Result<AudioIo, AudioError> {
    let source: Box<dyn AudioSource> = match &opts.headless_audio {
        Some(path) => Box::new(file::wav_source(path)?),
        None => Box::new(CpalSource::open(opts.input_device.as_deref())?),
    };
    let sink: Box<dyn AudioSink> = match &opts.record_to {
        Some(path) => Box::new(file::Recording::create(path)?),
        None => Box::new(CpalSink::open(opts.output_device.as_deref())?),
    };
    let (source, meter) = Metered::new(source);
    Ok(AudioIo {
        source,
        sink: StampedSink::new(sink),
        meter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_voice::tone::goertzel_power;
    use spectrus_voice::{AudioSink, AudioSource, SineSource};

    #[test]
    fn a_missing_device_is_an_error_with_advice_not_a_panic() {
        let opts = AudioOptions {
            input_device: Some("no-such-microphone-xyz".into()),
            ..AudioOptions::default()
        };
        let text = match open(&opts) {
            Ok(_) => panic!("a device that does not exist was opened"),
            Err(e) => e.to_string(),
        };
        assert!(
            text.contains("no input device") || text.starts_with("audio system unavailable"),
            "{text}"
        );
    }

    #[test]
    fn default_devices_open_or_explain_themselves() {
        // On a machine without a sound card (CI, this project's build boxes) both fail with
        // advice; with one, they open. Neither panics or prints over the terminal.
        let results = [
            CpalSource::open(None).map(|_| ()),
            CpalSink::open(None).map(|_| ()),
        ];
        for r in results {
            if let Err(e) = r {
                let t = e.to_string();
                assert!(
                    t.starts_with("no input device")
                        || t.starts_with("no output device")
                        || t.starts_with("audio system unavailable"),
                    "{t}"
                );
                assert!(
                    t.contains("spectrus-tui devices") || t.starts_with("audio"),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn files_replace_the_sound_card() {
        let dir = tempfile::tempdir().expect("tmp");
        let (input, output) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
        let mut rec = file::Recording::create(&input).expect("wav");
        let mut tone = SineSource::new(440.0);
        let mut frame = vec![0.0; 960];
        for _ in 0..10 {
            tone.read_frame(&mut frame);
            rec.write_frame(&frame);
        }
        drop(rec);
        // Device names are ignored when files are given: no device is opened.
        let opts = AudioOptions {
            input_device: Some("no-such-microphone-xyz".into()),
            output_device: Some("no-such-speaker-xyz".into()),
            headless_audio: Some(input),
            record_to: Some(output.clone()),
        };
        let mut io = open(&opts).expect("files open");
        io.source.read_frame(&mut frame);
        assert!(goertzel_power(&frame, 440.0) > 0.1);
        assert!(io.meter.level() > 0.5, "the meter sees the file");
        io.sink.write_frame(&frame);
        io.sink.flush();
        assert_eq!(hound::WavReader::open(&output).expect("wav").len(), 960);

        let bad = AudioOptions {
            record_to: Some(dir.path().join("no/such/dir/out.wav")),
            ..opts
        };
        let err = open(&bad).err().expect("bad path fails");
        assert!(err.to_string().contains("no/such/dir/out.wav"), "{err}");
    }
}
