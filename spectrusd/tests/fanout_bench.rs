//! Fan-out cost of the permission filter: `Hub::publish` of one event to 1000 sessions, to
//! everyone (no filter) and to a channel's viewers (the permission filter), with the
//! caches warm and cold. The dispatch is timed (choosing recipients and handing them to the
//! lanes); the lanes then write to real loopback sockets, and every round waits until each
//! session has its frame. Prints figures; asserts nothing about time.
//!
//! `cargo test -p spectrusd --release --test fanout_bench -- --ignored --nocapture`

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role, UserRef};
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrusd::access::Access;
use spectrusd::bus::Audience;
use spectrusd::bus::hub::{Hub, HubConfig};
use spectrusd::bus::out::Out;
use spectrusd::store::members::MemberRow;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const MEMBERS: u64 = 1000;
const ROUNDS: usize = 2000;

/// Reads a client socket and reports each whole WebSocket frame (server frames: unmasked).
async fn count_frames(mut client: TcpStream, frames: mpsc::UnboundedSender<()>) {
    let mut data = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while let Ok(n) = client.read(&mut chunk).await {
        if n == 0 {
            return;
        }
        data.extend_from_slice(&chunk[..n]);
        while let Some(&len0) = data.get(1) {
            let (head, len) = match len0 & 0x7f {
                126 if data.len() >= 4 => (4, usize::from(u16::from_be_bytes([data[2], data[3]]))),
                126 | 127 => break,
                l => (2, usize::from(l)),
            };
            if data.len() < head + len {
                break;
            }
            data.drain(..head + len);
            let _ = frames.send(());
        }
    }
}

/// Sessions on real loopback sockets; frames arriving at any of them are reported on `rx`.
async fn setup() -> (Hub, Arc<Access>, mpsc::UnboundedReceiver<()>) {
    let role = |id: u64, position: i64, permissions: PermissionSet| Role {
        id: Id(id),
        name: format!("r{id}"),
        color: None,
        position,
        permissions,
        hoist: false,
        mentionable: false,
        managed_by: None,
    };
    let roles = vec![
        role(1, 0, spectrusd::domain::permissions::default_everyone()),
        role(2, 1, [Permission::MessagesManage].into_iter().collect()),
        role(3, 2, [Permission::MembersKick].into_iter().collect()),
    ];
    // A realistic channel: @everyone denied one thing, one role allowed another.
    let channels: Vec<Channel> = (0..20)
        .map(|i| Channel {
            id: Id(100 + i),
            kind: ChannelType::Text,
            name: format!("c{i}"),
            topic: None,
            parent_id: None,
            position: i as i64,
            permission_overwrites: vec![
                PermissionOverwrite {
                    role_id: Id(1),
                    allow: PermissionSet::EMPTY,
                    deny: [Permission::ReactionsAdd].into_iter().collect(),
                },
                PermissionOverwrite {
                    role_id: Id(2),
                    allow: [Permission::ReactionsAdd].into_iter().collect(),
                    deny: PermissionSet::EMPTY,
                },
            ],
            user_limit: None,
            bitrate: None,
            slowmode_seconds: 0,
        })
        .collect();
    let members = (0..MEMBERS)
        .map(|i| MemberRow {
            user: UserRef {
                id: Id(1000 + i),
                username: format!("u{i}"),
                display_name: format!("u{i}"),
                avatar_url: None,
                bot: false,
            },
            nick: None,
            roles: match i % 3 {
                0 => vec![],
                1 => vec![Id(2)],
                _ => vec![Id(2), Id(3)],
            },
            joined_at: 0,
            timeout_until: None,
        })
        .collect();
    let access = Arc::new(Access::new(Some(Id(1000)), roles, members, channels));
    let hub = Hub::new(
        HubConfig {
            resume_buffer: 64,
            resume_window: Duration::from_secs(60),
            outbound_queue: 64,
        },
        access.clone(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let addr = listener.local_addr().expect("address");
    let (tx, rx) = mpsc::unbounded_channel();
    for i in 0..MEMBERS {
        let client = TcpStream::connect(addr).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        let out = Out::new(Arc::new(server.into()), hub.queue_capacity());
        let drained = out.clone();
        tokio::spawn(async move { drained.drain(false).await });
        hub.register(format!("s{i}"), Id(1000 + i), Id(1), out);
        tokio::spawn(count_frames(client, tx.clone()));
    }
    (hub, access, rx)
}

/// Times one dispatch to `audience` (after an untimed `invalidate`).
async fn once(
    hub: &Hub,
    arrived: &mut mpsc::UnboundedReceiver<()>,
    audience: &Audience,
    invalidate: &dyn Fn(),
) -> Duration {
    let payload = serde_json::json!({"id": "1", "channel_id": "100", "content": "x".repeat(120)});
    // The same bytes as a message event; built before the clock starts, as a service does.
    let event = Dispatch::Unknown {
        t: "MESSAGE_CREATE".into(),
        d: payload,
    };
    invalidate();
    let t = Instant::now();
    hub.publish(event, audience.clone());
    let took = t.elapsed();
    for _ in 0..MEMBERS {
        arrived.recv().await.expect("every member sees it");
    }
    took
}

/// Median and minimum of a sample.
fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0])
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn fanout_to_1000_sessions_with_and_without_the_permission_filter() {
    let (hub, access, mut arrived) = setup().await;
    let nothing = || {};
    let cold = || access.upsert_member(Id(1000), vec![], None);
    let all = Audience::All;
    let channel = Audience::Channel(Id(100));
    // Interleaved, so both sides see the same machine load; medians resist noise.
    let (mut a, mut w, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS + 100 {
        let ta = once(&hub, &mut arrived, &all, &nothing).await;
        let tw = once(&hub, &mut arrived, &channel, &nothing).await;
        let tc = once(&hub, &mut arrived, &channel, &cold).await;
        if round >= 100 {
            a.push(ta);
            w.push(tw);
            c.push(tc);
        }
    }
    let (base, base_min) = stats(a);
    let (warm, warm_min) = stats(w);
    let (cold, cold_min) = stats(c);
    let pct = |d: Duration, b: Duration| (d.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0;
    println!(
        "fan-out of one MESSAGE_CREATE to {MEMBERS} sessions, {ROUNDS} rounds (median / min):"
    );
    println!("  no filter (Audience::All):        {base:?} / {base_min:?}");
    println!(
        "  permission filter, warm cache:    {warm:?} ({:+.1} %) / {warm_min:?} ({:+.1} %)",
        pct(warm, base),
        pct(warm_min, base_min)
    );
    println!(
        "  permission filter, cache cleared: {cold:?} ({:+.1} %) / {cold_min:?} ({:+.1} %)",
        pct(cold, base),
        pct(cold_min, base_min)
    );
}
