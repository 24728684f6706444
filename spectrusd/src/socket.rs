//! The byte stream under a gateway connection, read and written without waiting
//! (`try_read`/`try_write` with readiness): the client's TCP socket itself, or, for a
//! connection that came in over TLS, one end of a Unix socket pair whose other end a task
//! copies to and from the TLS stream ([`bridge`]). The gateway's direct writes from any
//! thread need a socket, and a TLS stream is not one: the pair keeps one write path for both.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

/// How long the bridge lets the other direction finish once one has ended.
const BRIDGE_LINGER: Duration = Duration::from_secs(2);

/// A connected stream socket.
#[derive(Debug)]
pub enum Socket {
    /// The client's own TCP connection.
    Tcp(TcpStream),
    /// Our end of a pair bridged to a TLS connection.
    Unix(UnixStream),
}

impl From<TcpStream> for Socket {
    fn from(s: TcpStream) -> Socket {
        Socket::Tcp(s)
    }
}

impl Socket {
    /// Reads what is there without waiting (`WouldBlock` when nothing is).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.try_read(buf),
            Socket::Unix(s) => s.try_read(buf),
        }
    }

    /// Writes what the socket takes without waiting (`WouldBlock` when it takes nothing).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.try_write(buf),
            Socket::Unix(s) => s.try_write(buf),
        }
    }

    /// Waits until the socket may be readable.
    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.readable().await,
            Socket::Unix(s) => s.readable().await,
        }
    }

    /// Waits until the socket may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.writable().await,
            Socket::Unix(s) => s.writable().await,
        }
    }
}

/// A socket whose bytes a spawned task carries to and from `stream` (a TLS connection),
/// until either side ends; then the other direction gets [`BRIDGE_LINGER`] to finish.
pub fn bridge<S>(stream: S) -> io::Result<Socket>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (ours, theirs) = UnixStream::pair()?;
    tokio::spawn(async move {
        let (mut tls_read, mut tls_write) = tokio::io::split(stream);
        let (mut pair_read, mut pair_write) = theirs.into_split();
        let up = async {
            let _ = tokio::io::copy(&mut tls_read, &mut pair_write).await;
            let _ = pair_write.shutdown().await;
        };
        let down = async {
            let _ = tokio::io::copy(&mut pair_read, &mut tls_write).await;
            // Sends TLS close_notify and closes the TCP write side.
            let _ = tls_write.shutdown().await;
        };
        tokio::pin!(up, down);
        tokio::select! {
            _ = &mut up => {
                let _ = tokio::time::timeout(BRIDGE_LINGER, down).await;
            }
            _ = &mut down => {
                let _ = tokio::time::timeout(BRIDGE_LINGER, up).await;
            }
        }
    });
    Ok(Socket::Unix(ours))
}
