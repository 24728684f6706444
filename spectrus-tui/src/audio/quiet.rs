//! Keeps the audio library's own complaints off the screen: ALSA's C library prints
//! configuration errors (e.g. "Unknown PCM default" on a machine with no sound card) straight
//! to the process's stderr, which is the terminal the UI draws on. Device opening runs with
//! stderr pointed at `/dev/null`; what went wrong still reaches the user as an
//! [`AudioError`](super::AudioError) in the status line.

use std::sync::Mutex;

/// Serializes redirections, so a nested or concurrent one restores the right stderr.
static STDERR: Mutex<()> = Mutex::new(());

/// Runs `f` with file descriptor 2 on `/dev/null`, then puts it back. If the redirection
/// cannot be made, `f` runs anyway.
pub fn without_stderr<T>(f: impl FnOnce() -> T) -> T {
    let _guard = STDERR.lock().unwrap_or_else(|p| p.into_inner());
    let saved = nix::unistd::dup(std::io::stderr());
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null");
    let redirected = match (&saved, &null) {
        (Ok(_), Ok(null)) => nix::unistd::dup2_stderr(null).is_ok(),
        _ => false,
    };
    let out = f();
    if redirected
        && let Ok(saved) = &saved
        && let Err(e) = nix::unistd::dup2_stderr(saved)
    {
        tracing::warn!("could not restore stderr: {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_value_and_gives_stderr_back() {
        assert_eq!(without_stderr(|| 42), 42);
        // stderr still works afterwards (a closed fd 2 would make this write fail).
        use std::io::Write;
        assert!(std::io::stderr().write_all(b"").is_ok());
        assert!(nix::unistd::dup(std::io::stderr()).is_ok());
    }
}
