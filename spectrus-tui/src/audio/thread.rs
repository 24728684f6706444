//! [`StreamThread`]: the thread that owns one cpal stream. cpal streams are not `Send` on
//! every platform, so each is built, played and dropped on a thread of its own; the handle
//! (which is `Send`) stops it when dropped.

use std::sync::mpsc;
use std::time::Duration;

use super::device::AudioError;

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
