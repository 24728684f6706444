//! Pinned messages against the real daemon: who may pin (in direct messages, their
//! participants), the pinned list, the live update, the audit entry, the cap of 50, and
//! search's `pinned:` filter.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::{Gateway, SearchQuery};
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::rest::AuditQuery;
use spectrus_testkit::{TestDaemon, code, general, hide_from_everyone, text_channel};

#[tokio::test]
async fn pinning_is_listed_announced_audited_and_searchable() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let g = general(&owner).await;
    let first = owner.say(g, "first pin").await.unwrap();
    let second = bob.say(g, "second pin").await.unwrap();
    assert!(!first.pinned && first.pinned_at.is_none());

    // A member without messages:manage cannot pin or unpin.
    assert_eq!(code(bob.pin(g, first.id).await), "missing_permission");
    let mut gw = Gateway::connect(&bob).await.unwrap();

    owner.pin(g, first.id).await.unwrap();
    owner.pin(g, second.id).await.unwrap();
    owner.pin(g, second.id).await.unwrap(); // again: nothing changes

    // Everyone who can read the channel sees it pinned, live.
    let mut updated = Vec::new();
    while updated.len() < 2 {
        let (_, ev) = gw
            .next_dispatch(Duration::from_secs(5))
            .await
            .expect("MESSAGE_UPDATE for the pins");
        if let Dispatch::MessageUpdate(m) = ev {
            assert!(m.pinned && m.pinned_at.is_some(), "{m:?}");
            updated.push(m.id);
        }
    }
    assert_eq!(updated, vec![first.id, second.id]);

    let pins = bob.pins(g).await.unwrap();
    let ids: Vec<_> = pins.iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![second.id, first.id], "most recently pinned first");
    assert!(pins.iter().all(|m| m.pinned));
    let history = bob.messages(g, Default::default()).await.unwrap();
    assert!(history.iter().find(|m| m.id == first.id).unwrap().pinned);

    let found = bob
        .search_messages(&SearchQuery::text("pin pinned:true"))
        .await
        .unwrap();
    assert_eq!(found.total, 2);

    owner.unpin(g, first.id).await.unwrap();
    let ids: Vec<_> = bob.pins(g).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![second.id]);
    assert_eq!(
        code(owner.unpin(g, spectrus_proto::Id(first.id.0 + 1)).await),
        "not_found"
    );

    let log = owner
        .audit_log(&AuditQuery {
            action: Some("message.pin".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 2, "one entry per real pin: {log:?}");
    assert_eq!(log[0].target_id.as_deref(), Some(&*second.id.to_string()));
    let log = owner
        .audit_log(&AuditQuery {
            action: Some("message.unpin".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
}

#[tokio::test]
async fn a_channel_holds_at_most_fifty_pins() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let g = general(&owner).await;
    let mut ids = Vec::new();
    for i in 0..51 {
        ids.push(owner.say(g, &format!("m{i}")).await.unwrap().id);
    }
    for id in &ids[..50] {
        owner.pin(g, *id).await.unwrap();
    }
    let refused = owner.pin(g, ids[50]).await.unwrap_err();
    assert_eq!(refused.status(), Some(400));
    assert!(refused.to_string().contains("at most 50"), "{refused}");
    owner.pin(g, ids[0]).await.unwrap(); // already pinned: fine at the cap
    owner.unpin(g, ids[0]).await.unwrap();
    owner.pin(g, ids[50]).await.unwrap();
    assert_eq!(owner.pins(g).await.unwrap().len(), 50);
}

#[tokio::test]
async fn a_hidden_channels_pins_are_not_found() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let secret = text_channel(&owner, "secret").await;
    let m = owner.say(secret, "secret pin").await.unwrap();
    owner.pin(secret, m.id).await.unwrap();
    hide_from_everyone(&owner, secret).await;
    assert_eq!(code(bob.pins(secret).await), "not_found");
    assert_eq!(code(bob.pin(secret, m.id).await), "not_found");
}

/// In a direct message (one-to-one or group) every participant pins and unpins, as in
/// Discord, live for the others; nobody else can; a block stops it as it stops posting; and
/// the server's audit log says nothing about it.
#[tokio::test]
async fn participants_pin_and_unpin_in_their_direct_messages() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let (alice_id, bob_id, carol_id) = (
        alice.me().await.unwrap().id,
        bob.me().await.unwrap().id,
        carol.me().await.unwrap().id,
    );
    let dm = alice.open_dm(&[bob_id]).await.unwrap().id;
    let m = alice.say(dm, "the plan").await.unwrap();
    let mut gw = Gateway::connect(&alice).await.unwrap();

    // Bob (no messages:manage anywhere) pins Alice's message; she sees it live.
    bob.pin(dm, m.id).await.unwrap();
    loop {
        match gw.next_dispatch(Duration::from_secs(5)).await {
            Some((_, Dispatch::MessageUpdate(u))) if u.id == m.id => {
                assert!(u.pinned && u.pinned_at.is_some(), "{u:?}");
                break;
            }
            Some(_) => {}
            None => panic!("no MESSAGE_UPDATE for the pin in the DM"),
        }
    }
    let pins: Vec<_> = alice.pins(dm).await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(pins, vec![m.id]);

    // Nobody outside the conversation, not even the owner.
    for outsider in [&carol, &owner] {
        assert_eq!(code(outsider.pin(dm, m.id).await), "not_found");
        assert_eq!(code(outsider.unpin(dm, m.id).await), "not_found");
    }

    // Alice unpins it.
    alice.unpin(dm, m.id).await.unwrap();
    assert!(bob.pins(dm).await.unwrap().is_empty());

    // A group DM: any member of it pins anyone's message.
    let group = alice.open_dm(&[bob_id, carol_id]).await.unwrap().id;
    let g = bob.say(group, "group plan").await.unwrap();
    carol.pin(group, g.id).await.unwrap();
    assert_eq!(alice.pins(group).await.unwrap()[0].id, g.id);
    assert_eq!(code(owner.pin(group, g.id).await), "not_found");

    // A block closes the one-to-one conversation to pins too, both ways.
    bob.block(alice_id).await.unwrap();
    assert_eq!(code(alice.pin(dm, m.id).await), "blocked");
    assert_eq!(code(bob.pin(dm, m.id).await), "blocked");
    bob.unblock(alice_id).await.unwrap();
    bob.pin(dm, m.id).await.unwrap();

    // Private: no audit entry for any of it.
    for action in ["message.pin", "message.unpin"] {
        let log = owner
            .audit_log(&AuditQuery {
                action: Some(action.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(log.is_empty(), "{action}: {log:?}");
    }
}
