//! [`CpalSink`]: speakers or headphones as the voice engine's [`AudioSink`].
//!
//! The engine's 20 ms tick resamples its mixed 48 kHz mono frame to the device's rate and
//! pushes it into a lock-free [`ring`](super::ring); the cpal callback, on the stream's own
//! thread (`spectrus-playback`), pops what is there, copies it to every channel in the
//! device's sample format and plays silence when the engine is late. It never blocks. When
//! more than [`MAX_QUEUED_MS`] is queued (the device runs slower than the engine's clock)
//! the newest frame is dropped so that latency stays bounded.

use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use spectrus_voice::{AudioSink, SAMPLE_RATE};

use super::convert::{Resampler, upmix_into};
use super::device::{self, AudioError, Direction};
use super::ring::{Producer, ring};
use super::thread::StreamThread;

/// Playback queued beyond this is dropped.
pub const MAX_QUEUED_MS: usize = 100;

/// A cpal output device, fed 48 kHz mono.
pub struct CpalSink {
    ring: Producer,
    resampler: Resampler,
    buf: Vec<f32>,
    max_queued: usize,
    name: String,
    _thread: StreamThread,
}

impl CpalSink {
    /// Opens the output device called `name` (the default one when `None`) and starts
    /// playing (silence until the engine writes).
    pub fn open(name: Option<&str>) -> Result<CpalSink, AudioError> {
        let wanted = name.map(str::to_owned);
        let default = wanted.is_none();
        let opened = super::quiet::without_stderr(|| {
            StreamThread::spawn("spectrus-playback", move || {
                let device = device::find(Direction::Output, wanted.as_deref())?;
                let name = device.to_string();
                let config = device
                    .default_output_config()
                    .map_err(|e| device_error(&name, &e))?;
                let rate = config.sample_rate();
                let (stream, ring) = match config.sample_format() {
                    SampleFormat::F32 => build::<f32>(&device, &config.config())?,
                    SampleFormat::I16 => build::<i16>(&device, &config.config())?,
                    SampleFormat::U16 => build::<u16>(&device, &config.config())?,
                    SampleFormat::I32 => build::<i32>(&device, &config.config())?,
                    SampleFormat::I8 => build::<i8>(&device, &config.config())?,
                    SampleFormat::U8 => build::<u8>(&device, &config.config())?,
                    SampleFormat::F64 => build::<f64>(&device, &config.config())?,
                    other => {
                        return Err(AudioError::Device {
                            direction: Direction::Output,
                            device: name,
                            message: format!("unsupported sample format {other}"),
                        });
                    }
                };
                stream.play().map_err(|e| device_error(&name, &e))?;
                Ok((stream, (ring, rate, name)))
            })
        });
        let (thread, (ring, rate, name)) = opened.map_err(|e| {
            if default {
                e.for_default(Direction::Output)
            } else {
                e
            }
        })?;
        tracing::info!(device = %name, rate, "playback started");
        Ok(CpalSink {
            ring,
            resampler: Resampler::new(SAMPLE_RATE, rate),
            buf: Vec::with_capacity(8192),
            max_queued: rate as usize * MAX_QUEUED_MS / 1000,
            name,
            _thread: thread,
        })
    }

    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn device_error(name: &str, e: &cpal::Error) -> AudioError {
    AudioError::Device {
        direction: Direction::Output,
        device: name.to_owned(),
        message: e.to_string(),
    }
}

fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
) -> Result<(cpal::Stream, Producer), AudioError>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let channels = usize::from(config.channels.max(1));
    let (producer, mut consumer) = ring(config.sample_rate as usize / 2);
    let mut mono = vec![0.0f32; 4096];
    let stream = device
        .build_output_stream::<T, _, _>(
            *config,
            move |data: &mut [T], _| {
                for block in data.chunks_mut(mono.len() * channels) {
                    let frames = block.len().div_ceil(channels);
                    let n = consumer.pop_slice(&mut mono[..frames]);
                    upmix_into(
                        &mono[..n],
                        block,
                        channels,
                        T::EQUILIBRIUM,
                        <T as FromSample<f32>>::from_sample_,
                    );
                }
            },
            |e| tracing::warn!(error = %e, "playback stream error"),
            Some(Duration::from_secs(2)),
        )
        .map_err(|e| device_error(&device.to_string(), &e))?;
    Ok((stream, producer))
}

impl AudioSink for CpalSink {
    fn write_frame(&mut self, frame: &[f32]) {
        self.buf.clear();
        self.resampler.process(frame, &mut self.buf);
        if self.ring.len() + self.buf.len() > self.max_queued {
            tracing::trace!("playback queue full; dropping a frame");
            return;
        }
        self.ring.push_slice(&self.buf);
    }
}
