//! [`CpalSource`]: a microphone as the voice engine's [`AudioSource`].
//!
//! The cpal stream lives on its own thread (`spectrus-capture`) for as long as the source
//! exists. Its callback converts the device's samples to `f32`, mixes them down to mono and
//! pushes them into a lock-free [`ring`](super::ring) — it never blocks or allocates. The
//! engine's 20 ms tick pops what arrived, resamples it to 48 kHz and takes one frame; when
//! the device runs late the frame is padded with silence, and when it runs ahead the oldest
//! audio is dropped so that latency stays bounded.

use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use spectrus_voice::{AudioSource, FRAME_SAMPLES, SAMPLE_RATE};

use super::convert::{Resampler, downmix_into};
use super::device::{self, AudioError, Direction};
use super::ring::{Consumer, ring};
use super::thread::StreamThread;

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
        let wanted = name.map(str::to_owned);
        let default = wanted.is_none();
        let opened = super::quiet::without_stderr(|| {
            StreamThread::spawn("spectrus-capture", move || {
                let device = device::find(Direction::Input, wanted.as_deref())?;
                let name = device.to_string();
                let config = device
                    .default_input_config()
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
                            direction: Direction::Input,
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
                e.for_default(Direction::Input)
            } else {
                e
            }
        })?;
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

fn device_error(name: &str, e: &cpal::Error) -> AudioError {
    AudioError::Device {
        direction: Direction::Input,
        device: name.to_owned(),
        message: e.to_string(),
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
        .map_err(|e| device_error(&device.to_string(), &e))?;
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
