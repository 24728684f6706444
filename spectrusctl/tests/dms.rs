//! The operator and direct messages: nobody else reads a conversation, the operator on the
//! admin socket included — it is not among the channels, cannot be purged or deleted, and
//! its messages are not in the event stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{ctl, ctl_json};
use spectrus_testkit::{TestDaemon, general};

#[tokio::test]
async fn the_operator_cannot_list_purge_or_delete_a_direct_message() {
    let d = TestDaemon::start().await.unwrap();
    let owner = d.owner().await.unwrap();
    let bob = d.member(&owner, "bob").await.unwrap();
    let bob_id = bob.me().await.unwrap().id;
    let dm = owner.open_dm(&[bob_id]).await.unwrap().id;
    bob.say(dm, "just between us").await.unwrap();
    let id = dm.to_string();

    let channels = ctl_json(&d, &["channels", "list"]);
    assert!(
        !channels.as_array().unwrap().iter().any(|c| c["id"] == id),
        "{channels}"
    );
    ctl(&d, &["messages", "purge", &id, "--user", "bob"]).fails(1, "no channel");
    ctl(&d, &["channels", "delete", &id]).fails(1, "no channel");
    // Still there, untouched, for its participants.
    let history = bob.messages(dm, Default::default()).await.unwrap();
    assert_eq!(history[0].content, "just between us");

    // The event stream reports a channel's messages, never a DM's.
    bob.say(dm, "second secret").await.unwrap();
    let gen_ch = general(&owner).await;
    owner.say(gen_ch, "in the open").await.unwrap();
    let created = |backlog: &str, ch: &str| {
        backlog
            .lines()
            .filter(|l| {
                l.contains("\"message_create\"") && l.contains(&format!("\"channel_id\":\"{ch}\""))
            })
            .count()
    };
    let mut backlog = String::new();
    for _ in 0..100 {
        backlog = ctl(&d, &["--json", "events"]).ok().to_owned();
        if created(&backlog, &gen_ch.to_string()) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(created(&backlog, &gen_ch.to_string()), 1, "{backlog}");
    assert_eq!(created(&backlog, &id), 0, "{backlog}");
}
