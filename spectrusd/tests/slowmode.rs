//! Per-channel slowmode against the real daemon: moderators set it (validated, audited,
//! kept across a restart); a member who posted less than N seconds ago gets 429 `slowmode`
//! with `Retry-After` and the `X-RateLimit-*` headers, even though the test kit turns the
//! per-user rate limits off; members with `messages:manage` are exempt.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use spectrus_proto::Permission;
use spectrus_proto::admin::CreateRole;
use spectrus_proto::model::ChannelType;
use spectrus_proto::rest::{AuditQuery, CreateChannel, PatchChannel};
use spectrus_testkit::{TestDaemon, code, text_channel};

fn slow_channel(name: &str, seconds: i64) -> CreateChannel {
    CreateChannel {
        slowmode_seconds: Some(seconds),
        ..CreateChannel::new(name, ChannelType::Text)
    }
}

fn set(seconds: i64) -> PatchChannel {
    PatchChannel {
        slowmode_seconds: Some(seconds),
        ..Default::default()
    }
}

#[tokio::test]
async fn moderators_set_slowmode_validated_audited_and_kept() {
    let mut d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();

    let ch = owner
        .create_channel(&slow_channel("slow", 30))
        .await
        .unwrap();
    assert_eq!(ch.slowmode_seconds, 30);
    let plain = text_channel(&owner, "plain").await;
    let listed = owner.channels().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .find(|c| c.id == plain)
            .unwrap()
            .slowmode_seconds,
        0,
        "off unless set"
    );

    let ch = owner.patch_channel(ch.id, &set(21_600)).await.unwrap();
    assert_eq!(ch.slowmode_seconds, 21_600);
    // A PATCH without the field leaves it alone.
    let ch = owner
        .patch_channel(
            ch.id,
            &PatchChannel {
                topic: Some(Some("calm down".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ch.slowmode_seconds, 21_600);

    // Out of range: 400 naming the field and the range, on edit and on create.
    for bad in [-1, 21_601, 1_000_000] {
        let e = owner.patch_channel(ch.id, &set(bad)).await.unwrap_err();
        assert_eq!(e.status(), Some(400), "{bad}");
        let text = e.to_string();
        assert!(
            text.contains("slowmode_seconds") && text.contains("21600"),
            "{text}"
        );
        let e = owner
            .create_channel(&slow_channel("bad", bad))
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(400), "{bad}");
    }

    // Only with channels:manage.
    assert_eq!(
        code(bob.patch_channel(ch.id, &set(0)).await),
        "missing_permission"
    );
    assert_eq!(
        code(bob.create_channel(&slow_channel("mine", 5)).await),
        "missing_permission"
    );

    // The change is in the audit log, before and after.
    let ch = owner.patch_channel(ch.id, &set(60)).await.unwrap();
    let updates = owner
        .audit_log(&AuditQuery {
            action: Some("channel.update".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let last = &updates[0];
    assert_eq!(last.target_id.as_deref(), Some(ch.id.to_string().as_str()));
    assert_eq!(last.changes["before"]["slowmode_seconds"], 21_600);
    assert_eq!(last.changes["after"]["slowmode_seconds"], 60);

    // Stored: a restarted daemon still has it, and still enforces it.
    d.restart().await.unwrap();
    let owner = d.client();
    owner
        .login("owner", spectrus_testkit::PASSWORD)
        .await
        .unwrap();
    let after = owner.channels().await.unwrap();
    assert_eq!(
        after
            .iter()
            .find(|c| c.id == ch.id)
            .unwrap()
            .slowmode_seconds,
        60
    );
}

#[tokio::test]
async fn slowmode_holds_members_back_but_not_moderators() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let carol_id = carol.me().await.unwrap().id;
    let ch = owner
        .create_channel(&slow_channel("slow", 3))
        .await
        .unwrap();
    let plain = text_channel(&owner, "plain").await;
    let http = reqwest::Client::new();
    let post = |who: &spectrus_client::Client, channel, content: &str| {
        http.post(format!("{}/api/v1/channels/{channel}/messages", d.url))
            .bearer_auth(who.access_token().unwrap())
            .json(&serde_json::json!({ "content": content }))
            .send()
    };

    // A post refused for another reason (a reply to nothing) does not start the wait.
    let bad_reply = http
        .post(format!("{}/api/v1/channels/{}/messages", d.url, ch.id))
        .bearer_auth(bob.access_token().unwrap())
        .json(&serde_json::json!({ "content": "re", "reply_to": "1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_reply.status(), 400);
    let with_nonce = |nonce: &str| {
        http.post(format!("{}/api/v1/channels/{}/messages", d.url, ch.id))
            .bearer_auth(bob.access_token().unwrap())
            .json(&serde_json::json!({ "content": "first", "nonce": nonce }))
            .send()
    };
    let first = with_nonce("n-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    // Its answer lost, the client retries with the same nonce inside the wait: the same
    // message comes back instead of a 429.
    let again = with_nonce("n-1").await.unwrap();
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(with_nonce("n-2").await.unwrap().status(), 429);
    let refused = post(&bob, ch.id, "second").await.unwrap();
    assert_eq!(refused.status(), 429);
    let h = refused.headers().clone();
    let header = |name: &str| h.get(name).unwrap().to_str().unwrap().to_owned();
    let retry: u64 = header("retry-after").parse().unwrap();
    assert!((1..=3).contains(&retry), "{retry}");
    assert_eq!(header("x-ratelimit-limit"), "1");
    assert_eq!(header("x-ratelimit-remaining"), "0");
    assert!(header("x-ratelimit-reset").parse::<f64>().is_ok());
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "slowmode", "{body}");
    let ms = body["error"]["retry_after_ms"].as_u64().unwrap();
    assert!(ms > 1_000 && ms <= 3_000, "{ms}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("slowmode is on in this channel (3 s between messages)"),
        "{body}"
    );
    // The refused message was not stored.
    let history = bob.messages(ch.id, Default::default()).await.unwrap();
    assert_eq!(history.len(), 1);

    // Per member and per channel: others may post here, bob may post elsewhere.
    assert_eq!(post(&carol, ch.id, "me too").await.unwrap().status(), 201);
    assert_eq!(post(&bob, plain, "a").await.unwrap().status(), 201);
    assert_eq!(post(&bob, plain, "b").await.unwrap().status(), 201);

    // Moderators (messages:manage) are exempt: the owner, and a role granting it.
    for n in 0..4 {
        assert_eq!(
            post(&owner, ch.id, &format!("mod {n}"))
                .await
                .unwrap()
                .status(),
            201
        );
    }
    let mods = owner
        .create_role(&CreateRole {
            name: "mods".into(),
            permissions: [Permission::MessagesManage].into_iter().collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    owner
        .add_member_role(carol_id, mods.id, None)
        .await
        .unwrap();
    for n in 0..3 {
        assert_eq!(
            post(&carol, ch.id, &format!("carol {n}"))
                .await
                .unwrap()
                .status(),
            201
        );
    }

    // Once the wait is over bob may post again, once.
    tokio::time::sleep(Duration::from_millis(ms + 50)).await;
    assert_eq!(post(&bob, ch.id, "again").await.unwrap().status(), 201);
    assert_eq!(post(&bob, ch.id, "too soon").await.unwrap().status(), 429);

    // Turned off: no wait at all.
    owner.patch_channel(ch.id, &set(0)).await.unwrap();
    assert_eq!(post(&bob, ch.id, "free").await.unwrap().status(), 201);
    assert_eq!(post(&bob, ch.id, "free 2").await.unwrap().status(), 201);
}
