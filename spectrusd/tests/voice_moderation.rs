//! Voice moderation respects the role hierarchy: a moderator with `voice:mute_members`,
//! `voice:deafen_members` and `voice:move_members` cannot server-mute, deafen, move or
//! disconnect the owner or a member at or above them (`403 forbidden`, nothing changes, no
//! audit entry), and can do all of it to a member below them (audited). The real daemon, and
//! real gateways that join voice with the `voice_join` op.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::proto::Id;
use spectrus_client::proto::admin::CreateRole;
use spectrus_client::proto::gateway::{ClientFrame, VoiceJoin};
use spectrus_client::proto::model::VoiceState;
use spectrus_client::proto::permissions::{Permission, PermissionSet};
use spectrus_client::proto::rest::{AuditQuery, PatchVoiceMember};
use spectrus_client::{Client, Gateway};
use spectrus_testkit::{TestDaemon, code, voice_channel};

async fn role(owner: &Client, name: &str, perms: &[Permission]) -> Id {
    owner
        .create_role(&CreateRole {
            name: name.into(),
            permissions: PermissionSet::from_iter(perms.iter().copied()),
            ..Default::default()
        })
        .await
        .unwrap()
        .id
}

/// Puts `client` in voice `channel` over a new gateway (kept open by the returned value).
async fn in_voice(client: &Client, channel: Id) -> Gateway {
    let gw = Gateway::connect(client).await.unwrap();
    gw.send(ClientFrame::VoiceJoin(VoiceJoin {
        channel_id: channel,
        self_mute: false,
        self_deaf: false,
    }));
    gw
}

/// The voice state of `user`, as the owner reads it (an empty patch changes nothing).
async fn state(owner: &Client, user: Id) -> VoiceState {
    owner
        .patch_voice_member(user, &PatchVoiceMember::default())
        .await
        .unwrap()
}

async fn voice_audit(owner: &Client) -> Vec<Option<String>> {
    owner
        .audit_log(&AuditQuery {
            action: Some("member.voice_update".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.target_id)
        .collect()
}

fn mute() -> PatchVoiceMember {
    PatchVoiceMember {
        mute: Some(true),
        ..Default::default()
    }
}
fn deafen() -> PatchVoiceMember {
    PatchVoiceMember {
        deaf: Some(true),
        ..Default::default()
    }
}
fn move_to(ch: Id) -> PatchVoiceMember {
    PatchVoiceMember {
        channel_id: Some(Some(ch)),
        ..Default::default()
    }
}
fn disconnect() -> PatchVoiceMember {
    PatchVoiceMember {
        channel_id: Some(None),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_moderator_cannot_act_on_the_owner_or_an_equal_or_higher_member() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let owner_id = owner.me().await.unwrap().id;
    let lounge = spectrus_testkit::lounge(&owner).await.id;
    let other = voice_channel(&owner, "other").await;

    // Each new role lands lowest: seniors > mods > helpers.
    let voice_mod = [
        Permission::VoiceMuteMembers,
        Permission::VoiceDeafenMembers,
        Permission::VoiceMoveMembers,
    ];
    let seniors = role(&owner, "seniors", &[]).await;
    let mods = role(&owner, "mods", &voice_mod).await;
    let helpers = role(&owner, "helpers", &[]).await;

    let mut ids = Vec::new();
    let mut clients = Vec::new();
    for (name, r) in [
        ("moder", mods),
        ("peer", mods),
        ("senior", seniors),
        ("low", helpers),
    ] {
        let c = d.member(&owner, name).await.unwrap();
        let id = c.me().await.unwrap().id;
        owner.add_member_role(id, r, None).await.unwrap();
        ids.push(id);
        clients.push(c);
    }
    let [peer, senior, low] = [ids[1], ids[2], ids[3]];
    let moderator = &clients[0];

    // Everyone but the moderator sits in the lounge.
    let _gws = [
        in_voice(&owner, lounge).await,
        in_voice(&clients[1], lounge).await,
        in_voice(&clients[2], lounge).await,
        in_voice(&clients[3], lounge).await,
    ];
    for u in [owner_id, peer, senior, low] {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut st = state(&owner, u).await;
        while st.channel_id != Some(lounge) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            st = state(&owner, u).await;
        }
        assert_eq!(
            st.channel_id,
            Some(lounge),
            "{u} did not join voice: {st:?}"
        );
    }

    // The owner, an equal and a higher member: refused, and nothing changes.
    for target in [owner_id, peer, senior] {
        for req in [mute(), deafen(), move_to(other), disconnect()] {
            let r = moderator.patch_voice_member(target, &req).await;
            assert_eq!(code(r), "forbidden", "{req:?} on {target}");
        }
        let st = state(&owner, target).await;
        assert!(
            !st.mute && !st.deaf && st.channel_id == Some(lounge),
            "{target}: {st:?}"
        );
    }
    assert!(voice_audit(&owner).await.is_empty());

    // A lower member: all four work, each audited.
    let st = moderator.patch_voice_member(low, &mute()).await.unwrap();
    assert!(st.mute, "{st:?}");
    let st = moderator.patch_voice_member(low, &deafen()).await.unwrap();
    assert!(st.deaf, "{st:?}");
    let st = moderator
        .patch_voice_member(low, &move_to(other))
        .await
        .unwrap();
    assert_eq!(st.channel_id, Some(other));
    let st = moderator
        .patch_voice_member(low, &disconnect())
        .await
        .unwrap();
    assert_eq!(st.channel_id, None);
    let low_s = low.to_string();
    let log = voice_audit(&owner).await;
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        log.iter().all(|t| t.as_deref() == Some(low_s.as_str())),
        "{log:?}"
    );
}
