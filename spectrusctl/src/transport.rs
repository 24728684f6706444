//! HTTP/1.1 over the daemon's admin Unix socket: one connection per request, JSON in and out,
//! error bodies turned into [`CtlError`]s, and a line reader for the event stream.
//!
//! Every request has a deadline: connecting gets [`CONNECT_TIMEOUT`], and the whole answer
//! (or, for a stream, its head) gets the client's read timeout, so a stopped or hung daemon
//! is a one-line error, never a hang.

use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use spectrus_proto::ErrorBody;
use spectrus_proto::admin::ADMIN_PREFIX;
use tokio::net::UnixStream;

use crate::error::{CtlError, Result};

/// How long connecting to the socket may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the daemon may take to answer a request, unless the client is told otherwise.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A client of one daemon's admin socket.
#[derive(Debug, Clone)]
pub struct AdminClient {
    socket: PathBuf,
    /// How long a whole answer may take; `None`: no limit (backups of big databases).
    read_timeout: Option<Duration>,
}

impl AdminClient {
    /// A client for the socket at `socket`; nothing is opened until the first request.
    pub fn new(socket: impl Into<PathBuf>) -> AdminClient {
        AdminClient {
            socket: socket.into(),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
        }
    }

    /// The same client with another read timeout (`None`: wait as long as it takes).
    pub fn with_read_timeout(mut self, timeout: Option<Duration>) -> AdminClient {
        self.read_timeout = timeout;
        self
    }

    /// Runs `f` within the read timeout.
    async fn within<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        match self.read_timeout {
            None => f.await,
            Some(limit) => tokio::time::timeout(limit, f).await.unwrap_or_else(|_| {
                Err(CtlError::TimedOut {
                    path: self.socket.clone(),
                    secs: limit.as_secs_f64(),
                })
            }),
        }
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `GET` a route (relative to `/admin/v1`) and return its JSON.
    pub async fn get(&self, route: &str) -> Result<Value> {
        self.call(Method::GET, route, None::<&()>).await
    }

    /// `GET` a route and decode it into `T`.
    pub async fn get_as<T: DeserializeOwned>(&self, route: &str) -> Result<T> {
        decode(self.get(route).await?)
    }

    /// Sends one request with an optional JSON body; returns the answer's JSON (`null` when the
    /// answer has no body, e.g. 204).
    pub async fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        route: &str,
        body: Option<&B>,
    ) -> Result<Value> {
        let (status, bytes) = self
            .within(async {
                let response = self.send(method, route, body).await?;
                let status = response.status();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| CtlError::Protocol(format!("reading the answer: {e}")))?
                    .to_bytes();
                Ok((status, bytes))
            })
            .await?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| CtlError::Protocol(format!("the answer is not JSON: {e}")))
    }

    /// `GET` a newline-delimited stream and hand each non-empty line to `on_line` as it
    /// arrives, until the daemon ends the stream or `on_line` fails.
    pub async fn stream_lines(
        &self,
        route: &str,
        mut on_line: impl FnMut(&str) -> Result<()>,
    ) -> Result<()> {
        // The head within the read timeout; the stream itself may stay quiet for as long as
        // nothing happens.
        let response = self
            .within(self.send(Method::GET, route, None::<&()>))
            .await?;
        let status = response.status();
        let mut body = response.into_body();
        if !status.is_success() {
            let bytes = body
                .collect()
                .await
                .map_err(|e| CtlError::Protocol(format!("reading the answer: {e}")))?
                .to_bytes();
            return Err(api_error(status, &bytes));
        }
        let mut pending: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|e| CtlError::Protocol(format!("the event stream broke: {e}")))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            pending.extend_from_slice(&data);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                emit_line(&line, &mut on_line)?;
            }
        }
        emit_line(&pending, &mut on_line)
    }

    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        route: &str,
        body: Option<&B>,
    ) -> Result<hyper::Response<hyper::body::Incoming>> {
        let mut sender = self.connect().await?;
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(format!("{ADMIN_PREFIX}{route}"))
            .header(hyper::header::HOST, "localhost")
            .header(hyper::header::ACCEPT, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("spectrusctl/", env!("CARGO_PKG_VERSION")),
            );
        let payload = match body {
            Some(b) => {
                builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
                serde_json::to_vec(b)
                    .map_err(|e| CtlError::Invalid(format!("cannot encode the request: {e}")))?
            }
            None => Vec::new(),
        };
        let request = builder
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| CtlError::Invalid(format!("cannot build the request: {e}")))?;
        tracing::debug!(%method, route, socket = %self.socket.display(), "admin request");
        sender
            .send_request(request)
            .await
            .map_err(|e| CtlError::Protocol(format!("the daemon closed the connection: {e}")))
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, UnixStream::connect(&self.socket))
            .await
            .map_err(|_| CtlError::Unavailable {
                path: self.socket.clone(),
                reason: format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
            })?
            .map_err(|e| self.connect_error(e))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| CtlError::Protocol(format!("HTTP handshake failed: {e}")))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "admin connection ended with an error");
            }
        });
        Ok(sender)
    }

    fn connect_error(&self, e: io::Error) -> CtlError {
        let path = self.socket.clone();
        if e.kind() == io::ErrorKind::PermissionDenied {
            return CtlError::SocketPermission { path };
        }
        let reason = match std::fs::metadata(&self.socket) {
            Ok(meta) if !meta.file_type().is_socket() => "not a socket".to_owned(),
            Err(meta_err) if meta_err.kind() == io::ErrorKind::NotFound => {
                "no such socket".to_owned()
            }
            _ => match e.kind() {
                io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                _ => e.to_string(),
            },
        };
        CtlError::Unavailable { path, reason }
    }
}

/// Decodes a JSON answer into `T`, or says what was unexpected about it.
pub fn decode<T: DeserializeOwned>(value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| CtlError::Protocol(e.to_string()))
}

/// What [`segment`] escapes: everything but RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (a user, role or channel name may hold anything).
pub fn segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

fn emit_line(raw: &[u8], on_line: &mut impl FnMut(&str) -> Result<()>) -> Result<()> {
    let text = String::from_utf8_lossy(raw);
    let line = text.trim();
    if line.is_empty() {
        return Ok(());
    }
    on_line(line)
}

fn api_error(status: StatusCode, bytes: &[u8]) -> CtlError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => CtlError::Api {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => CtlError::Api {
            status: status.as_u16(),
            code: format!("http_{}", status.as_u16()),
            message: format!(
                "the daemon answered {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("alice"), "alice");
        assert_eq!(segment("a b/c?"), "a%20b%2Fc%3F");
        assert_eq!(segment("é"), "%C3%A9");
    }

    #[test]
    fn error_bodies_become_api_errors() {
        let e = api_error(
            StatusCode::NOT_FOUND,
            br#"{"error":{"code":"not_found","message":"no user named bob"}}"#,
        );
        assert_eq!(e.to_string(), "no user named bob (not_found)");
        assert_eq!(e.exit_code(), 1);
        let bare = api_error(StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(
            bare.to_string(),
            "the daemon answered 502 Bad Gateway (http_502)"
        );
    }

    #[tokio::test]
    async fn missing_socket_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let client = AdminClient::new(dir.path().join("nope.sock"));
        let e = client.get("/status").await.unwrap_err();
        assert_eq!(e.exit_code(), 69);
        assert!(e.to_string().contains("no such socket"), "{e}");
    }

    #[tokio::test]
    async fn regular_file_is_not_a_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        std::fs::write(&path, b"x").unwrap();
        let e = AdminClient::new(&path).get("/status").await.unwrap_err();
        assert_eq!(e.exit_code(), 69);
        assert!(e.to_string().contains("not a socket"), "{e}");
    }

    #[tokio::test]
    async fn dead_socket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dead.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let e = AdminClient::new(&path).get("/status").await.unwrap_err();
        assert_eq!(e.exit_code(), 69);
        assert!(e.to_string().contains("connection refused"), "{e}");
    }

    #[test]
    fn permission_denied_maps_to_noperm() {
        let client = AdminClient::new("/run/x.sock");
        let e = client.connect_error(io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(e.exit_code(), 77);
        assert!(
            e.to_string()
                .starts_with("permission denied on /run/x.sock")
        );
    }
}
