//! [`StreamThread`]: the thread that owns one cpal stream. cpal streams are not `Send` on
//! every platform, so each is built, played and dropped on a thread of its own; the handle
//! (which is `Send`) stops it when dropped. [`open_stream`] is the part capture and
//! playback share: find the device, take its default configuration, build and play the
//! stream on that thread, and word the errors for the user.

use std::sync::mpsc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};

use super::device::{self, AudioError, Direction};

/// `build::<T>(args..)` with `T` the sample type of a [`cpal::SampleFormat`], or `None` for a
/// format we do not handle.
macro_rules! for_sample_format {
    ($format:expr, $build:ident($($arg:expr),*)) => {
        match $format {
            cpal::SampleFormat::F32 => Some($build::<f32>($($arg),*)),
            cpal::SampleFormat::I16 => Some($build::<i16>($($arg),*)),
            cpal::SampleFormat::U16 => Some($build::<u16>($($arg),*)),
            cpal::SampleFormat::I32 => Some($build::<i32>($($arg),*)),
            cpal::SampleFormat::I8 => Some($build::<i8>($($arg),*)),
            cpal::SampleFormat::U8 => Some($build::<u8>($($arg),*)),
            cpal::SampleFormat::F64 => Some($build::<f64>($($arg),*)),
            _ => None,
        }
    };
}
pub(crate) use for_sample_format;

/// A device error, worded for the user.
pub fn device_error(direction: Direction, name: &str, e: &cpal::Error) -> AudioError {
    AudioError::Device {
        direction,
        device: name.to_owned(),
        message: e.to_string(),
    }
}

/// The error for a sample format [`for_sample_format`] does not handle.
pub fn unsupported(direction: Direction, name: &str, format: cpal::SampleFormat) -> AudioError {
    AudioError::Device {
        direction,
        device: name.to_owned(),
        message: format!("unsupported sample format {format}"),
    }
}

/// A stream playing on its own thread.
pub struct Opened<R> {
    /// Stops the stream when dropped.
    pub thread: StreamThread,
    /// What the build function handed back (a ring end).
    pub back: R,
    /// The device's sample rate.
    pub rate: u32,
    /// The device's name.
    pub name: String,
}

/// Opens the `direction` device called `name` (the default one when `None`) on a thread
/// named `thread_name`: `build` makes the stream for the device's default configuration,
/// then it is played. Errors are sentences for the user (a missing default device says how
/// to pick another).
pub fn open_stream<R, F>(
    direction: Direction,
    name: Option<&str>,
    thread_name: &str,
    build: F,
) -> Result<Opened<R>, AudioError>
where
    R: Send + 'static,
    F: FnOnce(
            &cpal::Device,
            cpal::SampleFormat,
            &cpal::StreamConfig,
        ) -> Result<(cpal::Stream, R), AudioError>
        + Send
        + 'static,
{
    let wanted = name.map(str::to_owned);
    let default = name.is_none();
    let opened = super::quiet::without_stderr(|| {
        StreamThread::spawn(thread_name, move || {
            let device = device::find(direction, wanted.as_deref())?;
            let name = device.to_string();
            let config = match direction {
                Direction::Input => device.default_input_config(),
                Direction::Output => device.default_output_config(),
            }
            .map_err(|e| device_error(direction, &name, &e))?;
            let rate = config.sample_rate();
            let (stream, back) = build(&device, config.sample_format(), &config.config())?;
            stream
                .play()
                .map_err(|e| device_error(direction, &name, &e))?;
            Ok((stream, (back, rate, name)))
        })
    });
    let (thread, (back, rate, name)) =
        opened.map_err(|e| if default { e.for_default(direction) } else { e })?;
    Ok(Opened {
        thread,
        back,
        rate,
        name,
    })
}

/// How long opening a device may take before giving up.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Owns a running stream's thread; dropping it stops and drops the stream.
pub struct StreamThread {
    stop: Option<mpsc::Sender<()>>,
}

impl StreamThread {
    /// Runs `open` on a new thread named `name`. `open` builds and plays a stream and
    /// returns it with whatever the caller needs back (ring ends, rates); the stream stays
    /// on the thread until the returned handle is dropped.
    pub fn spawn<S, T, F>(name: &str, open: F) -> Result<(StreamThread, T), AudioError>
    where
        S: 'static,
        T: Send + 'static,
        F: FnOnce() -> Result<(S, T), AudioError> + Send + 'static,
    {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<T, AudioError>>();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || match open() {
                Ok((stream, back)) => {
                    if ready_tx.send(Ok(back)).is_ok() {
                        // Until the handle is dropped (or sends).
                        let _ = stop_rx.recv();
                    }
                    drop(stream);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|e| AudioError::Host(format!("cannot start the audio thread: {e}")))?;
        let back = ready_rx
            .recv_timeout(OPEN_TIMEOUT)
            .map_err(|_| AudioError::Host("the audio device did not open in time".into()))??;
        Ok((
            StreamThread {
                stop: Some(stop_tx),
            },
            back,
        ))
    }
}

impl Drop for StreamThread {
    fn drop(&mut self) {
        // Closing the channel wakes the thread, which drops its stream.
        self.stop.take();
    }
}
