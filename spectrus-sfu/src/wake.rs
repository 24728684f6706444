//! How the SFU thread sleeps and is woken: one `ppoll(2)` over the UDP socket and an
//! `eventfd(2)` that the [`crate::Sfu`] handles write after queuing a command, with the
//! loop's next timer as the timeout. No runtime, no timer wheel: a wake-up costs this one
//! system call.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// An `eventfd`: [`Waker::wake`] makes it readable until the SFU thread [`Waker::reset`]s it.
#[derive(Debug)]
pub(crate) struct Waker(OwnedFd);

impl Waker {
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: plain system call; a non-negative result is a new descriptor we own.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Wake the thread waiting in [`wait`] (or make its next wait return at once).
    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our descriptor. A full counter (EAGAIN)
        // means it is readable already, which is all a wake needs.
        let _ = unsafe {
            libc::write(
                self.0.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }

    /// Make it unreadable again (called when woken, before the commands are taken).
    pub(crate) fn reset(&self) {
        let mut n: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from our non-blocking descriptor.
        let _ = unsafe {
            libc::read(
                self.0.as_raw_fd(),
                (&mut n as *mut u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }
}

/// What [`wait`] found ready.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ready {
    /// The socket has datagrams to read.
    pub readable: bool,
    /// The waker was woken.
    pub woken: bool,
}

/// Sleep until `socket` is readable, `waker` is woken, or `timeout` passed (`None`: no
/// timeout). An interrupted wait returns nothing ready.
pub(crate) fn wait(
    socket: &impl AsRawFd,
    waker: &Waker,
    timeout: Option<Duration>,
) -> io::Result<Ready> {
    let mut fds = [
        libc::pollfd {
            fd: socket.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: waker.0.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs().min(i32::MAX as u64) as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `fds` and `ts` are live for the call, the count is the array's, no signal mask.
    let n = unsafe {
        libc::ppoll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            ts_ptr,
            std::ptr::null(),
        )
    };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(Ready::default());
        }
        return Err(e);
    }
    // An error or hang-up on the socket counts as readable: the read reports it.
    let hit = |p: &libc::pollfd| p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0;
    Ok(Ready {
        readable: hit(&fds[0]),
        woken: hit(&fds[1]),
    })
}

/// Sleep until `socket` can take more datagrams or `timeout` passed; whether it can.
pub(crate) fn wait_writable(socket: &impl AsRawFd, timeout: Duration) -> io::Result<bool> {
    let mut fd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: one live pollfd.
    let n = unsafe { libc::poll(&mut fd, 1, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(fd.revents & libc::POLLOUT != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    #[test]
    fn a_wake_ends_the_wait_and_a_reset_clears_it() {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let w = Waker::new().unwrap_or_else(|e| panic!("{e}"));
        let r = wait(&s, &w, Some(Duration::from_millis(1))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r, Ready::default());
        w.wake();
        w.wake();
        let r = wait(&s, &w, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.woken && !r.readable);
        w.reset();
        let r = wait(&s, &w, Some(Duration::ZERO)).unwrap_or_else(|e| panic!("{e}"));
        assert!(!r.woken);
        let to = s.local_addr().unwrap_or_else(|e| panic!("{e}"));
        s.send_to(b"x", to).unwrap_or_else(|e| panic!("{e}"));
        let r = wait(&s, &w, Some(Duration::from_secs(5))).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.readable && !r.woken);
        assert!(wait_writable(&s, Duration::from_secs(1)).unwrap_or_else(|e| panic!("{e}")));
    }
}
