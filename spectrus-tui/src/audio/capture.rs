//! [`CpalSource`]: a microphone as the voice engine's [`AudioSource`].
//!
//! The cpal stream lives on its own thread (`spectrus-capture`) for as long as the source
//! exists. Its callback converts the device's samples to `f32`, mixes them down to mono and
//! pushes them into a lock-free [`ring`](super::ring) — it never blocks or allocates. The
//! engine's 20 ms tick pops what arrived, resamples it to 48 kHz and takes one frame; when
//! the device runs late the frame is padded with silence, and when it runs ahead the oldest
//! audio is dropped so that latency stays bounded.

use std::time::Duration;

use cpal::traits::DeviceTrait;
use cpal::{FromSample, SizedSample};
use spectrus_voice::{AudioSource, FRAME_SAMPLES, SAMPLE_RATE};

use super::convert::{Resampler, downmix_into};
use super::device::{AudioError, Direction};
use super::ring::{Consumer, ring};
use super::thread::{
    Opened, StreamThread, device_error, for_sample_format, open_stream, unsupported,
};

/// Resampled audio kept beyond one frame before the oldest is dropped (40 ms).
const MAX_PENDING: usize = FRAME_SAMPLES * 2;

/// A cpal input device, resampled to 48 kHz mono.
pub struct CpalSource {
    ring: Consumer,
    resampler: Resampler,
    scratch: Vec<f32>,
    pending: Vec<f32>,
    name: String,
    _thread: StreamThread,
}

impl CpalSource {
    /// Opens the input device called `name` (the default one when `None`) and starts
    /// capturing. Fails with a sentence for the user when there is no such device.
    pub fn open(name: Option<&str>) -> Result<CpalSource, AudioError> {
        let Opened {
            thread,
            back: ring,
            rate,
            name,
        } = open_stream(
            Direction::Input,
            name,
            "spectrus-capture",
            |device, format, config| {
                for_sample_format!(format, build(device, config)).unwrap_or_else(|| {
                    Err(unsupported(Direction::Input, &device.to_string(), format))
                })
            },
        )?;
        tracing::info!(device = %name, rate, "capture started");
        Ok(CpalSource {
            ring,
            resampler: Resampler::new(rate, SAMPLE_RATE),
            scratch: vec![0.0; 4096],
            pending: Vec::with_capacity(MAX_PENDING + 4096),
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
) -> Result<(cpal::Stream, Consumer), AudioError>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    // Half a second at the device's rate: far more than the engine ever lets wait.
    let (mut producer, consumer) = ring(config.sample_rate as usize / 2);
    let mut mono = vec![0.0f32; 8192];
    let stream = device
        .build_input_stream::<T, _, _>(
            *config,
            move |data: &[T], _| {
                for block in data.chunks(mono.len() * channels) {
                    let n = downmix_into(
                        block,
                        channels,
                        &mut mono,
                        <f32 as FromSample<T>>::from_sample_,
                    );
                    producer.push_slice(&mono[..n]);
                }
            },
            |e| tracing::warn!(error = %e, "capture stream error"),
            Some(Duration::from_secs(2)),
        )
        .map_err(|e| device_error(Direction::Input, &device.to_string(), &e))?;
    Ok((stream, consumer))
}

impl AudioSource for CpalSource {
    fn read_frame(&mut self, frame: &mut [f32]) {
        loop {
            let n = self.ring.pop_slice(&mut self.scratch);
            if n == 0 {
                break;
            }
            self.resampler
                .process(&self.scratch[..n], &mut self.pending);
        }
        let keep = frame.len() + MAX_PENDING;
        if self.pending.len() > keep {
            let excess = self.pending.len() - keep;
            self.pending.drain(..excess);
        }
        let n = frame.len().min(self.pending.len());
        frame[..n].copy_from_slice(&self.pending[..n]);
        frame[n..].fill(0.0);
        self.pending.drain(..n);
    }
}
