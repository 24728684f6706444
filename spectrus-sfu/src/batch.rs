//! Datagrams in batches on the SFU's plain (non-blocking) UDP socket: one `sendmmsg(2)`
//! carries up to [`MAX_BATCH`] datagrams (a packet's copies to every listener), one
//! `recvmmsg(2)` reads everything queued (up to [`RECV_BATCH`]) without a second, empty read.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::os::fd::AsRawFd;

use socket2::SockAddr;

/// Datagrams per `sendmmsg` call (the kernel caps a call at `UIO_MAXIOV`, 1024).
pub(crate) const MAX_BATCH: usize = 256;
/// Datagrams read per `recvmmsg` call: what one loop turn handles before it sends.
pub(crate) const RECV_BATCH: usize = 16;
/// Largest datagram read.
const MAX_DATAGRAM: usize = 2048;

/// The vectors one `sendmmsg` call is built from, kept for the life of the loop so that a
/// call allocates nothing (they held pointers into the last batch only during its call).
pub(crate) struct Sender {
    addrs: Vec<SockAddr>,
    iovs: Vec<libc::iovec>,
    msgs: Vec<libc::mmsghdr>,
}

impl Sender {
    pub(crate) fn new() -> Self {
        Self {
            addrs: Vec::with_capacity(MAX_BATCH),
            iovs: Vec::with_capacity(MAX_BATCH),
            msgs: Vec::with_capacity(MAX_BATCH),
        }
    }

    /// Send the first datagrams of `batch` (at most [`MAX_BATCH`]) with one system call.
    /// Returns how many went out (at least one on success); `WouldBlock` when the socket is
    /// full.
    pub(crate) fn send<'a>(
        &mut self,
        socket: &UdpSocket,
        batch: impl Iterator<Item = (SocketAddr, &'a [u8])>,
    ) -> io::Result<usize> {
        self.addrs.clear();
        self.iovs.clear();
        self.msgs.clear();
        for (to, bytes) in batch.take(MAX_BATCH) {
            self.addrs.push(SockAddr::from(to));
            self.iovs.push(libc::iovec {
                iov_base: bytes.as_ptr().cast_mut().cast(),
                iov_len: bytes.len(),
            });
        }
        if self.iovs.is_empty() {
            return Ok(0);
        }
        // The headers are built last: the iovecs and addresses they point at no longer move.
        for (iov, addr) in self.iovs.iter_mut().zip(&self.addrs) {
            // SAFETY: an all-zero msghdr is valid (no name, no control data).
            let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
            hdr.msg_name = addr.as_ptr().cast_mut().cast();
            hdr.msg_namelen = addr.len();
            hdr.msg_iov = iov;
            hdr.msg_iovlen = 1;
            self.msgs.push(libc::mmsghdr {
                msg_hdr: hdr,
                msg_len: 0,
            });
        }
        // SAFETY: `msgs` points at `iovs` and `addrs`, which are not touched until the call
        // returns, and the buffers the iovecs name are borrowed (`'a`) for the whole
        // function; the kernel only reads them. The length is the vector's.
        let n = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                self.msgs.as_mut_ptr(),
                self.msgs.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }
}

/// Buffers for [`Receiver::recv`]: [`RECV_BATCH`] datagrams and their senders, allocated
/// once for the life of the loop.
pub(crate) struct Receiver {
    bufs: Vec<[u8; MAX_DATAGRAM]>,
    addrs: Vec<libc::sockaddr_storage>,
    lens: Vec<usize>,
}

impl Receiver {
    pub(crate) fn new() -> Self {
        Self {
            bufs: vec![[0u8; MAX_DATAGRAM]; RECV_BATCH],
            // SAFETY: an all-zero sockaddr_storage is valid (family AF_UNSPEC).
            addrs: vec![unsafe { std::mem::zeroed() }; RECV_BATCH],
            lens: vec![0; RECV_BATCH],
        }
    }

    /// Read what is queued on `socket` (up to [`RECV_BATCH`] datagrams) with one
    /// non-blocking `recvmmsg`; returns how many were read (`WouldBlock` if none was).
    /// [`Receiver::get`] then gives each.
    pub(crate) fn recv(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        // On the stack: no allocation per call.
        let mut iovs = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; RECV_BATCH];
        for (iov, b) in iovs.iter_mut().zip(self.bufs.iter_mut()) {
            iov.iov_base = b.as_mut_ptr().cast();
            iov.iov_len = b.len();
        }
        // SAFETY: all-zero mmsghdrs are valid (no name, no buffers, no control data).
        let mut msgs: [libc::mmsghdr; RECV_BATCH] = unsafe { std::mem::zeroed() };
        for ((m, iov), addr) in msgs
            .iter_mut()
            .zip(iovs.iter_mut())
            .zip(self.addrs.iter_mut())
        {
            m.msg_hdr.msg_name = (addr as *mut libc::sockaddr_storage).cast();
            m.msg_hdr.msg_namelen =
                std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every header points at a buffer and an address of `self`, which outlive
        // the call and are not otherwise borrowed meanwhile; the lengths are theirs. A null
        // timeout: with MSG_DONTWAIT the call returns what is queued.
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                msgs.as_mut_ptr(),
                msgs.len() as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        for (len, m) in self.lens.iter_mut().zip(&msgs).take(n) {
            *len = m.msg_len as usize;
        }
        Ok(n)
    }

    /// The `i`-th datagram of the last [`Receiver::recv`] and its sender (`None` past its
    /// count, or for a sender that is not IPv4 or IPv6).
    pub(crate) fn get(&self, i: usize) -> Option<(SocketAddr, &[u8])> {
        let from = socket_addr(self.addrs.get(i)?)?;
        let data = self.bufs.get(i)?.get(..*self.lens.get(i)?)?;
        Some((from, data))
    }
}

/// The address the kernel wrote into `ss`.
fn socket_addr(ss: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match libc::c_int::from(ss.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in, which it is large and
            // aligned enough for.
            let a = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let a = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind() -> UdpSocket {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        s.set_nonblocking(true).unwrap_or_else(|e| panic!("{e}"));
        s
    }

    #[test]
    fn a_batch_reaches_every_destination_and_is_read_in_one_call() {
        let tx = bind();
        let rx: Vec<UdpSocket> = (0..3).map(|_| bind()).collect();
        let batch: Vec<(SocketAddr, Vec<u8>)> = rx
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let to = s.local_addr().unwrap_or_else(|e| panic!("{e}"));
                (to, vec![i as u8; 10 + i])
            })
            .collect();
        assert_eq!(
            Sender::new()
                .send(&tx, batch.iter().map(|(t, b)| (*t, &b[..])))
                .unwrap_or_else(|e| panic!("{e}")),
            3
        );
        let from = tx.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let mut r = Receiver::new();
        for (i, s) in rx.iter().enumerate() {
            assert_eq!(r.recv(s).unwrap_or_else(|e| panic!("{e}")), 1);
            let (who, data) = r.get(0).unwrap_or_else(|| panic!("datagram"));
            assert_eq!(who, from);
            assert_eq!(data, &vec![i as u8; 10 + i][..]);
        }
        // Several queued datagrams come in one call, in order; then nothing is left.
        let to = rx[0].local_addr().unwrap_or_else(|e| panic!("{e}"));
        let many: Vec<(SocketAddr, Vec<u8>)> = (0..5u8).map(|i| (to, vec![i; 3])).collect();
        assert_eq!(
            Sender::new()
                .send(&tx, many.iter().map(|(t, b)| (*t, &b[..])))
                .unwrap_or_else(|e| panic!("{e}")),
            5
        );
        assert_eq!(r.recv(&rx[0]).unwrap_or_else(|e| panic!("{e}")), 5);
        for i in 0..5u8 {
            assert_eq!(
                r.get(usize::from(i)).map(|(_, d)| d.to_vec()),
                Some(vec![i; 3])
            );
        }
        let e = r.recv(&rx[0]).err().map(|e| e.kind());
        assert_eq!(e, Some(io::ErrorKind::WouldBlock));
    }
}
