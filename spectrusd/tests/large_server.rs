//! Large-server mode (issue 20) against the real daemon: above `limits.large_server_members`
//! `ready` carries no member list, presence goes only to sessions watching the member
//! (`watch_members`), and the member list pages on demand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_client::{Client, Gateway, GatewayEvent};
use spectrus_proto::Id;
use spectrus_proto::gateway::{ClientFrame, Dispatch, MembersChunk, WatchMembers};
use spectrus_proto::model::Presence;
use spectrus_testkit::{TestDaemon, general};

const WAIT: Duration = Duration::from_secs(5);

/// A daemon that counts as large above 5 members, with its owner and `others` more members.
async fn server(others: usize) -> (TestDaemon, Client, Vec<Client>) {
    let d = TestDaemon::start_with(&[("SPECTRUS_LARGE_SERVER_MEMBERS", "5")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let mut members = Vec::new();
    for i in 0..others {
        members.push(d.member(&owner, &format!("member{i}")).await.unwrap());
    }
    (d, owner, members)
}

/// Every dispatch up to and including the message `marker`, posted by `poster` now: what
/// the session got before it.
async fn until_marker(gw: &mut Gateway, poster: &Client, marker: &str) -> Vec<Dispatch> {
    let ch = general(poster).await;
    poster.say(ch, marker).await.unwrap();
    let mut got = Vec::new();
    loop {
        let (_, d) = gw
            .next_dispatch(WAIT)
            .await
            .unwrap_or_else(|| panic!("no {marker} within {WAIT:?}"));
        let done = matches!(&d, Dispatch::MessageCreate(m) if m.content == marker);
        got.push(d);
        if done {
            return got;
        }
    }
}

fn presence_of(events: &[Dispatch], user: Id) -> Vec<Presence> {
    events
        .iter()
        .filter_map(|d| match d {
            Dispatch::PresenceUpdate(p) if p.user_id == user => Some(p.status),
            _ => None,
        })
        .collect()
}

/// The next `members_chunk`, skipping dispatches.
async fn chunk(gw: &mut Gateway) -> MembersChunk {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, gw.next_event()).await {
            Ok(Some(GatewayEvent::Members(c))) => return c,
            Ok(Some(_)) => {}
            _ => panic!("no members_chunk within {WAIT:?}"),
        }
    }
}

#[tokio::test]
async fn a_login_reaches_only_the_sessions_watching_it() {
    let (_d, owner, m) = server(7).await;
    let (alice, bob, carol) = (&m[0], &m[1], &m[2]);
    let bob_id = bob.me().await.unwrap().id;
    let carol_id = carol.me().await.unwrap().id;

    let mut gw = Gateway::connect(alice).await.unwrap();
    let ready = gw.ready().clone();
    assert!(ready.large, "8 members above a threshold of 5 is large");
    assert!(ready.members.is_empty(), "ready carries no member list");
    assert_eq!(ready.member_count, 8);

    // Alice watches Carol only.
    gw.send(ClientFrame::WatchMembers(WatchMembers {
        user_ids: vec![carol_id],
        ..WatchMembers::default()
    }));
    let c = chunk(&mut gw).await;
    assert_eq!(c.range_len, 0);
    assert_eq!(c.members.len(), 1);
    assert_eq!(c.members[0].user.id, carol_id);
    assert_eq!(c.members[0].presence, Presence::Offline);

    // Bob logs in: nobody watches him, so Alice hears nothing of it.
    let bob_gw = Gateway::connect(bob).await.unwrap();
    let seen = until_marker(&mut gw, &owner, "after bob").await;
    assert_eq!(presence_of(&seen, bob_id), vec![]);

    // Carol logs in and out: Alice watches her and sees both.
    let carol_gw = Gateway::connect(carol).await.unwrap();
    let seen = until_marker(&mut gw, &owner, "after carol").await;
    assert_eq!(presence_of(&seen, carol_id), vec![Presence::Online]);
    carol_gw.close();
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut offline = false;
    while !offline {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let (_, d) = gw
            .next_dispatch(left)
            .await
            .expect("carol's offline presence");
        offline = matches!(d, Dispatch::PresenceUpdate(p) if p.user_id == carol_id && p.status == Presence::Offline);
    }

    // Watching a range replaces the user list: the first three members by id, with Bob
    // among them now online.
    gw.send(ClientFrame::WatchMembers(WatchMembers {
        offset: 0,
        limit: 3,
        user_ids: vec![],
    }));
    let c = chunk(&mut gw).await;
    assert_eq!(c.range_len, 3);
    assert_eq!(c.member_count, 8);
    let ids: Vec<Id> = c.members.iter().map(|m| m.user.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "the range is in id order");
    let page = owner.members(None, 3).await.unwrap();
    assert_eq!(
        ids,
        page.iter().map(|m| m.user.id).collect::<Vec<_>>(),
        "the range is the member list's first page"
    );
    let bob_member = c.members.iter().find(|m| m.user.id == bob_id).unwrap();
    assert_eq!(bob_member.presence, Presence::Online);
    drop(bob_gw);
}

#[tokio::test]
async fn the_member_list_pages_and_a_small_server_is_unchanged() {
    let (d, owner, _m) = server(7).await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = owner.members(after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        after = Some(page.last().unwrap().user.id);
        seen.extend(page.into_iter().map(|m| m.user.id));
    }
    assert_eq!(seen.len(), 8);
    seen.dedup();
    assert_eq!(seen.len(), 8, "no member twice");
    drop(d);

    // At or below the threshold: the full list in ready, presence to everyone.
    let (_d, owner, m) = server(3).await;
    let mut gw = Gateway::connect(&m[0]).await.unwrap();
    assert!(!gw.ready().large);
    assert_eq!(gw.ready().members.len(), 4);
    let bob_id = m[1].me().await.unwrap().id;
    let _bob = Gateway::connect(&m[1]).await.unwrap();
    let seen = until_marker(&mut gw, &owner, "after bob").await;
    assert_eq!(presence_of(&seen, bob_id), vec![Presence::Online]);
}
