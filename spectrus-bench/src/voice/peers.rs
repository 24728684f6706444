//! The `voice-peers` helper process: hosts some of a room's WebRTC participants
//! (`spectrus-voice` engines driven by `spectrus-client` voice sessions), so that the load
//! generator's WebRTC work is in other processes than the one measuring the daemon.
//!
//! Line protocol (JSON, one object per line). stdin, first line: the job
//! `{"url", "channel", "peers": [{"access", "refresh"?, "user", "speak"}]}`; then commands `snap`
//! (answer the counters since the previous `snap`), `rejoin` (the next participant in turn
//! leaves voice and its gateway, connects again and rejoins; answers
//! `{"event":"rejoined","ok","peers"}`) and `leave` (leave voice, exit).
//! stdout: `{"event":"connected","ok","failed"}` once every peer has connected or given up,
//! then one `{"event":"snap",...}` per `snap`: `sent` per speaker, `received` as
//! `[listener, speaker, packets]`, `latency` as `[µs, count]` buckets.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use spectrus_client::voice::{EngineConfig, SilenceSource, SineSource, VoiceOptions, VoiceSession};
use spectrus_client::{Client, Gateway, GatewayEvent};
use spectrus_proto::Id;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::report::histogram;

/// One hosted participant.
struct Peer {
    user: u64,
    speak: bool,
    /// Its account's tokens, to join again on `rejoin` (refreshed first when the access token
    /// is about to expire and a refresh token was given).
    account: Client,
    freq: f32,
    session: VoiceSession,
    /// Counters at the previous snap: sent, and received per speaker.
    last_sent: u64,
    last_received: HashMap<u64, u64>,
}

pub(crate) async fn say(line: Value) -> anyhow::Result<()> {
    let mut out = tokio::io::stdout();
    out.write_all(format!("{line}\n").as_bytes()).await?;
    out.flush().await?;
    Ok(())
}

/// Connect one participant's gateway and voice session (not waiting for the connection).
pub(crate) async fn start(
    account: &Client,
    channel: Id,
    speak: bool,
    freq: f32,
) -> anyhow::Result<VoiceSession> {
    let gw = Gateway::connect(account).await?;
    let (_ready, mut events, handle) = gw.into_parts();
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if matches!(
                ev,
                GatewayEvent::Voice { .. } | GatewayEvent::Closed { .. } | GatewayEvent::Ready(_)
            ) && tx.send(ev).await.is_err()
            {
                break;
            }
        }
    });
    let opts = VoiceOptions {
        // Listeners send nothing at all (an open gate would send silence).
        self_mute: !speak,
        self_deaf: false,
        engine: EngineConfig {
            udp_addrs: vec!["127.0.0.1:0".to_owned()],
            playout: false,
            wallclock_timestamps: true,
            ..EngineConfig::default()
        },
    };
    let session = if speak {
        VoiceSession::join(
            handle,
            rx,
            channel,
            SineSource::new(freq),
            spectrus_client::voice::NullSink,
            opts,
        )
        .await?
    } else {
        VoiceSession::join(
            handle,
            rx,
            channel,
            SilenceSource,
            spectrus_client::voice::NullSink,
            opts,
        )
        .await?
    };
    Ok(session)
}

/// Run the helper: read the job from stdin, join, answer commands.
pub(crate) async fn run() -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let job: Value = serde_json::from_str(&lines.next_line().await?.context("no job on stdin")?)?;
    let url = job["url"].as_str().context("job.url")?.to_owned();
    let channel = Id(job["channel"].as_u64().context("job.channel")?);
    let specs = job["peers"].as_array().context("job.peers")?.clone();

    let mut pending = Vec::new();
    for (i, p) in specs.iter().enumerate() {
        let access = p["access"].as_str().context("peer.access")?;
        let account = Client::new(&url)?;
        account.set_tokens(
            Some(access.to_owned()),
            p["refresh"].as_str().map(str::to_owned),
        );
        let user = p["user"].as_u64().context("peer.user")?;
        let speak = p["speak"].as_bool().unwrap_or(false);
        let freq = 300.0 + 50.0 * (i % 20) as f32;
        match start(&account, channel, speak, freq).await {
            Ok(session) => pending.push(Peer {
                user,
                speak,
                account,
                freq,
                session,
                last_sent: 0,
                last_received: HashMap::new(),
            }),
            Err(e) => eprintln!("voice-peers: user {user} could not join: {e:#}"),
        }
    }
    let mut failed = specs.len() - pending.len();
    let mut peers = Vec::new();
    let waits = pending.into_iter().map(|mut p| async move {
        let r = p.session.wait_connected(Duration::from_secs(90)).await;
        (p, r)
    });
    for (p, r) in futures_join_all(waits).await {
        match r {
            Ok(()) => peers.push(p),
            Err(e) => {
                eprintln!("voice-peers: user {} did not connect: {e}", p.user);
                failed += 1;
                p.session.leave().await;
            }
        }
    }
    say(json!({"event": "connected", "ok": peers.len(), "failed": failed})).await?;

    let mut next_rejoin = 0usize;
    while let Some(cmd) = lines.next_line().await? {
        match cmd.trim() {
            "rejoin" => {
                let ok = if peers.is_empty() {
                    false
                } else {
                    let i = next_rejoin % peers.len();
                    next_rejoin += 1;
                    let p = peers.remove(i);
                    match rejoin(channel, p).await {
                        Some(p) => {
                            peers.insert(i, p);
                            true
                        }
                        None => false,
                    }
                };
                say(json!({"event": "rejoined", "ok": ok, "peers": peers.len()})).await?;
            }
            "snap" => {
                let mut sent = serde_json::Map::new();
                let mut received = Vec::new();
                let mut latency = histogram();
                for p in &mut peers {
                    let stats = p.session.stats();
                    if p.speak {
                        sent.insert(p.user.to_string(), json!(stats.packets_sent - p.last_sent));
                    }
                    p.last_sent = stats.packets_sent;
                    for (speaker, n) in stats.received_by_speaker {
                        let before = p.last_received.insert(speaker, n).unwrap_or(0);
                        received.push(json!([p.user, speaker, n - before]));
                    }
                    for us in p.session.engine().take_latencies_us() {
                        let _ = latency.record(u64::from(us.max(1)));
                    }
                }
                let buckets: Vec<Value> = latency
                    .iter_recorded()
                    .map(|v| json!([v.value_iterated_to(), v.count_at_value()]))
                    .collect();
                say(json!({"event": "snap", "sent": sent, "received": received, "latency": buckets}))
                    .await?;
            }
            "leave" => break,
            _ => {}
        }
    }
    for p in peers {
        p.session.leave().await;
    }
    // Let the voice_leave frames go out before the gateways drop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// `p` leaves voice (and its gateway), then connects and joins again; None if it could not.
async fn rejoin(channel: Id, p: Peer) -> Option<Peer> {
    let Peer {
        user,
        speak,
        account,
        freq,
        session,
        ..
    } = p;
    session.leave().await;
    if account.refresh_token().is_some()
        && let Err(e) = account.refresh_if_needed().await
    {
        eprintln!("voice-peers: user {user} could not refresh its token: {e}");
    }
    let mut session = match start(&account, channel, speak, freq).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("voice-peers: user {user} could not join again: {e:#}");
            return None;
        }
    };
    if let Err(e) = session.wait_connected(Duration::from_secs(60)).await {
        eprintln!("voice-peers: user {user} did not connect again: {e}");
        session.leave().await;
        return None;
    }
    Some(Peer {
        user,
        speak,
        account,
        freq,
        session,
        last_sent: 0,
        last_received: HashMap::new(),
    })
}

/// Wait for every future, concurrently, keeping their order.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}
