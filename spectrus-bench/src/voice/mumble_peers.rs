//! The `mumble-peers` helper process: minimal Mumble 1.3 clients for the same rooms.
//!
//! Per client: TLS control connection (`Version`, `Authenticate` with Opus, then the
//! server's `CryptSetup` and `ServerSync`, a `Ping` every 10 s), and a UDP socket: an
//! encrypted UDP ping at start and every 5 s (so the server sends voice over UDP), and for
//! speakers one Opus voice packet (a pre-encoded tone frame) every 20 ms, OCB2-AES128 as
//! Mumble 1.3 does. The packet's positional-audio tail carries the send time (µs since the
//! epoch) for one-way latency; the server forwards it untouched.
//!
//! Same line protocol as [`super::peers`]; job `{"addr", "peers": [{"name", "speak"}]}`, and
//! ids in the figures are Mumble session numbers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UdpSocket};

use super::ocb2::CryptState;
use crate::report::histogram;

const MSG_VERSION: u16 = 0;
const MSG_UDP_TUNNEL: u16 = 1;
const MSG_AUTHENTICATE: u16 = 2;
const MSG_PING: u16 = 3;
const MSG_REJECT: u16 = 4;
const MSG_SERVER_SYNC: u16 = 5;
const MSG_CRYPT_SETUP: u16 = 15;
/// UDP packet types (high 3 bits of the first byte).
const UDP_PING: u8 = 1;
const UDP_OPUS: u8 = 4;

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

// --- protobuf, the few fields used ---

fn pb_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn pb_uint(out: &mut Vec<u8>, field: u64, v: u64) {
    pb_varint(out, field << 3);
    pb_varint(out, v);
}

fn pb_bytes(out: &mut Vec<u8>, field: u64, v: &[u8]) {
    pb_varint(out, (field << 3) | 2);
    pb_varint(out, v.len() as u64);
    out.extend_from_slice(v);
}

/// Fields of a message: number → varint value or bytes.
fn pb_parse(mut b: &[u8]) -> HashMap<u64, PbValue> {
    fn varint(b: &mut &[u8]) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&x, rest) = b.split_first()?;
            *b = rest;
            v |= u64::from(x & 0x7f) << shift;
            if x & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut out = HashMap::new();
    while let Some(key) = varint(&mut b) {
        let (field, wire) = (key >> 3, key & 7);
        let value = match wire {
            0 => match varint(&mut b) {
                Some(v) => PbValue::Int(v),
                None => break,
            },
            2 => {
                let Some(len) = varint(&mut b) else { break };
                let len = len as usize;
                if b.len() < len {
                    break;
                }
                let (v, rest) = b.split_at(len);
                b = rest;
                PbValue::Bytes(v.to_vec())
            }
            1 if b.len() >= 8 => {
                b = &b[8..];
                continue;
            }
            5 if b.len() >= 4 => {
                b = &b[4..];
                continue;
            }
            _ => break,
        };
        out.insert(field, value);
    }
    out
}

enum PbValue {
    Int(u64),
    Bytes(Vec<u8>),
}

fn pb_get_int(m: &HashMap<u64, PbValue>, f: u64) -> Option<u64> {
    match m.get(&f)? {
        PbValue::Int(v) => Some(*v),
        PbValue::Bytes(_) => None,
    }
}

fn pb_get_bytes(m: &HashMap<u64, PbValue>, f: u64) -> Option<&[u8]> {
    match m.get(&f)? {
        PbValue::Bytes(v) => Some(v),
        PbValue::Int(_) => None,
    }
}

// --- Mumble's own varint (voice packets) ---

fn mv_put(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v < 0x4000 {
        out.extend_from_slice(&[((v >> 8) as u8) | 0x80, v as u8]);
    } else if v < 0x20_0000 {
        out.extend_from_slice(&[((v >> 16) as u8) | 0xC0, (v >> 8) as u8, v as u8]);
    } else if v < 0x1000_0000 {
        out.extend_from_slice(&[
            ((v >> 24) as u8) | 0xE0,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8,
        ]);
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    }
}

fn mv_get(b: &mut &[u8]) -> Option<u64> {
    let (&x, rest) = b.split_first()?;
    *b = rest;
    let take = |b: &mut &[u8], n: usize| -> Option<u64> {
        if b.len() < n {
            return None;
        }
        let v = b[..n].iter().fold(0u64, |a, &c| (a << 8) | u64::from(c));
        *b = &b[n..];
        Some(v)
    };
    if x & 0x80 == 0 {
        Some(u64::from(x & 0x7f))
    } else if x & 0xC0 == 0x80 {
        Some((u64::from(x & 0x3f) << 8) | take(b, 1)?)
    } else if x & 0xE0 == 0xC0 {
        Some((u64::from(x & 0x1f) << 16) | take(b, 2)?)
    } else if x & 0xF0 == 0xE0 {
        Some((u64::from(x & 0x0f) << 24) | take(b, 3)?)
    } else if x & 0xFC == 0xF0 {
        take(b, 4)
    } else {
        None
    }
}

/// Parse a server → client Opus voice packet: (speaker session, send time µs).
fn parse_voice(p: &[u8]) -> Option<(u64, Option<u64>)> {
    let (&head, mut b) = p.split_first()?;
    if head >> 5 != UDP_OPUS {
        return None;
    }
    let session = mv_get(&mut b)?;
    let _seq = mv_get(&mut b)?;
    let len = (mv_get(&mut b)? & 0x1fff) as usize;
    let tail = b.get(len..)?;
    let sent = tail
        .get(..8)
        .and_then(|t| <[u8; 8]>::try_from(t).ok())
        .map(u64::from_le_bytes);
    Some((session, sent))
}

// --- TLS without verification (murmurd's self-signed certificate on loopback) ---

#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_config() -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

// --- one client ---

/// Counters of one client, read by the snapshot command.
#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    /// Voice that came over the TCP tunnel instead of UDP.
    tunnelled: AtomicU64,
    received: Mutex<HashMap<u64, u64>>,
    latencies: Mutex<Vec<u32>>,
}

impl Counters {
    fn on_voice(&self, packet: &[u8]) {
        if let Some((speaker, sent)) = parse_voice(packet) {
            *self
                .received
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(speaker)
                .or_default() += 1;
            if let Some(t) = sent {
                let us = now_micros().saturating_sub(t);
                self.latencies
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(u32::try_from(us).unwrap_or(u32::MAX));
            }
        }
    }
}

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

async fn send_msg(
    w: &mut (impl AsyncWriteExt + Unpin),
    kind: u16,
    body: &[u8],
) -> anyhow::Result<()> {
    let mut m = Vec::with_capacity(body.len() + 6);
    m.extend_from_slice(&kind.to_be_bytes());
    m.extend_from_slice(&(body.len() as u32).to_be_bytes());
    m.extend_from_slice(body);
    w.write_all(&m).await?;
    w.flush().await?;
    Ok(())
}

async fn read_msg(r: &mut (impl AsyncReadExt + Unpin)) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut h = [0u8; 6];
    r.read_exact(&mut h).await?;
    let kind = u16::from_be_bytes([h[0], h[1]]);
    let len = u32::from_be_bytes([h[2], h[3], h[4], h[5]]) as usize;
    if len > 8 << 20 {
        bail!("oversized control message");
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    Ok((kind, body))
}

/// Connect and authenticate; returns the stream, the session id and the crypt state.
async fn connect(addr: SocketAddr, name: &str) -> anyhow::Result<(Tls, u64, CryptState)> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let connector = tokio_rustls::TlsConnector::from(tls_config()?);
    let mut tls = connector
        .connect(ServerName::try_from("localhost")?.to_owned(), tcp)
        .await?;
    let mut version = Vec::new();
    pb_uint(&mut version, 1, 0x01_03_04);
    pb_bytes(&mut version, 2, b"spectrus-bench");
    pb_bytes(&mut version, 3, b"Linux");
    send_msg(&mut tls, MSG_VERSION, &version).await?;
    let mut auth = Vec::new();
    pb_bytes(&mut auth, 1, name.as_bytes());
    pb_uint(&mut auth, 5, 1); // opus = true
    send_msg(&mut tls, MSG_AUTHENTICATE, &auth).await?;
    let mut crypt = None;
    loop {
        let (kind, body) = read_msg(&mut tls).await?;
        match kind {
            MSG_REJECT => bail!("rejected: {:?}", String::from_utf8_lossy(&body)),
            MSG_CRYPT_SETUP => {
                let m = pb_parse(&body);
                crypt = CryptState::new(
                    pb_get_bytes(&m, 1).context("key")?,
                    pb_get_bytes(&m, 2).context("client nonce")?,
                    pb_get_bytes(&m, 3).context("server nonce")?,
                );
            }
            MSG_SERVER_SYNC => {
                let m = pb_parse(&body);
                let session = pb_get_int(&m, 1).context("session")?;
                let crypt = crypt.context("no CryptSetup before ServerSync")?;
                return Ok((tls, session, crypt));
            }
            _ => {}
        }
    }
}

/// A running client: its session and counters.
struct Running {
    session: u64,
    speak: bool,
    counters: Arc<Counters>,
    last_sent: u64,
    last_received: HashMap<u64, u64>,
}

async fn client(
    addr: SocketAddr,
    name: String,
    speak: bool,
    frames: Arc<Vec<Vec<u8>>>,
) -> anyhow::Result<Running> {
    let (tls, session, crypt) = connect(addr, &name).await?;
    let counters = Arc::new(Counters::default());
    let crypt = Arc::new(Mutex::new(crypt));
    let udp = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
    udp.connect(addr).await?;
    // Control: ping every 10 s, count tunnelled voice.
    let (mut rd, mut wr) = tokio::io::split(tls);
    let c2 = counters.clone();
    tokio::spawn(async move {
        while let Ok((kind, body)) = read_msg(&mut rd).await {
            if kind == MSG_UDP_TUNNEL {
                c2.tunnelled.fetch_add(1, Ordering::Relaxed);
                c2.on_voice(&body);
            }
        }
    });
    tokio::spawn(async move {
        loop {
            let mut ping = Vec::new();
            pb_uint(&mut ping, 1, now_micros());
            if send_msg(&mut wr, MSG_PING, &ping).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    });
    // UDP receive.
    let (u2, c2, k2) = (udp.clone(), counters.clone(), crypt.clone());
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok(n) = u2.recv(&mut buf).await {
            let plain = k2
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .decrypt(&buf[..n]);
            if let Some(p) = plain {
                c2.on_voice(&p);
            }
        }
    });
    // UDP send: pings every 5 s, and voice every 20 ms for speakers.
    let (u2, c2, k2) = (udp.clone(), counters.clone(), crypt.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            let mut plain = Vec::with_capacity(160);
            if n.is_multiple_of(250) {
                plain.push(UDP_PING << 5);
                mv_put(&mut plain, now_micros());
                let d = k2
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .encrypt(&plain);
                let _ = u2.send(&d).await;
                plain.clear();
            }
            if speak {
                let frame = &frames[(n as usize) % frames.len()];
                plain.push(UDP_OPUS << 5); // target 0: the current channel
                mv_put(&mut plain, n * 2); // sequence in 10 ms units
                mv_put(&mut plain, frame.len() as u64);
                plain.extend_from_slice(frame);
                // Positional audio (3 floats) tail: our send time instead.
                plain.extend_from_slice(&now_micros().to_le_bytes());
                plain.extend_from_slice(&[0u8; 4]);
                let d = k2
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .encrypt(&plain);
                if u2.send(&d).await.is_ok() {
                    c2.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            n += 1;
        }
    });
    Ok(Running {
        session,
        speak,
        counters,
        last_sent: 0,
        last_received: HashMap::new(),
    })
}

/// 50 pre-encoded 20 ms Opus frames of a tone.
fn tone_frames(freq: f32) -> anyhow::Result<Vec<Vec<u8>>> {
    use spectrus_voice::AudioSource;
    let mut enc = spectrus_voice::codec::OpusEncoder::new(32_000)?;
    let mut src = spectrus_voice::SineSource::new(freq);
    let mut frame = spectrus_voice::source::new_frame();
    let mut out = Vec::new();
    for _ in 0..50 {
        src.read_frame(&mut frame);
        out.push(enc.encode(&frame)?);
    }
    Ok(out)
}

/// Run the helper.
pub(crate) async fn run() -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let job: Value = serde_json::from_str(&lines.next_line().await?.context("no job on stdin")?)?;
    let addr: SocketAddr = job["addr"].as_str().context("job.addr")?.parse()?;
    let specs = job["peers"].as_array().context("job.peers")?.clone();
    let frames = Arc::new(tone_frames(440.0)?);
    let mut peers = Vec::new();
    let mut failed = 0;
    for p in &specs {
        let name = p["name"].as_str().context("peer.name")?.to_owned();
        let speak = p["speak"].as_bool().unwrap_or(false);
        match client(addr, name.clone(), speak, frames.clone()).await {
            Ok(r) => peers.push(r),
            Err(e) => {
                eprintln!("mumble-peers: {name} could not connect: {e:#}");
                failed += 1;
            }
        }
    }
    let members: Vec<u64> = peers.iter().map(|p| p.session).collect();
    super::peers::say(
        json!({"event": "connected", "ok": peers.len(), "failed": failed, "members": members}),
    )
    .await?;
    while let Some(cmd) = lines.next_line().await? {
        match cmd.trim() {
            "snap" => {
                let mut sent = serde_json::Map::new();
                let mut received = Vec::new();
                let mut latency = histogram();
                for p in &mut peers {
                    let s = p.counters.sent.load(Ordering::Relaxed);
                    if p.speak {
                        sent.insert(p.session.to_string(), json!(s - p.last_sent));
                    }
                    p.last_sent = s;
                    let now: Vec<(u64, u64)> = p
                        .counters
                        .received
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .iter()
                        .map(|(k, v)| (*k, *v))
                        .collect();
                    for (speaker, n) in now {
                        let before = p.last_received.insert(speaker, n).unwrap_or(0);
                        received.push(json!([p.session, speaker, n - before]));
                    }
                    let lat = std::mem::take(
                        &mut *p
                            .counters
                            .latencies
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner),
                    );
                    for us in lat {
                        let _ = latency.record(u64::from(us.max(1)));
                    }
                }
                let buckets: Vec<Value> = latency
                    .iter_recorded()
                    .map(|v| json!([v.value_iterated_to(), v.count_at_value()]))
                    .collect();
                super::peers::say(json!({"event": "snap", "sent": sent, "received": received, "latency": buckets}))
                    .await?;
            }
            "leave" => break,
            _ => {}
        }
    }
    let tunnelled: u64 = peers
        .iter()
        .map(|p| p.counters.tunnelled.load(Ordering::Relaxed))
        .sum();
    if tunnelled > 0 {
        eprintln!("mumble-peers: {tunnelled} voice packets came over the TCP tunnel, not UDP");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mumble_varints_roundtrip() {
        for v in [
            0u64,
            1,
            127,
            128,
            0x3fff,
            0x4000,
            0x1f_ffff,
            0x20_0000,
            0xfff_ffff,
            0x1000_0000,
            0xffff_ffff,
        ] {
            let mut b = Vec::new();
            mv_put(&mut b, v);
            let mut s = &b[..];
            assert_eq!(mv_get(&mut s), Some(v));
            assert!(s.is_empty());
        }
    }

    #[test]
    fn voice_packet_parses() {
        let mut p = vec![UDP_OPUS << 5];
        mv_put(&mut p, 42); // session
        mv_put(&mut p, 7); // sequence
        mv_put(&mut p, 3);
        p.extend_from_slice(&[1, 2, 3]);
        p.extend_from_slice(&1234u64.to_le_bytes());
        p.extend_from_slice(&[0; 4]);
        assert_eq!(parse_voice(&p), Some((42, Some(1234))));
    }
}
