//! Channels and messages against the real daemon.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use spectrus_client::{ClientError, HistoryQuery};
use spectrus_proto::Id;
use spectrus_proto::model::{ChannelType, Message};
use spectrus_proto::rest::{ChannelPosition, CreateChannel, CreateMessage, PatchChannel};
use spectrus_testkit::TestDaemon;
use spectrus_testkit::{code, general};

#[tokio::test]
async fn channels_and_categories_can_be_managed_by_the_owner_only() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();

    let cat = owner
        .create_channel(&CreateChannel::new("Projects", ChannelType::Category))
        .await
        .unwrap();
    let text = owner
        .create_channel(&CreateChannel {
            topic: Some("crabs".into()),
            parent_id: Some(cat.id),
            ..CreateChannel::new("rust", ChannelType::Text)
        })
        .await
        .unwrap();
    let voice = owner
        .create_channel(&CreateChannel {
            parent_id: Some(cat.id),
            user_limit: Some(5),
            bitrate: Some(64_000),
            ..CreateChannel::new("Standup", ChannelType::Voice)
        })
        .await
        .unwrap();
    assert_eq!(text.parent_id, Some(cat.id));
    assert_eq!(voice.user_limit, Some(5));

    // A member cannot manage channels.
    let denied = bob
        .create_channel(&CreateChannel::new("mine", ChannelType::Text))
        .await;
    match denied {
        Err(ClientError::Api { status: 403, body }) => {
            assert_eq!(body.error.permission.as_deref(), Some("channels:manage"))
        }
        other => panic!("{other:?}"),
    }
    // A channel cannot be the parent of a channel.
    let bad = owner
        .create_channel(&CreateChannel {
            parent_id: Some(text.id),
            ..CreateChannel::new("x", ChannelType::Text)
        })
        .await;
    assert_eq!(code(bad), "validation_failed");

    // PATCH: absent leaves alone, null clears.
    let p = owner
        .patch_channel(
            text.id,
            &PatchChannel {
                name: Some("rustaceans".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (p.name.as_str(), p.topic.as_deref()),
        ("rustaceans", Some("crabs"))
    );
    let raw: PatchChannel = serde_json::from_str(r#"{"topic": null, "parent_id": null}"#).unwrap();
    let p = owner.patch_channel(text.id, &raw).await.unwrap();
    assert_eq!((p.topic, p.parent_id), (None, None));

    // Reorder in one transaction; an unknown id fails the whole batch.
    let bad = owner
        .reorder_channels(&[
            ChannelPosition {
                id: text.id,
                position: 50,
                parent_id: None,
            },
            ChannelPosition {
                id: Id(1),
                position: 0,
                parent_id: None,
            },
        ])
        .await;
    assert_eq!(code(bad), "not_found");
    assert_ne!(
        owner
            .channels()
            .await
            .unwrap()
            .iter()
            .find(|c| c.id == text.id)
            .unwrap()
            .position,
        50
    );
    let all = owner
        .reorder_channels(&[
            ChannelPosition {
                id: text.id,
                position: 50,
                parent_id: Some(Some(cat.id)),
            },
            ChannelPosition {
                id: voice.id,
                position: 51,
                parent_id: None,
            },
        ])
        .await
        .unwrap();
    let t = all.iter().find(|c| c.id == text.id).unwrap();
    assert_eq!((t.position, t.parent_id), (50, Some(cat.id)));

    // Delete a category: its children move to the top level.
    owner.delete_channel(cat.id).await.unwrap();
    let all = bob.channels().await.unwrap();
    assert!(all.iter().all(|c| c.id != cat.id));
    assert_eq!(
        all.iter().find(|c| c.id == text.id).unwrap().parent_id,
        None
    );
    assert_eq!(code(owner.delete_channel(cat.id).await), "not_found");
}

#[tokio::test]
async fn messages_post_edit_delete_react_reply_mention() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let ch = general(&owner).await;

    let m = owner
        .say(ch, &format!("hello <@{bob_id}> and <@123>"))
        .await
        .unwrap();
    assert_eq!(m.mentions, vec![bob_id], "only members are mentioned");
    assert_eq!(m.author.username, "owner");

    let reply = bob
        .send_message(
            ch,
            &CreateMessage {
                content: "hi!".into(),
                reply_to: Some(m.id),
                nonce: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(reply.reply_to, Some(m.id));
    assert_eq!(
        code(
            bob.send_message(
                ch,
                &CreateMessage {
                    content: "x".into(),
                    reply_to: Some(Id(42)),
                    nonce: None
                }
            )
            .await
        ),
        "validation_failed"
    );

    // Only the author edits; anyone without messages:manage deletes only their own.
    assert_eq!(
        code(bob.edit_message(ch, m.id, "hacked").await),
        "forbidden"
    );
    let edited = owner.edit_message(ch, m.id, "hello again").await.unwrap();
    assert!(edited.edited_at.is_some());
    assert!(edited.mentions.is_empty());
    assert_eq!(
        code(bob.delete_message(ch, m.id).await),
        "missing_permission"
    );

    bob.react(ch, m.id, "👍").await.unwrap();
    owner.react(ch, m.id, "👍").await.unwrap();
    bob.react(ch, m.id, "🎉").await.unwrap();
    let seen: Vec<Message> = bob
        .messages(
            ch,
            HistoryQuery {
                around: Some(m.id),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = &seen.iter().find(|x| x.id == m.id).unwrap().reactions;
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].emoji.as_str(), r[0].count, r[0].me), ("👍", 2, true));
    bob.unreact(ch, m.id, "👍").await.unwrap();
    let seen = owner.messages(ch, HistoryQuery::default()).await.unwrap();
    let r = &seen.iter().find(|x| x.id == m.id).unwrap().reactions;
    assert_eq!((r[0].count, r[0].me), (1, true));
    assert_eq!(
        code(bob.react(ch, m.id, "bad emoji").await),
        "validation_failed"
    );

    bob.delete_message(ch, reply.id).await.unwrap();
    owner.delete_message(ch, m.id).await.unwrap();
    assert!(
        owner
            .messages(ch, HistoryQuery::default())
            .await
            .unwrap()
            .is_empty()
    );

    // Content limits.
    assert_eq!(code(owner.say(ch, "   ").await), "validation_failed");
    assert_eq!(
        code(owner.say(ch, &"x".repeat(4001)).await),
        "validation_failed"
    );
    assert!(owner.say(ch, &"é".repeat(4000)).await.is_ok());
    // Unknown channel, and a category, carry no messages.
    assert_eq!(code(owner.say(Id(7), "x").await), "not_found");
    let cat = owner
        .channels()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == ChannelType::Category)
        .unwrap();
    assert_eq!(code(owner.say(cat.id, "x").await), "invalid_body");
    // Voice channels carry the chat beside the call.
    let voice = spectrus_testkit::lounge(&owner).await;
    assert!(owner.say(voice.id, "joining in 5").await.is_ok());
}

#[tokio::test]
async fn nonce_deduplicates_per_author() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let ch = general(&owner).await;
    let req = CreateMessage {
        content: "once".into(),
        reply_to: None,
        nonce: Some("n-1".into()),
    };
    let a = owner.send_message(ch, &req).await.unwrap();
    let b = owner.send_message(ch, &req).await.unwrap();
    assert_eq!(a.id, b.id);
    let c = bob.send_message(ch, &req).await.unwrap();
    assert_ne!(a.id, c.id, "another author's nonce is theirs");
    assert_eq!(
        owner
            .messages(ch, HistoryQuery::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn pagination_is_complete_over_1000_messages() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let ch = general(&owner).await;
    let mut posted = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let c = owner.clone();
        tasks.spawn(async move { c.say(ch, &format!("message {i}")).await.map(|m| m.id) });
        if tasks.len() >= 32 {
            posted.push(tasks.join_next().await.unwrap().unwrap().unwrap());
        }
    }
    while let Some(r) = tasks.join_next().await {
        posted.push(r.unwrap().unwrap());
    }
    posted.sort();

    // Backwards with `before`, pages of 100: every message once, newest first.
    let mut seen: Vec<Id> = spectrus_testkit::history_backwards(&owner, ch, 100)
        .await
        .iter()
        .map(|m| m.id)
        .collect();
    seen.reverse();
    assert_eq!(seen, posted);

    // Forwards with `after`, pages of 37.
    let fwd: Vec<Id> = spectrus_testkit::history_forwards(&owner, ch, 37)
        .await
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(fwd, posted);
    assert_eq!(fwd.iter().collect::<HashSet<_>>().len(), 1000);

    // Around: the message itself and its neighbours.
    let mid = posted[500];
    let page = owner
        .messages(
            ch,
            HistoryQuery {
                around: Some(mid),
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ids: Vec<Id> = page.iter().rev().map(|m| m.id).collect();
    assert_eq!(ids, posted[495..505].to_vec());

    // Bad queries.
    assert_eq!(
        code(
            owner
                .messages(
                    ch,
                    HistoryQuery {
                        limit: Some(101),
                        ..Default::default()
                    }
                )
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        code(
            owner
                .messages(
                    ch,
                    HistoryQuery {
                        before: Some(mid),
                        after: Some(mid),
                        ..Default::default()
                    }
                )
                .await
        ),
        "invalid_body"
    );
}
