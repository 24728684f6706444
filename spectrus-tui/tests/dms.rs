//! Direct messages in the terminal client: listed in the sidebar under their own heading
//! (from `ready` and `PRIVATE_CHANNEL_CREATE`), `/dm NAME` opens or creates one, and a
//! blocked user's messages are collapsed.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use common::*;
use crossterm::event::KeyCode;
use spectrus_proto::Id;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::model::{ChannelType, PrivateChannel, User};
use spectrus_tui::action::{Action, GatewayEvent};
use spectrus_tui::config::Config;
use spectrus_tui::effect::Effect;
use spectrus_tui::state::{AppState, ServerKey};
use spectrus_tui::view::channels::{ChannelRow, rows};

const DM_ALICE: Id = Id(50);
const GROUP: Id = Id(51);
const DM_DAVE: Id = Id(52);

fn user(id: Id, name: &str) -> User {
    let r = user_ref(id, name);
    User {
        id,
        username: r.username,
        display_name: r.display_name,
        owner: false,
        bot: false,
        created_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn dm(id: Id, kind: ChannelType, with: &[(Id, &str)], last: Option<Id>) -> PrivateChannel {
    PrivateChannel {
        id,
        kind,
        recipients: with.iter().map(|(i, n)| user(*i, n)).collect(),
        owner_id: ME,
        last_message_id: last,
        open: true,
    }
}

/// Logged in with a DM with alice, a group with bob and carol (the newest), bob blocked.
fn dm_state() -> (AppState, ServerKey) {
    let mut s = AppState::new(Config::default());
    let k = s.add_server("https://hq.example.org");
    s.server_mut(k).unwrap().last_channel = Some(GENERAL);
    let mut r = ready("Spectrus HQ");
    r.private_channels = vec![
        dm(DM_ALICE, ChannelType::Dm, &[(ALICE, "alice")], Some(mid(1))),
        dm(
            GROUP,
            ChannelType::GroupDm,
            &[(BOB, "bob"), (CAROL, "carol")],
            Some(mid(5)),
        ),
    ];
    r.blocked_user_ids = vec![BOB];
    run(
        &mut s,
        [
            Action::LoginOk {
                server: k,
                user: me_user(),
            },
            gw(k, GatewayEvent::Ready(Box::new(r))),
        ],
    );
    (s, k)
}

fn names(s: &AppState, k: ServerKey) -> Vec<String> {
    let srv = s.server(k).unwrap();
    rows(srv, &s.voice)
        .into_iter()
        .filter_map(|r| match r {
            ChannelRow::Category { name } => Some(format!("[{name}]")),
            ChannelRow::Channel { name, .. } => Some(name),
            ChannelRow::Participant { .. } => None,
        })
        .collect()
}

#[test]
fn direct_messages_come_first_under_their_own_heading_newest_first() {
    let (mut s, k) = dm_state();
    let list = names(&s, k);
    assert_eq!(
        &list[..4],
        [
            "[Direct Messages]",
            "@Bob, Carol",
            "@Alice",
            "[Text Channels]"
        ],
        "{list:?}"
    );
    // A new conversation arrives live and joins the section.
    run(
        &mut s,
        [gw(
            k,
            Dispatch::PrivateChannelCreate(dm(DM_DAVE, ChannelType::Dm, &[(DAVE, "dave")], None)),
        )],
    );
    assert!(names(&s, k)[1..4].contains(&"@Dave".to_owned()));
    let out = screen(&s, 120, 30);
    for needle in [
        "DIRECT MESSAGES",
        "@Bob, Carol",
        "@Alice",
        "@Dave",
        "# general",
    ] {
        assert!(out.contains(needle), "lacks {needle:?}:\n{out}");
    }
}

#[test]
fn slash_dm_opens_or_creates_the_conversation() {
    let (mut s, k) = dm_state();
    let fx = run(
        &mut s,
        typed("/dm @carol").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(fx.contains(&Effect::OpenDm {
        server: k,
        user: CAROL,
    }));
    // Unknown names and oneself are refused in words, without a request.
    let fx = run(
        &mut s,
        typed("/dm nobody").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::OpenDm { .. })));
    assert!(screen(&s, 120, 30).contains("no member called nobody"));
    // The server's answer lists it and opens it (loading its history).
    let fx = run(
        &mut s,
        [Action::DmOpened {
            server: k,
            channel: dm(Id(53), ChannelType::Dm, &[(CAROL, "carol")], None),
        }],
    );
    assert_eq!(s.server(k).unwrap().active_channel, Some(Id(53)));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::FetchHistory { channel, .. } if *channel == Id(53)))
    );
    let out = screen(&s, 120, 30);
    assert!(out.contains("Message @Carol"), "{out}");
}

#[test]
fn a_blocked_users_messages_are_collapsed() {
    let (mut s, k) = dm_state();
    run(
        &mut s,
        [Action::DmOpened {
            server: k,
            channel: dm(
                GROUP,
                ChannelType::GroupDm,
                &[(BOB, "bob"), (CAROL, "carol")],
                Some(mid(5)),
            ),
        }],
    );
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: GROUP,
            before: None,
            messages: vec![
                msg(5, GROUP, CAROL, "carol speaks freely"),
                msg(4, GROUP, BOB, "bob says something rude"),
            ],
        }],
    );
    let out = screen(&s, 120, 30);
    assert!(out.contains("carol speaks freely"), "{out}");
    assert!(out.contains("Blocked message"), "{out}");
    assert!(!out.contains("something rude"), "{out}");
}

#[test]
fn a_block_lifted_on_another_device_uncollapses_at_once() {
    let (mut s, k) = dm_state();
    run(
        &mut s,
        [Action::DmOpened {
            server: k,
            channel: dm(
                GROUP,
                ChannelType::GroupDm,
                &[(BOB, "bob"), (CAROL, "carol")],
                Some(mid(5)),
            ),
        }],
    );
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: GROUP,
            before: None,
            messages: vec![msg(4, GROUP, BOB, "bob apologises")],
        }],
    );
    assert!(screen(&s, 120, 30).contains("Blocked message"));
    let update = spectrus_proto::gateway::UserSettingsUpdate {
        user_settings: spectrus_proto::model::UserSettings::default(),
        blocked_user_ids: vec![],
    };
    run(
        &mut s,
        [gw(
            k,
            GatewayEvent::Dispatch(Dispatch::UserSettingsUpdate(update)),
        )],
    );
    let out = screen(&s, 120, 30);
    assert!(out.contains("bob apologises"), "{out}");
    assert!(!out.contains("Blocked message"), "{out}");
}
