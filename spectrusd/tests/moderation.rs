//! Moderation against the real daemon: kick, ban and timeout take effect on live sessions
//! within a second; the audit log records it all, filterable and paginated.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use spectrus_client::{Gateway, GatewayEvent};
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::rest::{AuditQuery, CreateInvite, PatchMember};
use spectrus_testkit::{PASSWORD, TestDaemon};
use spectrus_testkit::{code, general};

fn time_in(secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Waits (at most a second) for the gateway to be closed by the server; answers the code.
async fn closed_within_a_second(gw: &mut Gateway) -> u16 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        match tokio::time::timeout_at(deadline, gw.next_event()).await {
            Ok(Some(GatewayEvent::Closed { code, .. })) => return code,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the gateway ended without a close code"),
            Err(_) => panic!("the gateway was not closed within a second"),
        }
    }
}

#[tokio::test]
async fn kick_ends_sessions_at_once_and_a_new_invite_lets_back_in() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let mut watcher = Gateway::connect(&owner).await.unwrap();
    let mut gw = Gateway::connect(&bob).await.unwrap();

    let started = Instant::now();
    owner.kick(bob_id, Some("flooding")).await.unwrap();
    assert_eq!(closed_within_a_second(&mut gw).await, 4004);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(code(bob.me().await), "unauthorized");
    assert_eq!(code(bob.refresh().await), "unauthorized");
    assert_eq!(code(owner.member(bob_id).await), "not_found");
    loop {
        let (_, ev) = watcher
            .next_dispatch(Duration::from_secs(5))
            .await
            .expect("MEMBER_REMOVE");
        if matches!(ev, Dispatch::MemberRemove(ref r) if r.id == bob_id) {
            break;
        }
    }

    // Logging in works, but the account is no member until it uses a new invite.
    let again = d.client();
    again.login("bob", PASSWORD).await.unwrap();
    assert_eq!(code(again.channels().await), "unauthorized");
    assert_eq!(code(again.accept_invite("nope").await), "not_found");
    let invite = owner.create_invite(&CreateInvite::default()).await.unwrap();
    again.accept_invite(&invite.code).await.unwrap();
    assert!(!again.channels().await.unwrap().is_empty());
    assert!(owner.member(bob_id).await.unwrap().roles.is_empty());
}

#[tokio::test]
async fn ban_ends_sessions_and_blocks_rejoining_until_unbanned() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let carol_id = carol.me().await.unwrap().id;
    let mut gw = Gateway::connect(&carol).await.unwrap();

    owner.ban(carol_id, Some("spam links")).await.unwrap();
    assert_eq!(closed_within_a_second(&mut gw).await, 4004);
    assert_eq!(code(carol.me().await), "unauthorized");
    assert_eq!(code(carol.refresh().await), "unauthorized");
    let bans = owner.bans().await.unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].user.id, carol_id);
    assert_eq!(bans[0].reason.as_deref(), Some("spam links"));
    let again = d.client();
    assert_eq!(code(again.login("carol", PASSWORD).await), "forbidden");

    owner.unban(carol_id, Some("second chance")).await.unwrap();
    assert!(owner.bans().await.unwrap().is_empty());
    assert_eq!(code(owner.unban(carol_id, None).await), "not_found");
    again.login("carol", PASSWORD).await.unwrap();
    assert_eq!(code(again.channels().await), "unauthorized");
    let invite = owner.create_invite(&CreateInvite::default()).await.unwrap();
    again.accept_invite(&invite.code).await.unwrap();
    assert!(!again.channels().await.unwrap().is_empty());
}

#[tokio::test]
async fn timeout_stops_posting_reacting_and_typing_at_once_but_not_reading() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let dave = d.member(&owner, "dave").await.unwrap();
    let dave_id = dave.me().await.unwrap().id;
    let ch = general(&owner).await;
    let m = owner.say(ch, "hello dave").await.unwrap();
    let mut gw = Gateway::connect(&dave).await.unwrap();

    let until = time_in(3600);
    let started = Instant::now();
    let member = owner
        .patch_member(
            dave_id,
            &PatchMember {
                timeout_until: Some(Some(until)),
                ..Default::default()
            },
            Some("cool down"),
        )
        .await
        .unwrap();
    assert!(member.timeout_until.is_some());
    assert_eq!(
        code(dave.say(ch, "let me speak").await),
        "missing_permission"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(code(dave.react(ch, m.id, "👍").await), "missing_permission");
    assert_eq!(code(dave.typing(ch).await), "missing_permission");
    assert_eq!(
        code(dave.create_invite(&CreateInvite::default()).await),
        "missing_permission"
    );
    // Reading goes on.
    assert!(!dave.channels().await.unwrap().is_empty());
    assert_eq!(
        dave.messages(ch, Default::default()).await.unwrap()[0].id,
        m.id
    );
    loop {
        let (_, ev) = gw
            .next_dispatch(Duration::from_secs(5))
            .await
            .expect("MEMBER_UPDATE");
        if let Dispatch::MemberUpdate(mm) = ev
            && mm.user.id == dave_id
        {
            assert!(mm.timeout_until.is_some());
            break;
        }
    }
    // Timeouts are in the future and at most 28 days away.
    for bad in [time_in(-60), time_in(29 * 24 * 3600), "tomorrow".into()] {
        assert_eq!(
            code(
                owner
                    .patch_member(
                        dave_id,
                        &PatchMember {
                            timeout_until: Some(Some(bad)),
                            ..Default::default()
                        },
                        None,
                    )
                    .await
            ),
            "validation_failed"
        );
    }
    // Lifting it restores everything.
    owner
        .patch_member(
            dave_id,
            &PatchMember {
                timeout_until: Some(None),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    dave.say(ch, "thanks").await.unwrap();
    // A short timeout ends by itself.
    owner
        .patch_member(
            dave_id,
            &PatchMember {
                timeout_until: Some(Some(time_in(2))),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(code(dave.say(ch, "x").await), "missing_permission");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    dave.say(ch, "back").await.unwrap();
}

#[tokio::test]
async fn the_audit_log_records_who_did_what_with_reasons_filters_and_pages() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let owner_id = owner.me().await.unwrap().id;
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let eve = d.member(&owner, "eve").await.unwrap();
    let eve_id = eve.me().await.unwrap().id;
    let ch = general(&owner).await;
    let m = bob.say(ch, "something rude").await.unwrap();

    owner.delete_message(ch, m.id).await.unwrap();
    owner
        .patch_member(
            bob_id,
            &PatchMember {
                nick: Some(Some("Bobby".into())),
                ..Default::default()
            },
            Some("his request"),
        )
        .await
        .unwrap();
    owner.kick(eve_id, Some("too much spam")).await.unwrap();
    owner.ban(eve_id, Some("came back")).await.unwrap();

    // Only with audit_log:view.
    assert_eq!(
        code(bob.audit_log(&AuditQuery::default()).await),
        "missing_permission"
    );

    let all = owner.audit_log(&AuditQuery::default()).await.unwrap();
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    for want in [
        "member.ban",
        "member.kick",
        "member.update",
        "message.delete",
        "invite.create",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let kick = all.iter().find(|e| e.action == "member.kick").unwrap();
    assert_eq!(kick.actor_id, Some(owner_id));
    assert_eq!(kick.target_id.as_deref(), Some(eve_id.to_string().as_str()));
    assert_eq!(kick.reason.as_deref(), Some("too much spam"));
    let nick = all.iter().find(|e| e.action == "member.update").unwrap();
    assert_eq!(nick.reason.as_deref(), Some("his request"));
    assert_eq!(nick.changes["after"]["nick"], "Bobby");
    assert_eq!(nick.changes["before"]["nick"], serde_json::Value::Null);
    assert!(!nick.created_at.is_empty());

    let bans = owner
        .audit_log(&AuditQuery {
            action: Some("member.ban".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].reason.as_deref(), Some("came back"));
    let by_bob = owner
        .audit_log(&AuditQuery {
            actor_id: Some(bob_id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_bob.is_empty());

    // Pages of two cover everything once.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = owner
            .audit_log(&AuditQuery {
                before,
                limit: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        before = page.last().map(|e| e.id);
        paged.extend(page);
    }
    assert_eq!(paged, all);
    assert_eq!(
        code(
            owner
                .audit_log(&AuditQuery {
                    limit: Some(0),
                    ..Default::default()
                })
                .await
        ),
        "validation_failed"
    );
}
