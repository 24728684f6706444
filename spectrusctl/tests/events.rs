//! The admin event stream reports one event per change, names voice mute/deafen as
//! `voice_state`, and refuses filters that name no event type or audit action (listing the
//! valid ones). The real daemon, through `spectrusctl`.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{ctl, ctl_json};
use spectrus_client::Gateway;
use spectrus_client::proto::gateway::{ClientFrame, VoiceJoin, VoiceSelfState};
use spectrus_testkit::{TestDaemon, voice_channel};

/// The types of the stream's backlog, in order.
fn types(d: &TestDaemon) -> Vec<String> {
    ctl(d, &["--json", "events"])
        .ok()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Waits until the backlog holds `n` events, then returns their types.
async fn settle(d: &TestDaemon, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let t = types(d);
        if t.len() >= n {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    types(d)
}

#[tokio::test]
async fn one_event_per_change() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let base = settle(&d, 1).await.len();

    ctl(&d, &["roles", "create", "Helper"]).ok();
    ctl(&d, &["roles", "create", "Second"]).ok(); // moves Helper up: still one event
    let t = settle(&d, base + 2).await;
    assert_eq!(t[base..], ["role_create", "role_create"], "{t:?}");

    ctl(&d, &["users", "create", "made"]).ok();
    let _joined = d.member(&owner, "joined").await.unwrap();
    ctl(&d, &["members", "kick", "joined"]).ok();
    let t = settle(&d, base + 5).await;
    assert_eq!(
        t[base + 2..],
        ["user_created", "member_join", "member_kick"],
        "{t:?}"
    );
}

#[tokio::test]
async fn mute_and_deafen_are_voice_state_changes() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let lounge = voice_channel(&owner, "Lounge").await;
    let eve = d.member(&owner, "eve").await.unwrap();
    let gw = Gateway::connect(&eve).await.unwrap();
    gw.send(ClientFrame::VoiceJoin(VoiceJoin {
        channel_id: lounge,
        self_mute: false,
        self_deaf: false,
    }));
    let voice = |d: &TestDaemon| -> Vec<String> {
        types(d)
            .into_iter()
            .filter(|t| t.starts_with("voice_"))
            .collect()
    };
    for _ in 0..100 {
        if !voice(&d).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    // The member's own /mute, then a moderator's deafen.
    gw.send(ClientFrame::VoiceState(VoiceSelfState {
        self_mute: true,
        self_deaf: false,
    }));
    for _ in 0..100 {
        if voice(&d).len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    ctl(&d, &["voice", "deafen", "eve"]).ok();
    ctl(&d, &["voice", "disconnect", "eve"]).ok();
    for _ in 0..100 {
        if voice(&d).len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(
        voice(&d),
        ["voice_join", "voice_state", "voice_state", "voice_leave"]
    );
    let last_state = ctl(&d, &["--json", "events", "--type", "voice_state"]);
    let line = last_state.ok().lines().last().unwrap().to_owned();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["deaf"], true, "{v}");
    assert_eq!(v["self_mute"], true, "{v}");
    drop(gw);
}

#[tokio::test]
async fn filters_name_known_types_and_actions() {
    let d = TestDaemon::start().await.unwrap();
    let _owner = d.owner().await.unwrap();
    let bad = ctl(&d, &["events", "--type", "role_created"]);
    bad.fails(1, "unknown type \"role_created\"");
    assert!(bad.stderr.contains("role_create, role_update"), "{bad:?}");
    let bad = ctl(&d, &["audit", "--action", "member.kik"]);
    bad.fails(1, "unknown action \"member.kik\"");
    assert!(bad.stderr.contains("member.kick"), "{bad:?}");
    // Known names pass, matching or not.
    assert_eq!(
        ctl_json(&d, &["audit", "--action", "member.kick"]),
        serde_json::json!([])
    );
    ctl(&d, &["events", "--type", "voice_state"]).ok();
}
