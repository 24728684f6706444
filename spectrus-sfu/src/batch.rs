//! Sending the outbox in batches: one `sendmmsg(2)` carries up to [`MAX_BATCH`] datagrams
//! (a packet's copies to every listener) instead of one `send_to` each.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use socket2::SockAddr;
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// Datagrams per system call (the kernel caps a call at `UIO_MAXIOV`, 1024).
pub(crate) const MAX_BATCH: usize = 256;

/// Something to send: a destination and its bytes.
pub(crate) trait Datagram {
    fn to(&self) -> SocketAddr;
    fn bytes(&self) -> &[u8];
}

impl<B: AsRef<[u8]>, T> Datagram for (SocketAddr, B, T) {
    fn to(&self) -> SocketAddr {
        self.0
    }
    fn bytes(&self) -> &[u8] {
        self.1.as_ref()
    }
}

/// Send the first datagrams of `batch` (at most [`MAX_BATCH`]) with one system call.
/// Returns how many went out (at least one on success); `WouldBlock` when the socket is full.
pub(crate) fn send_batch<D: Datagram>(socket: &UdpSocket, batch: &[D]) -> io::Result<usize> {
    let batch = &batch[..batch.len().min(MAX_BATCH)];
    if batch.is_empty() {
        return Ok(0);
    }
    let addrs: Vec<SockAddr> = batch.iter().map(|d| SockAddr::from(d.to())).collect();
    let mut iovs: Vec<libc::iovec> = batch
        .iter()
        .map(|d| libc::iovec {
            iov_base: d.bytes().as_ptr().cast_mut().cast(),
            iov_len: d.bytes().len(),
        })
        .collect();
    socket.try_io(Interest::WRITABLE, || {
        let mut msgs: Vec<libc::mmsghdr> = iovs
            .iter_mut()
            .zip(&addrs)
            .map(|(iov, addr)| {
                // SAFETY: an all-zero msghdr is valid (no name, no control data).
                let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
                hdr.msg_name = addr.as_ptr().cast_mut().cast();
                hdr.msg_namelen = addr.len();
                hdr.msg_iov = iov;
                hdr.msg_iovlen = 1;
                libc::mmsghdr {
                    msg_hdr: hdr,
                    msg_len: 0,
                }
            })
            .collect();
        // SAFETY: `msgs` points at `iovs` and `addrs`, which outlive the call, and the
        // buffers the iovecs name are borrowed from `batch` for the whole function; the kernel
        // only reads them. The length is the vector's.
        let n = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                msgs.as_mut_ptr(),
                msgs.len() as libc::c_uint,
                0,
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_reaches_every_destination() {
        let tx = UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut rx = Vec::new();
        for _ in 0..3 {
            rx.push(
                UdpSocket::bind("127.0.0.1:0")
                    .await
                    .unwrap_or_else(|e| panic!("{e}")),
            );
        }
        let batch: Vec<(SocketAddr, Vec<u8>, ())> = rx
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let to = s.local_addr().unwrap_or_else(|e| panic!("{e}"));
                (to, vec![i as u8; 10 + i], ())
            })
            .collect();
        tx.writable().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(send_batch(&tx, &batch).unwrap_or_else(|e| panic!("{e}")), 3);
        for (i, s) in rx.iter().enumerate() {
            let mut buf = [0u8; 64];
            let n = s.recv(&mut buf).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&buf[..n], &vec![i as u8; 10 + i][..]);
        }
    }
}
