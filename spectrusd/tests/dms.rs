//! Direct messages against the real daemon: one conversation per pair, groups of up to ten,
//! hidden from everyone else on every path (history, posting, pins, search, gateway, resume,
//! ready — the owner included), blocks and `allow_dms`, a kick that closes the conversation
//! but leaves it readable, and the per-member limit on opening new ones.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::{Client, Gateway};
use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::ChannelType;
use spectrus_proto::rest::{PatchUserSettings, SearchQuery};
use spectrus_testkit::{TestDaemon, code, general, hidden};

const WAIT: Duration = Duration::from_secs(5);

async fn id(c: &Client) -> Id {
    c.me().await.unwrap().id
}

/// `POST /users/@me/channels` by hand: the status (201 created, 200 found) and the body.
async fn open_raw(d: &TestDaemon, c: &Client, recipients: &[Id]) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/users/@me/channels", d.url))
        .bearer_auth(c.access_token().unwrap())
        .json(&serde_json::json!({ "recipients": recipients }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn search(q: &str) -> SearchQuery {
    SearchQuery {
        q: Some(q.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_dm_is_one_per_pair_and_hidden_from_everyone_else_on_every_path() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let (alice_id, bob_id) = (id(&alice).await, id(&bob).await);
    let gen_ch = general(&owner).await;
    let mut carol_gw = Gateway::connect(&carol).await.unwrap();
    let mut bob_gw = Gateway::connect(&bob).await.unwrap();

    // Created once (201), then found (200) from either side.
    let (status, body) = open_raw(&d, &alice, &[bob_id]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["type"], "dm");
    assert_eq!(body["recipients"][0]["id"], bob_id.to_string());
    let dm: Id = body["id"].as_str().unwrap().parse().unwrap();
    let (status, again) = open_raw(&d, &alice, &[bob_id]).await;
    assert_eq!((status, &again["id"]), (200, &body["id"]));
    let from_bob = bob.open_dm(&[alice_id]).await.unwrap();
    assert_eq!(from_bob.id, dm);
    assert_eq!(from_bob.kind, ChannelType::Dm);
    assert_eq!(from_bob.recipients[0].id, alice_id);

    // Bob is told about it live; listed for both, for nobody else, and not a channel.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match bob_gw.next_dispatch(left).await {
            Some((_, Dispatch::PrivateChannelCreate(p))) if p.id == dm => break,
            Some(_) => {}
            None => panic!("no PRIVATE_CHANNEL_CREATE for bob"),
        }
    }
    assert_eq!(alice.dms().await.unwrap()[0].id, dm);
    assert_eq!(bob.dms().await.unwrap()[0].id, dm);
    assert!(carol.dms().await.unwrap().is_empty());
    assert!(!owner.channels().await.unwrap().iter().any(|c| c.id == dm));
    assert_eq!(
        code(owner.patch_channel(dm, &Default::default()).await),
        "not_found"
    );

    // Messages, replies, reactions and typing work as in a channel.
    let m = alice.say(dm, "the xyzzy plan").await.unwrap();
    bob.react(dm, m.id, "👍").await.unwrap();
    bob.typing(dm).await.unwrap();
    let history = bob.messages(dm, Default::default()).await.unwrap();
    assert_eq!(history[0].content, "the xyzzy plan");
    // Participants read the pinned list (and pin: tests/pins.rs).
    assert!(bob.pins(dm).await.unwrap().is_empty());

    // A third member and the owner: 404 on every path.
    for outsider in [&carol, &owner] {
        assert_eq!(
            code(outsider.messages(dm, Default::default()).await),
            "not_found"
        );
        assert_eq!(code(outsider.say(dm, "let me in").await), "not_found");
        assert_eq!(code(outsider.pins(dm).await), "not_found");
        assert_eq!(code(outsider.pin(dm, m.id).await), "not_found");
        assert_eq!(code(outsider.typing(dm).await), "not_found");
        assert_eq!(code(outsider.react(dm, m.id, "👀").await), "not_found");
        assert_eq!(code(outsider.ack(dm, m.id).await), "not_found");
        assert_eq!(code(outsider.delete_message(dm, m.id).await), "not_found");
        assert_eq!(
            outsider
                .search_messages(&search("xyzzy"))
                .await
                .unwrap()
                .total,
            0
        );
        let mut q = search("plan");
        q.channel_id = Some(dm);
        assert_eq!(code(outsider.search_messages(&q).await), "not_found");
    }
    assert_eq!(
        bob.search_messages(&search("xyzzy")).await.unwrap().total,
        1
    );

    // Live: nothing of the DM reaches carol; the general channel still does.
    let marker = owner.say(gen_ch, "marker 1").await.unwrap();
    hidden::until_message(&mut carol_gw, dm, marker.id).await;

    // Resume: what happened in the DM while carol was away is not replayed.
    carol_gw.drop_connection();
    alice.say(dm, "while you were away").await.unwrap();
    let marker = owner.say(gen_ch, "marker 2").await.unwrap();
    let resumed = hidden::through_resume(&mut carol_gw, dm, marker.id, |r| {
        assert!(r.private_channels.is_empty());
    })
    .await;
    assert!(resumed, "carol's session resumed");

    // Ready: bob's lists the DM with its unread messages; carol's lists nothing.
    let gw = Gateway::connect(&bob).await.unwrap();
    let r = gw.ready();
    assert_eq!(r.private_channels.len(), 1);
    assert_eq!(r.private_channels[0].id, dm);
    assert!(r.private_channels[0].open);
    assert!(!r.channels.iter().any(|c| c.id == dm));
    let rs = r.read_states.iter().find(|s| s.channel_id == dm).unwrap();
    assert_eq!(rs.unread_count, 2);
    assert!(r.user_settings.allow_dms);
    gw.close();
    let gw = Gateway::connect(&carol).await.unwrap();
    assert!(gw.ready().private_channels.is_empty());
    assert!(!gw.ready().read_states.iter().any(|s| s.channel_id == dm));
    gw.close();

    // A DM cannot be made through the channel routes.
    let req = spectrus_proto::rest::CreateChannel::new("sneaky", ChannelType::Dm);
    assert_eq!(code(owner.create_channel(&req).await), "validation_failed");
}

#[tokio::test]
async fn a_group_holds_up_to_ten_people() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let mut others = Vec::new();
    let mut clients = Vec::new();
    for i in 0..10 {
        let c = d.member(&owner, &format!("m{i}")).await.unwrap();
        others.push(id(&c).await);
        clients.push(c);
    }
    let owner_id = id(&owner).await;
    // Nine others: a group of ten.
    let (status, body) = open_raw(&d, &owner, &others[..9]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["type"], "group_dm");
    assert_eq!(body["recipients"].as_array().unwrap().len(), 9);
    // Asking again makes another group (only one-to-one DMs are unique per pair).
    let (status, second) = open_raw(&d, &owner, &others[..9]).await;
    assert_eq!(status, 201);
    assert_ne!(second["id"], body["id"]);
    // Ten others: eleven people, refused.
    let (status, err) = open_raw(&d, &owner, &others).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "validation_failed");
    // Nobody, oneself, or a stranger.
    assert_eq!(open_raw(&d, &owner, &[]).await.0, 400);
    assert_eq!(open_raw(&d, &owner, &[owner_id]).await.0, 400);
    assert_eq!(open_raw(&d, &owner, &[Id(42)]).await.0, 404);
    // Participants post and read; the tenth member, not in it, gets 404.
    let group: Id = body["id"].as_str().unwrap().parse().unwrap();
    owner.say(group, "hello all").await.unwrap();
    clients[8].say(group, "hi").await.unwrap();
    assert_eq!(
        clients[0]
            .messages(group, Default::default())
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        code(clients[9].messages(group, Default::default()).await),
        "not_found"
    );
    assert_eq!(code(clients[9].say(group, "me too").await), "not_found");
}

#[tokio::test]
async fn blocks_and_allow_dms_refuse_with_their_own_codes() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let (alice_id, bob_id, carol_id) = (id(&alice).await, id(&bob).await, id(&carol).await);
    let dm = alice.open_dm(&[bob_id]).await.unwrap().id;
    alice.say(dm, "hi bob").await.unwrap();

    // Bob blocks alice: she cannot post in their DM nor open one; neither can he.
    bob.block(alice_id).await.unwrap();
    assert_eq!(bob.blocks().await.unwrap()[0].id, alice_id);
    assert_eq!(code(alice.say(dm, "hello?").await), "blocked");
    assert_eq!(code(bob.say(dm, "go away").await), "blocked");
    assert_eq!(code(alice.open_dm(&[bob_id]).await), "blocked");
    assert_eq!(code(alice.open_dm(&[bob_id, carol_id]).await), "blocked");
    // The history stays readable; bob's clients learn whom to collapse from ready.
    assert_eq!(bob.messages(dm, Default::default()).await.unwrap().len(), 1);
    let mut gw = Gateway::connect(&bob).await.unwrap();
    assert_eq!(gw.ready().blocked_user_ids, vec![alice_id]);
    assert_eq!(code(bob.block(Id(42)).await), "not_found");
    assert_eq!(code(bob.block(bob_id).await), "invalid_body");
    // Unblocked: the DM takes messages again; unblocking twice is 404. Bob's open session
    // (another device) is told at once, and nobody else is.
    let mut alice_gw = Gateway::connect(&alice).await.unwrap();
    bob.unblock(alice_id).await.unwrap();
    let mut told = None;
    while let Some((_, ev)) = gw.next_dispatch(Duration::from_secs(5)).await {
        if let Dispatch::UserSettingsUpdate(u) = ev {
            told = Some(u);
            break;
        }
    }
    let told = told.expect("USER_SETTINGS_UPDATE after the unblock");
    assert!(told.blocked_user_ids.is_empty());
    assert!(told.user_settings.allow_dms);
    gw.close();
    alice.say(dm, "marker").await.unwrap();
    while let Some((_, ev)) = alice_gw.next_dispatch(Duration::from_secs(5)).await {
        match ev {
            Dispatch::UserSettingsUpdate(_) => panic!("alice was told of bob's block list"),
            Dispatch::MessageCreate(m) if m.content == "marker" => break,
            _ => {}
        }
    }
    alice_gw.close();
    assert_eq!(code(bob.unblock(alice_id).await), "not_found");
    alice.say(dm, "friends again").await.unwrap();
    assert!(bob.blocks().await.unwrap().is_empty());

    // Carol turns DMs from members off: nobody can open a new one with her.
    assert!(carol.user_settings().await.unwrap().allow_dms);
    let s = carol
        .patch_user_settings(&PatchUserSettings {
            allow_dms: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!s.allow_dms);
    assert!(!carol.user_settings().await.unwrap().allow_dms);
    assert_eq!(code(alice.open_dm(&[carol_id]).await), "dms_disabled");
    assert_eq!(
        code(alice.open_dm(&[bob_id, carol_id]).await),
        "dms_disabled"
    );
    // She can still start one herself.
    carol.open_dm(&[alice_id]).await.unwrap();
}

#[tokio::test]
async fn a_kick_leaves_the_dm_readable_but_closed() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = id(&bob).await;
    let dm = alice.open_dm(&[bob_id]).await.unwrap();
    assert!(dm.open);
    bob.say(dm.id, "see you").await.unwrap();
    owner.kick(bob_id, None).await.unwrap();

    let history = alice.messages(dm.id, Default::default()).await.unwrap();
    assert_eq!(history[0].content, "see you");
    assert_eq!(
        code(alice.say(dm.id, "bob?").await),
        "recipient_unavailable"
    );
    let listed = alice.dms().await.unwrap();
    assert_eq!(listed[0].id, dm.id);
    assert!(!listed[0].open);
    assert_eq!(code(alice.open_dm(&[bob_id]).await), "not_found");
}

#[tokio::test]
async fn opening_new_dms_is_rate_limited_per_member() {
    let d = TestDaemon::start_with(&[("SPECTRUS_RATE_LIMITS", "on")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let (owner_id, bob_id) = (id(&owner).await, id(&bob).await);
    // The default is 10 a minute, two at once.
    let dm = alice.open_dm(&[bob_id]).await.unwrap();
    alice.open_dm(&[bob_id, owner_id]).await.unwrap();
    assert_eq!(
        code(alice.open_dm(&[bob_id, owner_id]).await),
        "rate_limited"
    );
    // Asking for the pair's existing DM creates nothing and is not limited.
    assert_eq!(alice.open_dm(&[bob_id]).await.unwrap().id, dm.id);
}

#[tokio::test]
async fn search_stays_private_with_many_conversations() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let alice = d.member(&owner, "alice").await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let (owner_id, bob_id) = (id(&owner).await, id(&bob).await);
    // More conversations than search excludes inside the index: each one carol is not in.
    let mut last = Id(0);
    for _ in 0..70 {
        last = alice.open_dm(&[bob_id, owner_id]).await.unwrap().id;
    }
    alice.say(last, "the quux secret").await.unwrap();
    owner
        .say(general(&owner).await, "a public quux")
        .await
        .unwrap();
    let found = carol.search_messages(&search("quux")).await.unwrap();
    assert_eq!(found.total, 1, "{found:?}");
    assert_eq!(found.messages[0].message.content, "a public quux");
    assert_eq!(bob.search_messages(&search("quux")).await.unwrap().total, 2);
}
