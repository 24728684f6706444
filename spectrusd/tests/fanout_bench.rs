//! Fan-out cost of the permission filter: `Hub::dispatch` of one event to 1000 sessions, to
//! everyone (no filter) and to a channel's viewers (the permission filter), with the
//! caches warm and cold. Prints figures; asserts nothing about time.
//!
//! `cargo test -p spectrusd --release --test fanout_bench -- --ignored --nocapture`

use std::sync::Arc;
use std::time::{Duration, Instant};

use spectrus_proto::Id;
use spectrus_proto::model::{Channel, ChannelType, PermissionOverwrite, Role, UserRef};
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrusd::access::Access;
use spectrusd::gateway::Audience;
use spectrusd::gateway::hub::{Hub, HubConfig, Outbound};
use spectrusd::store::members::MemberRow;
use tokio::sync::mpsc;

const MEMBERS: u64 = 1000;
const ROUNDS: usize = 2000;

fn setup() -> (Hub, Arc<Access>, Vec<mpsc::Receiver<Outbound>>) {
    let role = |id: u64, position: i64, permissions: PermissionSet| Role {
        id: Id(id),
        name: format!("r{id}"),
        color: None,
        position,
        permissions,
        hoist: false,
        mentionable: false,
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
        })
        .collect();
    let members = (0..MEMBERS)
        .map(|i| MemberRow {
            user: UserRef {
                id: Id(1000 + i),
                username: format!("u{i}"),
                display_name: format!("u{i}"),
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
    let mut rxs = Vec::new();
    for i in 0..MEMBERS {
        let (tx, rx) = mpsc::channel(hub.queue_capacity());
        hub.register(format!("s{i}"), Id(1000 + i), Id(1), tx);
        rxs.push(rx);
    }
    (hub, access, rxs)
}

fn drain(rxs: &mut [mpsc::Receiver<Outbound>]) -> usize {
    rxs.iter_mut()
        .map(|rx| std::iter::from_fn(|| rx.try_recv().ok()).count())
        .sum()
}

/// Times one dispatch to `audience` (after an untimed `invalidate`).
fn once(
    hub: &Hub,
    rxs: &mut [mpsc::Receiver<Outbound>],
    audience: &Audience,
    invalidate: &dyn Fn(),
) -> Duration {
    let payload = serde_json::json!({"id": "1", "channel_id": "100", "content": "x".repeat(120)});
    invalidate();
    let t = Instant::now();
    hub.dispatch("MESSAGE_CREATE", &payload, audience.clone());
    let took = t.elapsed();
    assert_eq!(drain(rxs), MEMBERS as usize, "every member sees it");
    took
}

/// Median and minimum of a sample.
fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0])
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn fanout_to_1000_sessions_with_and_without_the_permission_filter() {
    let (hub, access, mut rxs) = setup();
    let nothing = || {};
    let cold = || access.upsert_member(Id(1000), vec![], None);
    let all = Audience::All;
    let channel = Audience::Channel(Id(100));
    // Interleaved, so both sides see the same machine load; medians resist noise.
    let (mut a, mut w, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS + 100 {
        let ta = once(&hub, &mut rxs, &all, &nothing);
        let tw = once(&hub, &mut rxs, &channel, &nothing);
        let tc = once(&hub, &mut rxs, &channel, &cold);
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
