//! Mentions against the real daemon: `@everyone`/`@here` only with
//! `messages:mention_everyone`, role mentions for mentionable roles, and the mention counts
//! of read states that honour them.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spectrus_client::{Client, Gateway};
use spectrus_proto::Id;
use spectrus_proto::model::Presence;
use spectrus_proto::permissions::Permission;
use spectrus_proto::rest::{CreateRole, PatchRole};
use spectrus_testkit::{TestDaemon, general};

/// `c`'s mention count in `channel`, as a fresh `ready` tells it.
async fn mentions(c: &Client, channel: Id) -> u64 {
    let gw = Gateway::connect(c).await.unwrap();
    gw.ready()
        .read_states
        .iter()
        .find(|r| r.channel_id == channel)
        .map_or(0, |r| r.mention_count)
}

#[tokio::test]
async fn everyone_and_here_ping_only_with_the_permission() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let carol_id = carol.me().await.unwrap().id;
    let g = general(&owner).await;

    // Without the permission the text stays and nobody is pinged.
    let m = bob.say(g, "hey @everyone look").await.unwrap();
    assert_eq!(m.content, "hey @everyone look");
    assert!(!m.mention_everyone);
    assert_eq!(mentions(&carol, g).await, 0);
    assert_eq!(mentions(&owner, g).await, 0);

    // The owner has it: everyone who can see the channel but the author is pinged.
    let m = owner.say(g, "@everyone meeting").await.unwrap();
    assert!(m.mention_everyone);
    assert!(m.mentions.is_empty(), "implied pings are not listed");
    assert_eq!(mentions(&bob, g).await, 1);
    assert_eq!(mentions(&carol, g).await, 1);
    assert_eq!(mentions(&owner, g).await, 0);

    // A role granting it lets bob ping too.
    let role = owner
        .create_role(&CreateRole {
            name: "announcers".into(),
            permissions: [
                Permission::MessagesMentionEveryone,
                Permission::MessagesSend,
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    let bob_id = bob.me().await.unwrap().id;
    owner.add_member_role(bob_id, role.id, None).await.unwrap();
    assert!(bob.say(g, "@everyone now").await.unwrap().mention_everyone);
    assert_eq!(mentions(&carol, g).await, 2);

    // @here pings only who is online: carol holds a gateway session, the owner does not.
    let carol_gw = Gateway::connect(&carol).await.unwrap();
    let owner_id = owner.me().await.unwrap().id;
    for _ in 0..100 {
        let owner_presence = bob.member(owner_id).await.unwrap().presence;
        let carol_presence = bob.member(carol_id).await.unwrap().presence;
        if owner_presence == Presence::Offline && carol_presence == Presence::Online {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let m = bob.say(g, "@here quick one").await.unwrap();
    assert!(m.mention_everyone);
    drop(carol_gw);
    assert_eq!(mentions(&carol, g).await, 3);
    assert_eq!(mentions(&owner, g).await, 1);
}

#[tokio::test]
async fn role_mentions_ping_the_roles_members_when_mentionable() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let carol = d.member(&owner, "carol").await.unwrap();
    let dave = d.member(&owner, "dave").await.unwrap();
    let g = general(&owner).await;
    let role = owner
        .create_role(&CreateRole {
            name: "oncall".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!role.mentionable);
    let carol_id = carol.me().await.unwrap().id;
    owner
        .add_member_role(carol_id, role.id, None)
        .await
        .unwrap();

    // Not mentionable: a member's mention pings nobody.
    let m = bob
        .say(g, &format!("<@&{}> help, see <#{g}>", role.id))
        .await
        .unwrap();
    assert!(m.mention_roles.is_empty());
    assert_eq!(mentions(&carol, g).await, 0);

    // Mentionable (PATCH roles): its members are pinged, nobody else.
    let patched = owner
        .patch_role(
            role.id,
            &PatchRole {
                mentionable: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(patched.mentionable);
    let m = bob
        .say(g, &format!("<@&{}> help again", role.id))
        .await
        .unwrap();
    assert_eq!(m.mention_roles, vec![role.id]);
    assert_eq!(mentions(&carol, g).await, 1);
    assert_eq!(mentions(&dave, g).await, 0);

    // The history lists the role mention too; an edit that drops it drops the ping.
    let page = carol.messages(g, Default::default()).await.unwrap();
    assert_eq!(page[0].mention_roles, vec![role.id]);
    bob.edit_message(g, m.id, "never mind").await.unwrap();
    assert_eq!(mentions(&carol, g).await, 0);
}
