//! A hidden channel stays hidden on every path: listing, history, posting, typing, reactions,
//! read states, gateway dispatch and resume replay; hiding and showing it is announced.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spectrus_client::{Client, Gateway};
use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::permissions::{Permission, PermissionSet};
use spectrus_proto::rest::{CreateRole, OverwriteBody};
use spectrus_testkit::TestDaemon;
use spectrus_testkit::hidden::expect;
use spectrus_testkit::{code, general, hidden, hide_from_everyone};

async fn channel(owner: &Client, name: &str) -> Id {
    spectrus_testkit::text_channel(owner, name).await
}

fn view() -> PermissionSet {
    [Permission::ChannelsView].into_iter().collect()
}

/// Waits for the `CHANNEL_CREATE` that shows `channel` to `gw`'s user.
async fn shown(gw: &mut Gateway, channel: Id) {
    sight_change(gw, channel, true).await;
}

/// Waits for the `CHANNEL_DELETE` that hides `channel` from `gw`'s user.
async fn hid(gw: &mut Gateway, channel: Id) {
    sight_change(gw, channel, false).await;
}

async fn sight_change(gw: &mut Gateway, channel: Id, shown: bool) {
    let what = if shown {
        "CHANNEL_CREATE"
    } else {
        "CHANNEL_DELETE"
    };
    expect(gw, Id(0), what, |d| match d {
        Dispatch::ChannelCreate(c) => shown && c.id == channel,
        Dispatch::ChannelDelete(c) => !shown && c.id == channel,
        _ => false,
    })
    .await;
}

#[tokio::test]
async fn a_hidden_channel_stays_hidden_on_every_path() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let general = general(&owner).await;
    let secret = channel(&owner, "secret").await;
    let m = owner.say(secret, "the plan").await.unwrap();
    let mut gw = Gateway::connect(&bob).await.unwrap();
    assert!(gw.ready().channels.iter().any(|c| c.id == secret));

    // Hiding it is announced as a CHANNEL_DELETE, and from then on nothing of it arrives.
    hide_from_everyone(&owner, secret).await;
    hid(&mut gw, secret).await;

    // REST: listing, reading, history, posting, typing, reactions, read states, editing.
    assert!(!bob.channels().await.unwrap().iter().any(|c| c.id == secret));
    assert_eq!(
        code(bob.messages(secret, Default::default()).await),
        "not_found"
    );
    assert_eq!(code(bob.say(secret, "hi?").await), "not_found");
    assert_eq!(code(bob.typing(secret).await), "not_found");
    assert_eq!(code(bob.react(secret, m.id, "👀").await), "not_found");
    assert_eq!(code(bob.unreact(secret, m.id, "👀").await), "not_found");
    assert_eq!(code(bob.ack(secret, m.id).await), "not_found");
    assert_eq!(code(bob.delete_message(secret, m.id).await), "not_found");

    // Live: the owner's activity there reaches bob not at all; general still does.
    owner.typing(secret).await.unwrap();
    owner.react(secret, m.id, "🔥").await.unwrap();
    owner.say(secret, "still secret").await.unwrap();
    let marker = owner.say(general, "marker 1").await.unwrap();
    expect(
        &mut gw,
        secret,
        "marker 1",
        |d| matches!(d, Dispatch::MessageCreate(x) if x.id == marker.id),
    )
    .await;

    // Resume replay: what happened while away in the hidden channel is not replayed.
    gw.drop_connection();
    owner.say(secret, "while you were away").await.unwrap();
    let marker = owner.say(general, "marker 2").await.unwrap();
    let resumed = hidden::through_resume(&mut gw, secret, marker.id, |r| {
        assert!(!r.channels.iter().any(|c| c.id == secret));
    })
    .await;
    assert!(resumed, "the session resumed");

    // A fresh identify does not list it either.
    let gw2 = Gateway::connect(&bob).await.unwrap();
    assert!(!gw2.ready().channels.iter().any(|c| c.id == secret));
    assert!(
        !gw2.ready()
            .read_states
            .iter()
            .any(|r| r.channel_id == secret)
    );
    gw2.close();

    // A role that may see it shows it again (CHANNEL_CREATE), and taking the role hides it.
    let insiders = owner
        .create_role(&CreateRole {
            name: "insiders".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    owner
        .put_overwrite(
            secret,
            insiders.id,
            &OverwriteBody {
                allow: view(),
                deny: PermissionSet::EMPTY,
            },
        )
        .await
        .unwrap();
    owner
        .add_member_role(bob_id, insiders.id, None)
        .await
        .unwrap();
    shown(&mut gw, secret).await;
    assert!(bob.channels().await.unwrap().iter().any(|c| c.id == secret));
    assert_eq!(
        bob.messages(secret, Default::default())
            .await
            .unwrap()
            .len(),
        3
    );
    owner
        .remove_member_role(bob_id, insiders.id, None)
        .await
        .unwrap();
    hid(&mut gw, secret).await;
    assert_eq!(code(bob.say(secret, "again?").await), "not_found");
    // Deleting the role that showed it changes nothing for bob now; for a holder it hides it.
    owner
        .add_member_role(bob_id, insiders.id, None)
        .await
        .unwrap();
    shown(&mut gw, secret).await;
    owner.delete_role(insiders.id).await.unwrap();
    hid(&mut gw, secret).await;
    assert!(!bob.channels().await.unwrap().iter().any(|c| c.id == secret));
}
