//! [`CpalSink`]: speakers or headphones as the voice engine's [`AudioSink`].
//!
//! The engine's 20 ms tick resamples its mixed 48 kHz mono frame to the device's rate and
//! pushes it into a lock-free [`ring`](super::ring); the cpal callback, on the stream's own
//! thread (`spectrus-playback`), pops what is there, copies it to every channel in the
//! device's sample format and plays silence when the engine is late. It never blocks. When
//! more than [`MAX_QUEUED_MS`] is queued (the device runs slower than the engine's clock)
//! the newest frame is dropped so that latency stays bounded.

use std::time::Duration;

use cpal::traits::DeviceTrait;
use cpal::{FromSample, SizedSample};
use spectrus_voice::{AudioSink, SAMPLE_RATE};

use super::convert::{Resampler, upmix_into};
use super::device::{AudioError, Direction};
use super::ring::{Producer, ring};
use super::thread::{
    Opened, StreamThread, device_error, for_sample_format, open_stream, unsupported,
};

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
        let Opened {
            thread,
            back: ring,
            rate,
            name,
        } = open_stream(
            Direction::Output,
            name,
            "spectrus-playback",
            |device, format, config| {
                for_sample_format!(format, build(device, config)).unwrap_or_else(|| {
                    Err(unsupported(Direction::Output, &device.to_string(), format))
                })
            },
        )?;
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
        .map_err(|e| device_error(Direction::Output, &device.to_string(), &e))?;
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
