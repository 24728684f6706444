//! The live gateway against the real daemon: delivery, typing, presence, resume.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use spectrus_client::{Gateway, GatewayEvent};
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::Presence;
use spectrus_testkit::TestDaemon;
use spectrus_testkit::general;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const WAIT: Duration = Duration::from_secs(5);

/// The next dispatch that matches `pred`, skipping others.
async fn expect(gw: &mut Gateway, what: &str, pred: impl Fn(&Dispatch) -> bool) -> (u64, Dispatch) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match gw.next_dispatch(left).await {
            Some((s, d)) if pred(&d) => return (s, d),
            Some(_) => {}
            None => panic!("no {what} within {WAIT:?}"),
        }
    }
}

#[tokio::test]
async fn ready_then_live_messages_edits_deletes_typing_and_reactions() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = general(&owner).await;
    let first = owner.say(ch, "before bob connects").await.unwrap();

    let mut gw = Gateway::connect(&bob).await.unwrap();
    let ready = gw.ready().clone();
    assert_eq!(ready.user.username, "bob");
    assert!(ready.channels.iter().any(|c| c.id == ch));
    assert_eq!(ready.member_count, 2);
    let rs = ready
        .read_states
        .iter()
        .find(|r| r.channel_id == ch)
        .unwrap();
    assert_eq!(rs.unread_count, 1);

    let m = owner
        .say(ch, &format!("hey <@{}>", bob.me().await.unwrap().id))
        .await
        .unwrap();
    let (s1, ev) = expect(&mut gw, "MESSAGE_CREATE", |d| {
        matches!(d, Dispatch::MessageCreate(_))
    })
    .await;
    let Dispatch::MessageCreate(got) = ev else {
        unreachable!()
    };
    assert_eq!(got.id, m.id);
    owner.edit_message(ch, m.id, "hey again").await.unwrap();
    let (s2, ev) = expect(&mut gw, "MESSAGE_UPDATE", |d| {
        matches!(d, Dispatch::MessageUpdate(_))
    })
    .await;
    assert!(s2 > s1);
    let Dispatch::MessageUpdate(got) = ev else {
        unreachable!()
    };
    assert_eq!(got.content, "hey again");
    owner.typing(ch).await.unwrap();
    expect(
        &mut gw,
        "TYPING_START",
        |d| matches!(d, Dispatch::TypingStart(t) if t.channel_id == ch),
    )
    .await;
    owner.react(ch, m.id, "🔥").await.unwrap();
    expect(
        &mut gw,
        "REACTION_ADD",
        |d| matches!(d, Dispatch::ReactionAdd(r) if r.emoji == "🔥"),
    )
    .await;
    owner.delete_message(ch, m.id).await.unwrap();
    expect(
        &mut gw,
        "MESSAGE_DELETE",
        |d| matches!(d, Dispatch::MessageDelete(x) if x.id == m.id),
    )
    .await;

    // Read state: acking clears the unread count in the next ready.
    bob.ack(ch, first.id).await.unwrap();
    let gw2 = Gateway::connect(&bob).await.unwrap();
    let rs = gw2
        .ready()
        .read_states
        .iter()
        .find(|r| r.channel_id == ch)
        .unwrap()
        .clone();
    assert_eq!(rs.last_read_id, Some(first.id));
    assert_eq!(
        rs.unread_count, 0,
        "the only message after the ack was deleted"
    );
}

#[tokio::test]
async fn presence_follows_the_gateway() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let mut watcher = Gateway::connect(&owner).await.unwrap();
    assert_eq!(
        owner.member(bob_id).await.unwrap().presence,
        Presence::Offline
    );

    let bob_gw = Gateway::connect(&bob).await.unwrap();
    expect(&mut watcher, "online", |d| matches!(d, Dispatch::PresenceUpdate(p) if p.user_id == bob_id && p.status == Presence::Online)).await;
    assert_eq!(
        owner.member(bob_id).await.unwrap().presence,
        Presence::Online
    );
    bob_gw.close();
    expect(&mut watcher, "offline", |d| matches!(d, Dispatch::PresenceUpdate(p) if p.user_id == bob_id && p.status == Presence::Offline)).await;
}

#[tokio::test]
async fn resume_after_a_dropped_socket_misses_and_duplicates_nothing() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = general(&owner).await;
    let mut gw = Gateway::connect(&bob).await.unwrap();

    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(owner.say(ch, &format!("a{i}")).await.unwrap().id);
    }
    let mut got = Vec::new();
    while got.len() < 5 {
        let (_, ev) = expect(&mut gw, "message", |d| {
            matches!(d, Dispatch::MessageCreate(_))
        })
        .await;
        if let Dispatch::MessageCreate(m) = ev {
            got.push(m.id);
        }
    }
    gw.drop_connection();
    // While bob is away, 20 more messages.
    for i in 0..20 {
        sent.push(owner.say(ch, &format!("b{i}")).await.unwrap().id);
    }
    let mut resumed = false;
    let mut seqs = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got.len() < 25 && tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(WAIT, gw.next_event()).await {
            Ok(Some(GatewayEvent::Resumed)) => resumed = true,
            Ok(Some(GatewayEvent::Dispatch {
                seq,
                event: Dispatch::MessageCreate(m),
            })) => {
                seqs.push(seq);
                got.push(m.id);
            }
            Ok(Some(GatewayEvent::Ready(_))) => {
                panic!("the session should have resumed, not restarted")
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    assert!(resumed, "a Resumed event");
    assert_eq!(got, sent, "every message once, in order");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn unknown_session_gets_invalid_session_and_identify_works() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let url = owner.gateway_url();
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let hello = ws.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("heartbeat_interval_ms"));
    let token = owner.access_token().unwrap();
    let resume =
        serde_json::json!({"op": "resume", "d": {"token": token, "session_id": "nope", "seq": 3}});
    ws.send(WsMessage::Text(resume.to_string().into()))
        .await
        .unwrap();
    let inv = ws.next().await.unwrap().unwrap();
    assert!(inv.to_text().unwrap().contains("invalid_session"));
    let identify = serde_json::json!({"op": "identify", "d": {"token": token}});
    ws.send(WsMessage::Text(identify.to_string().into()))
        .await
        .unwrap();
    let ready = ws.next().await.unwrap().unwrap();
    assert!(ready.to_text().unwrap().contains(r#""op":"ready""#));
}

async fn close_code(url: &str, frames: &[&str]) -> u16 {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let _hello = ws.next().await;
    for f in frames {
        ws.send(WsMessage::Text((*f).into())).await.unwrap();
    }
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(WsMessage::Close(Some(f))))) => return u16::from(f.code),
            Ok(Some(Ok(_))) => {}
            other => panic!("no close frame: {other:?}"),
        }
    }
}

#[tokio::test]
async fn bad_frames_get_the_documented_close_codes() {
    let d = TestDaemon::start_with(&[("SPECTRUS_HEARTBEAT_INTERVAL_MS", "1000")])
        .await
        .unwrap();
    let owner = d.owner().await.unwrap();
    let url = owner.gateway_url();
    assert_eq!(close_code(&url, &["not json"]).await, 4002);
    assert_eq!(close_code(&url, &[r#"{"op":"dance","d":{}}"#]).await, 4001);
    assert_eq!(
        close_code(&url, &[r#"{"op":"voice_leave","d":{}}"#]).await,
        4003
    );
    assert_eq!(
        close_code(&url, &[r#"{"op":"identify","d":{"token":"forged"}}"#]).await,
        4004
    );
    assert_eq!(
        close_code(&url, &[r#"{"op":"identify","d":{"nope":1}}"#]).await,
        4002
    );
    // Over the 64 KiB message limit.
    let huge = format!(
        r#"{{"op":"heartbeat","d":{{"pad":"{}"}}}}"#,
        "x".repeat(70_000)
    );
    assert_eq!(close_code(&url, &[&huge]).await, 1009);
    // No heartbeat for two intervals.
    let identify = format!(
        r#"{{"op":"identify","d":{{"token":"{}"}}}}"#,
        owner.access_token().unwrap()
    );
    assert_eq!(close_code(&url, &[&identify]).await, 4009);
}

#[tokio::test]
async fn a_restart_keeps_everything() {
    let mut d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = general(&owner).await;
    let m = bob.say(ch, "remember me").await.unwrap();
    owner.react(ch, m.id, "💾").await.unwrap();
    // A crash right after the 201: the write was durable.
    d.restart().await.unwrap();
    let again = d.client();
    again
        .login("bob", spectrus_testkit::PASSWORD)
        .await
        .unwrap();
    let msgs = again.messages(ch, Default::default()).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].content, "remember me");
    assert_eq!(msgs[0].reactions[0].emoji, "💾");
    assert!(
        !again.server().await.unwrap().setup_required,
        "the owner is still claimed"
    );
    // Old access tokens still verify: the secret was kept in the data directory.
    assert!(owner.me().await.is_ok());
    let secret = d.data_dir.join("jwt_secret");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
