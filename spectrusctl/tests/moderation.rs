//! Moderation from `spectrusctl` against the real daemon: kick, timeout and nickname; voice
//! mute, deafen, move and disconnect of a member in voice; a bulk purge with its one audit
//! entry; the server's name and description; names resolved (and ambiguous ones refused).

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ctl, ctl_json};
use serde_json::json;
use spectrus_client::Gateway;
use spectrus_client::HistoryQuery;
use spectrus_client::proto::gateway::{ClientFrame, VoiceJoin};
use spectrus_client::proto::rest::PatchVoiceMember;
use spectrus_testkit::{TestDaemon, code, general, text_channel, voice_channel};

/// A usage error: exit 64 and clap's message naming `needle`.
#[track_caller]
fn usage_error(r: &common::Run, needle: &str) {
    assert_eq!(r.code, 64, "{r:?}");
    assert!(r.stderr.contains(needle), "{needle:?} not in {r:?}");
}

#[tokio::test]
async fn kick_timeout_and_nick_act_on_members_by_name() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let alice_id = alice.me().await.unwrap().id;
    let ch = general(&owner).await;

    assert_eq!(
        ctl(&d, &["members", "nick", "alice", "Ally"]).ok(),
        "alice is now called \"Ally\"\n"
    );
    assert_eq!(
        owner.member(alice_id).await.unwrap().nick.as_deref(),
        Some("Ally")
    );
    let json = ctl_json(&d, &["members", "nick", "alice", "--clear"]);
    assert!(json["nick"].is_null(), "{json}");
    assert_eq!(owner.member(alice_id).await.unwrap().nick, None);

    let out = ctl(
        &d,
        &[
            "members",
            "timeout",
            "alice",
            "10m",
            "--reason",
            "cool down",
        ],
    );
    assert!(out.ok().starts_with("alice is timed out until "), "{out:?}");
    assert!(
        owner
            .member(alice_id)
            .await
            .unwrap()
            .timeout_until
            .is_some()
    );
    assert_eq!(code(alice.say(ch, "hello?").await), "missing_permission");
    assert_eq!(
        ctl(&d, &["members", "timeout", "alice", "off"]).ok(),
        "alice is no longer timed out\n"
    );
    alice.say(ch, "back").await.unwrap();
    usage_error(&ctl(&d, &["members", "timeout", "alice", "soon"]), "soon");
    ctl(&d, &["members", "timeout", "alice", "30d"]).fails(1, "at most 28 days");

    // Nobody kicks the owner; a kick is audited and ends the member's access.
    ctl(&d, &["members", "kick", "owner"]).fails(77, "owner");
    assert_eq!(
        ctl(&d, &["members", "kick", "alice", "--reason", "spam"]).ok(),
        "kicked alice\n"
    );
    assert_eq!(code(alice.me().await), "unauthorized");
    ctl(&d, &["members", "kick", "alice"]).fails(1, "\"alice\" is not a member");
    ctl(&d, &["members", "kick", "nobody"]).fails(1, "no user named \"nobody\"");
    let audit = ctl_json(&d, &["audit", "--action", "member.kick"]);
    assert_eq!(audit[0]["reason"], "spam");
    assert_eq!(audit[0]["actor"]["via"], "admin_socket");
}

#[tokio::test]
async fn voice_mute_deafen_move_and_disconnect() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let lounge = voice_channel(&owner, "Lounge").await;
    let stage = voice_channel(&owner, "Stage").await;

    // Not in voice: the flags are stored for the next join; a move has nobody to move.
    assert_eq!(
        ctl(&d, &["voice", "mute", "bob"]).ok(),
        "muted bob (now not in voice)\n"
    );
    ctl(&d, &["voice", "move", "bob", "Stage"]).fails(1, "not in a voice channel");

    let gw = Gateway::connect(&bob).await.unwrap();
    gw.send(ClientFrame::VoiceJoin(VoiceJoin {
        channel_id: lounge,
        self_mute: false,
        self_deaf: false,
    }));
    let mut joined = false;
    for _ in 0..100 {
        let s = owner
            .patch_voice_member(bob_id, &PatchVoiceMember::default())
            .await
            .unwrap();
        if s.channel_id == Some(lounge) {
            assert!(s.mute, "the stored mute applies at the join");
            joined = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(joined, "bob never showed up in voice");
    let s = ctl_json(&d, &["voice", "deafen", "bob"]);
    assert_eq!(
        (&s["mute"], &s["deaf"]),
        (&json!(true), &json!(true)),
        "{s}"
    );
    assert_eq!(
        ctl(&d, &["voice", "unmute", "bob"]).ok(),
        "unmuted bob (now in Lounge, server-deafened)\n"
    );
    ctl(&d, &["voice", "move", "bob", "general"]).fails(1, "\"general\" is not a voice channel");
    ctl(&d, &["voice", "move", "bob", "Nowhere"]).fails(1, "no channel named \"Nowhere\"");
    assert_eq!(
        ctl(&d, &["voice", "move", "bob", &stage.to_string()]).ok(),
        "moved bob (now in Stage, server-deafened)\n"
    );
    assert_eq!(
        ctl(&d, &["voice", "undeafen", "bob"]).ok(),
        "undeafened bob (now in Stage)\n"
    );
    assert_eq!(
        ctl(&d, &["voice", "disconnect", "bob", "--reason", "afk"]).ok(),
        "disconnected bob (now not in voice)\n"
    );
    let audit = ctl_json(&d, &["audit", "--action", "member.voice_update"]);
    assert_eq!(audit.as_array().unwrap().len(), 6, "{audit}");
    assert_eq!(audit[0]["reason"], "afk");
    assert_eq!(audit[0]["target_id"], bob_id.to_string());
    drop(gw);
}

#[tokio::test]
async fn purge_deletes_in_bulk_with_one_audit_entry() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let ch = general(&owner).await;
    for i in 0..3 {
        carol.say(ch, &format!("spam {i}")).await.unwrap();
    }
    owner.say(ch, "keep me").await.unwrap();

    // What to delete must be said; a bad time is a usage error.
    usage_error(&ctl(&d, &["messages", "purge", "general"]), "--user");
    usage_error(
        &ctl(
            &d,
            &["messages", "purge", "general", "--since", "yesterday"],
        ),
        "RFC 3339",
    );

    assert_eq!(
        ctl(
            &d,
            &[
                "messages", "purge", "general", "--user", "carol", "--since", "1h"
            ]
        )
        .ok(),
        "deleted 3 messages from general\n"
    );
    let left = owner.messages(ch, HistoryQuery::default()).await.unwrap();
    let texts: Vec<&str> = left.iter().map(|m| m.content.as_str()).collect();
    assert!(texts.contains(&"keep me"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.starts_with("spam")), "{texts:?}");

    let audit = ctl_json(&d, &["audit", "--action", "message.purge"]);
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["changes"]["count"], 3);
    assert_eq!(entries[0]["target_id"], ch.to_string());

    // A time in the future deletes nothing; --json answers the count.
    let none = ctl_json(
        &d,
        &[
            "messages",
            "purge",
            "general",
            "--since",
            "2099-01-01T00:00:00Z",
        ],
    );
    assert_eq!(none["deleted"], 0);

    // Two channels with one name: refused, naming the candidates.
    let a = text_channel(&owner, "dup").await;
    let b = text_channel(&owner, "dup").await;
    let r = ctl(&d, &["messages", "purge", "dup", "--since", "1h"]);
    r.fails(1, "several channels are named \"dup\"");
    for id in [a, b] {
        assert!(
            r.stderr.contains(&format!("{id}: text at the top")),
            "{r:?}"
        );
    }
}

#[tokio::test]
async fn server_set_name_and_description() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let out = ctl(&d, &["server", "set", "name", "Night Owls"]);
    let text = out.ok();
    assert!(text.contains("name          Night Owls"), "{text}");
    assert!(text.contains("owner         owner"), "{text}");
    assert_eq!(owner.server().await.unwrap().name, "Night Owls");
    ctl(&d, &["server", "set", "description", "we stay up"]).ok();
    assert_eq!(
        owner.server().await.unwrap().description.as_deref(),
        Some("we stay up")
    );
    let json = ctl_json(&d, &["server", "set", "description", ""]);
    assert!(json["description"].is_null(), "{json}");
    assert_eq!(owner.server().await.unwrap().description, None);
    ctl(&d, &["server", "set", "name", ""]).fails(1, "name");
    let audit = ctl_json(&d, &["audit", "--action", "server.update"]);
    assert_eq!(audit.as_array().unwrap().len(), 3, "{audit}");
}

#[tokio::test]
async fn human_output_names_people_channels_and_roles() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let dave = d.member(&owner, "dave").await.unwrap();
    let ch = general(&owner).await;
    ctl(&d, &["roles", "create", "Helper", "--perm", "members:kick"]).ok();
    ctl(&d, &["roles", "grant", "dave", "Helper"]).ok();
    dave.say(ch, "hi").await.unwrap();
    ctl(&d, &["members", "timeout", "dave", "5m"]).ok();

    let audit = ctl(&d, &["audit"]);
    let text = audit.ok();
    assert!(text.contains("role Helper"), "{text}");
    assert!(text.contains("user dave"), "{text}");
    assert!(
        !text.contains(&owner.me().await.unwrap().id.to_string()),
        "{text}"
    );
    // --json keeps the ids.
    let json = ctl_json(&d, &["audit", "--action", "member.timeout"]);
    assert_eq!(
        json[0]["target_id"],
        dave.me().await.unwrap().id.to_string()
    );

    let events = ctl(&d, &["events"]);
    let text = events.ok();
    assert!(text.contains("author=dave  channel=#general"), "{text}");
    assert!(text.contains("role_create  actor=admin"), "{text}");
    assert!(text.contains("role=Helper"), "{text}");

    let invites = ctl(&d, &["invites", "list"]);
    assert!(invites.ok().contains("  owner  "), "{invites:?}");

    let roles = ctl(&d, &["roles", "list"]);
    let text = roles.ok();
    assert!(text.contains("`roles show NAME` lists all"), "{text}");
    let helper = text.lines().find(|l| l.contains("Helper")).unwrap();
    assert!(helper.ends_with("members:kick"), "{text}");
}
