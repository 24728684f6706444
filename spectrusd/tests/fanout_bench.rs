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

/// Mean time of one dispatch; `invalidate` runs (untimed) before each.
fn time(
    hub: &Hub,
    rxs: &mut [mpsc::Receiver<Outbound>],
    audience: Audience,
    invalidate: &dyn Fn(),
) -> Duration {
    let payload = serde_json::json!({"id": "1", "channel_id": "100", "content": "x".repeat(120)});
    let mut total = Duration::ZERO;
    for _ in 0..ROUNDS {
        invalidate();
        let t = Instant::now();
        hub.dispatch("MESSAGE_CREATE", &payload, audience.clone());
        total += t.elapsed();
        assert_eq!(drain(rxs), MEMBERS as usize, "every member sees it");
    }
    total / ROUNDS as u32
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn fanout_to_1000_sessions_with_and_without_the_permission_filter() {
    let (hub, access, mut rxs) = setup();
    let nothing = || {};
    // Warm-up.
    time(&hub, &mut rxs, Audience::All, &nothing);
    time(&hub, &mut rxs, Audience::Channel(Id(100)), &nothing);
    let all = time(&hub, &mut rxs, Audience::All, &nothing);
    let filtered = time(&hub, &mut rxs, Audience::Channel(Id(100)), &nothing);
    let all2 = time(&hub, &mut rxs, Audience::All, &nothing);
    let base = (all + all2) / 2;
    // Cold: a membership change before every event clears the viewer sets.
    let cold = time(&hub, &mut rxs, Audience::Channel(Id(100)), &|| {
        access.upsert_member(Id(1000), vec![], None)
    });
    let pct = |d: Duration| (d.as_secs_f64() / base.as_secs_f64() - 1.0) * 100.0;
    println!("fan-out of one MESSAGE_CREATE to {MEMBERS} sessions, mean of {ROUNDS}:");
    println!("  no filter (Audience::All):            {base:?}");
    println!(
        "  permission filter, warm cache:        {filtered:?} ({:+.1} %)",
        pct(filtered)
    );
    println!(
        "  permission filter, cache cleared:     {cold:?} ({:+.1} %)",
        pct(cold)
    );
}
