//! Reducer tests: each gateway event, connection changes, pagination, read state, the
//! composer and keys, checked as a user would see them (state the views draw, effects sent).

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use common::*;
use crossterm::event::KeyCode;
use spectrus_proto::Id;
use spectrus_proto::gateway::{
    Dispatch, IdOnly, MessageDelete, PresenceUpdate, ReactionEvent, Speaking, TypingStart,
};
use spectrus_proto::model::{ChannelType, Invite, Presence};
use spectrus_tui::action::{Action, ConnectionChange, GatewayEvent, VoiceEvent};
use spectrus_tui::composer::ComposeMode;
use spectrus_tui::config::Config;
use spectrus_tui::effect::Effect;
use spectrus_tui::state::{
    ACK_DEBOUNCE_MS, AppState, AuthStatus, ConnStatus, Focus, Overlay, PAGE_SIZE, RESUMED_SHOWN_MS,
    TYPING_TTL_MS, VoiceStatus,
};
use spectrus_tui::ui::status;
use spectrus_tui::view::{channels, members};

fn server(s: &AppState) -> &spectrus_tui::state::ServerState {
    s.active_server().expect("active server")
}

fn texts(s: &AppState) -> Vec<String> {
    server(s)
        .active_messages()
        .map(|m| m.messages.values().map(|m| m.content.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn ready_opens_the_last_channel_and_fetches_its_history() {
    let mut s = AppState::new(Config::default());
    let k = s.add_server("https://hq.example.org");
    s.server_mut(k).expect("server").last_channel = Some(RANDOM);
    let fx = run(
        &mut s,
        [
            Action::LoginOk {
                server: k,
                user: me_user(),
            },
            gw(k, GatewayEvent::Ready(Box::new(ready("HQ")))),
        ],
    );
    assert!(!s.on_login_screen());
    assert_eq!(server(&s).active_channel, Some(RANDOM));
    assert_eq!(server(&s).conn, ConnStatus::Connected);
    assert!(fx.contains(&Effect::FetchHistory {
        server: k,
        channel: RANDOM,
        before: None,
        limit: PAGE_SIZE
    }));
    assert!(fx.contains(&Effect::RememberChannel {
        server: k,
        channel: RANDOM
    }));
}

#[test]
fn without_a_last_channel_the_first_text_channel_opens() {
    let mut s = AppState::new(Config::default());
    let k = s.add_server("https://hq.example.org");
    run(
        &mut s,
        [
            Action::LoginOk {
                server: k,
                user: me_user(),
            },
            gw(k, GatewayEvent::Ready(Box::new(ready("HQ")))),
        ],
    );
    assert_eq!(server(&s).active_channel, Some(GENERAL));
}

#[test]
fn a_new_message_in_the_open_channel_appears_and_is_acked_once_after_the_debounce() {
    let (mut s, k) = chat_state();
    run(&mut s, [Action::Tick { now_ms: 5_000 }]);
    let fx = run(
        &mut s,
        [gw(
            k,
            Dispatch::MessageCreate(msg(4, GENERAL, ALICE, "new here")),
        )],
    );
    assert!(fx.is_empty());
    assert_eq!(texts(&s).last().map(String::as_str), Some("new here"));
    run(
        &mut s,
        [gw(
            k,
            Dispatch::MessageCreate(msg(5, GENERAL, BOB, "and me")),
        )],
    );
    let early = run(
        &mut s,
        [Action::Tick {
            now_ms: 5_000 + ACK_DEBOUNCE_MS / 2,
        }],
    );
    assert!(early.iter().all(|e| !matches!(e, Effect::Ack { .. })));
    let fx = run(
        &mut s,
        [Action::Tick {
            now_ms: 5_000 + ACK_DEBOUNCE_MS,
        }],
    );
    assert_eq!(
        fx,
        vec![Effect::Ack {
            server: k,
            channel: GENERAL,
            message: mid(5)
        }]
    );
    let again = run(&mut s, [Action::Tick { now_ms: 9_000 }]);
    assert!(again.is_empty(), "acked twice: {again:?}");
    assert_eq!(server(&s).unread(GENERAL), 0);
}

#[test]
fn messages_elsewhere_count_as_unread_and_mentions_with_a_rail_badge() {
    let (mut s, k) = chat_state();
    let mut m = msg(9, RANDOM, ALICE, "hey <@100>");
    m.mentions = vec![ME];
    run(
        &mut s,
        [
            gw(k, Dispatch::MessageCreate(m)),
            gw(k, Dispatch::MessageCreate(msg(10, RANDOM, BOB, "x"))),
        ],
    );
    assert_eq!(server(&s).unread(RANDOM), 5);
    assert_eq!(server(&s).mentions(RANDOM), 2);
    assert_eq!(spectrus_tui::ui::rail::badge(server(&s)), "2");
    // Our own messages never count.
    run(
        &mut s,
        [gw(k, Dispatch::MessageCreate(msg(11, RANDOM, ME, "mine")))],
    );
    assert_eq!(server(&s).unread(RANDOM), 5);
}

#[test]
fn opening_an_unread_channel_places_the_marker_and_reading_clears_the_badge() {
    let (mut s, k) = chat_state();
    let fx = run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: None,
            messages: vec![msg(20, RANDOM, BOB, "unread one")],
        }],
    );
    assert!(fx.is_empty());
    s.focus = Focus::Channels;
    s.channel_cursor = 1;
    let fx = run(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(server(&s).active_channel, Some(RANDOM));
    assert_eq!(s.focus, Focus::Composer);
    assert!(fx.contains(&Effect::RememberChannel {
        server: k,
        channel: RANDOM
    }));
    assert_eq!(server(&s).marker_after, Some(Id(0)));
    let fx = run(
        &mut s,
        [Action::Tick {
            now_ms: 2 * ACK_DEBOUNCE_MS,
        }],
    );
    assert!(fx.contains(&Effect::Ack {
        server: k,
        channel: RANDOM,
        message: mid(20)
    }));
    assert_eq!(server(&s).unread(RANDOM), 0);
    assert_eq!(server(&s).mentions(RANDOM), 0);
}

#[test]
fn edits_update_and_deletes_disappear() {
    let (mut s, k) = chat_state();
    let mut edited = msg(2, GENERAL, BOB, "good morning all");
    edited.edited_at = Some("2026-11-25T10:05:00Z".into());
    run(&mut s, [gw(k, Dispatch::MessageUpdate(edited))]);
    assert!(texts(&s).contains(&"good morning all".to_owned()));
    assert!(screen(&s, 120, 30).contains("good morning all (edited)"));
    run(
        &mut s,
        [gw(
            k,
            Dispatch::MessageDelete(MessageDelete {
                id: mid(2),
                channel_id: GENERAL,
            }),
        )],
    );
    assert!(!texts(&s).iter().any(|t| t.contains("morning")));
    assert!(!screen(&s, 120, 30).contains("morning all"));
}

#[test]
fn deleting_the_message_being_edited_cancels_the_edit() {
    let (mut s, k) = chat_state();
    run(&mut s, [key(KeyCode::Up)]);
    assert_eq!(s.composer.mode, ComposeMode::Edit(mid(3)));
    run(
        &mut s,
        [gw(
            k,
            Dispatch::MessageDelete(MessageDelete {
                id: mid(3),
                channel_id: GENERAL,
            }),
        )],
    );
    assert_eq!(s.composer.mode, ComposeMode::New);
    assert!(s.composer.buffer.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("deleted"))
    );
}

#[test]
fn reactions_count_up_and_down_and_know_which_are_ours() {
    let (mut s, k) = chat_state();
    let r = |user| ReactionEvent {
        channel_id: GENERAL,
        message_id: mid(2),
        user_id: user,
        emoji: "👍".into(),
    };
    run(
        &mut s,
        [
            gw(k, Dispatch::ReactionAdd(r(ALICE))),
            gw(k, Dispatch::ReactionAdd(r(ME))),
        ],
    );
    let reactions = |s: &AppState| {
        server(s)
            .active_messages()
            .and_then(|m| m.messages.get(&mid(2)))
            .map(|m| m.reactions.clone())
            .unwrap_or_default()
    };
    assert_eq!(reactions(&s).len(), 1);
    assert_eq!((reactions(&s)[0].count, reactions(&s)[0].me), (2, true));
    assert!(screen(&s, 120, 30).contains("[👍 2]"));
    run(&mut s, [gw(k, Dispatch::ReactionRemove(r(ME)))]);
    assert_eq!((reactions(&s)[0].count, reactions(&s)[0].me), (1, false));
    run(&mut s, [gw(k, Dispatch::ReactionRemove(r(ALICE)))]);
    assert!(reactions(&s).is_empty());
    // /react toggles ours on the newest message.
    let fx = run(
        &mut s,
        typed("/react 🎉").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(fx.contains(&Effect::React {
        server: k,
        channel: GENERAL,
        message: mid(3),
        emoji: "🎉".into(),
        add: true
    }));
}

#[test]
fn typing_shows_then_expires_and_a_message_clears_it() {
    let (mut s, k) = chat_state();
    let t = |user| {
        gw(
            k,
            Dispatch::TypingStart(TypingStart {
                channel_id: GENERAL,
                user_id: user,
                timestamp: String::new(),
            }),
        )
    };
    run(&mut s, [Action::Tick { now_ms: 1_000 }, t(ALICE), t(ME)]);
    assert_eq!(
        status::typing_text(&server(&s).typing_names(GENERAL)).as_deref(),
        Some("Alice is typing…")
    );
    run(&mut s, [t(BOB)]);
    assert_eq!(
        status::typing_text(&server(&s).typing_names(GENERAL)).as_deref(),
        Some("Alice and Bob are typing…")
    );
    run(
        &mut s,
        [gw(k, Dispatch::MessageCreate(msg(7, GENERAL, BOB, "done")))],
    );
    assert_eq!(server(&s).typing_names(GENERAL), vec!["Alice".to_owned()]);
    run(
        &mut s,
        [Action::Tick {
            now_ms: 1_000 + TYPING_TTL_MS,
        }],
    );
    assert!(server(&s).typing_names(GENERAL).is_empty());
}

#[test]
fn presence_moves_members_between_online_and_offline() {
    let (mut s, k) = chat_state();
    let titles = |s: &AppState| {
        members::groups(server(s))
            .into_iter()
            .map(|g| (g.title, g.members))
            .collect::<Vec<_>>()
    };
    assert_eq!(titles(&s)[0], ("Admin".to_owned(), vec![ALICE]));
    run(
        &mut s,
        [gw(
            k,
            Dispatch::PresenceUpdate(PresenceUpdate {
                user_id: ALICE,
                status: Presence::Offline,
            }),
        )],
    );
    let g = titles(&s);
    assert!(g.iter().all(|(t, _)| t != "Admin"));
    assert_eq!(
        g.last().map(|(t, m)| (t.as_str(), m.clone())),
        Some(("Offline", vec![ALICE, DAVE]))
    );
    assert!(!server(&s).is_online(ALICE));
}

#[test]
fn channels_are_created_updated_and_deleting_the_open_one_moves_elsewhere() {
    let (mut s, k) = chat_state();
    run(
        &mut s,
        [gw(
            k,
            Dispatch::ChannelCreate(channel(
                Id(14),
                ChannelType::Text,
                "memes",
                Some(CAT_TEXT),
                2,
            )),
        )],
    );
    let names = |s: &AppState| {
        server(s)
            .ordered_channels()
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&s),
        [
            "Text Channels",
            "general",
            "random",
            "memes",
            "Voice",
            "lounge"
        ]
    );
    run(
        &mut s,
        [gw(
            k,
            Dispatch::ChannelUpdate(channel(
                Id(14),
                ChannelType::Text,
                "dank-memes",
                Some(CAT_TEXT),
                2,
            )),
        )],
    );
    assert!(names(&s).contains(&"dank-memes".to_owned()));
    let fx = run(
        &mut s,
        [gw(
            k,
            Dispatch::ChannelDelete(channel(
                GENERAL,
                ChannelType::Text,
                "general",
                Some(CAT_TEXT),
                0,
            )),
        )],
    );
    assert_eq!(server(&s).active_channel, Some(RANDOM));
    assert!(fx.contains(&Effect::FetchHistory {
        server: k,
        channel: RANDOM,
        before: None,
        limit: PAGE_SIZE
    }));
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("#general was deleted"))
    );
    assert!(!names(&s).contains(&"general".to_owned()));
}

#[test]
fn role_changes_recolour_and_regroup_members() {
    let (mut s, k) = chat_state();
    assert_eq!(server(&s).member_color(ALICE), Some("#ff0000"));
    run(
        &mut s,
        [gw(
            k,
            Dispatch::RoleUpdate(role(ADMIN, "Admins", Some("#0000ff"), 2, true)),
        )],
    );
    assert_eq!(server(&s).member_color(ALICE), Some("#0000ff"));
    assert_eq!(members::groups(server(&s))[0].title, "Admins");
    run(
        &mut s,
        [gw(
            k,
            Dispatch::RoleCreate(role(Id(4), "VIP", Some("#123456"), 5, true)),
        )],
    );
    let mut carol = member(CAROL, "carol", vec![Id(4)], Presence::Online);
    carol.nick = Some("Caz".into());
    run(&mut s, [gw(k, Dispatch::MemberUpdate(carol))]);
    assert_eq!(members::groups(server(&s))[0].title, "VIP");
    assert_eq!(server(&s).member_name(CAROL).as_deref(), Some("Caz"));
    run(&mut s, [gw(k, Dispatch::RoleDelete(IdOnly { id: Id(4) }))]);
    assert!(members::groups(server(&s)).iter().all(|g| g.title != "VIP"));
    assert_eq!(server(&s).member_color(CAROL), None);
}

#[test]
fn members_join_and_leave() {
    let (mut s, k) = chat_state();
    run(
        &mut s,
        [gw(
            k,
            Dispatch::MemberAdd(member(Id(105), "erin", vec![], Presence::Online)),
        )],
    );
    assert_eq!(server(&s).member_count, 6);
    assert!(members::member_order(server(&s)).contains(&Id(105)));
    run(&mut s, [gw(k, Dispatch::MemberRemove(IdOnly { id: BOB }))]);
    assert_eq!(server(&s).member_count, 5);
    assert!(!server(&s).voice_states.contains_key(&BOB));
    assert!(!members::member_order(server(&s)).contains(&BOB));
}

#[test]
fn server_updates_rename_and_rebrand() {
    let (mut s, k) = chat_state();
    let mut i = info("Spectrus Central");
    i.branding.accent_color = Some("#abcdef".into());
    run(&mut s, [gw(k, Dispatch::ServerUpdate(i))]);
    assert_eq!(server(&s).display_name(), "Spectrus Central");
    assert_eq!(
        spectrus_tui::ui::theme(&s).accent,
        ratatui::style::Color::Rgb(0xab, 0xcd, 0xef)
    );
}

#[test]
fn voice_states_and_speaking_show_in_the_channel_list() {
    let (mut s, k) = chat_state();
    run(
        &mut s,
        [gw(
            k,
            Dispatch::Speaking(Speaking {
                user_id: ALICE,
                channel_id: LOUNGE,
                speaking: true,
            }),
        )],
    );
    let rows = channels::rows(server(&s), &s.voice);
    let speaking: Vec<(String, bool)> = rows
        .iter()
        .filter_map(|r| match r {
            channels::ChannelRow::Participant { name, speaking, .. } => {
                Some((name.clone(), *speaking))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        speaking,
        vec![("Alice".to_owned(), true), ("Bob".to_owned(), false)]
    );
    run(
        &mut s,
        [gw(k, Dispatch::VoiceStateUpdate(voice(ALICE, None)))],
    );
    assert!(!server(&s).speaking.contains(&ALICE));
    assert_eq!(server(&s).voice_participants(LOUNGE), vec![BOB]);
    // Speaking for someone not in that channel is ignored.
    run(
        &mut s,
        [gw(
            k,
            Dispatch::Speaking(Speaking {
                user_id: CAROL,
                channel_id: LOUNGE,
                speaking: true,
            }),
        )],
    );
    assert!(!server(&s).speaking.contains(&CAROL));
}

#[test]
fn enter_on_a_voice_channel_joins_and_our_voice_state_ends_it() {
    let (mut s, k) = chat_state();
    s.focus = Focus::Channels;
    s.channel_cursor = 2;
    let fx = run(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        fx,
        vec![Effect::JoinVoice {
            server: k,
            channel: LOUNGE,
            self_mute: false,
            self_deaf: false
        }]
    );
    assert_eq!(
        s.voice.status,
        VoiceStatus::Joining {
            server: k,
            channel: LOUNGE
        }
    );
    run(
        &mut s,
        [
            Action::Voice(VoiceEvent::Joined {
                server: k,
                channel: LOUNGE,
            }),
            Action::Voice(VoiceEvent::Level(0.5)),
        ],
    );
    assert_eq!(
        s.voice.status,
        VoiceStatus::Connected {
            server: k,
            channel: LOUNGE
        }
    );
    let fx = run(&mut s, [ch('m')]);
    assert_eq!(
        fx,
        vec![Effect::SetVoiceState {
            server: k,
            self_mute: true,
            self_deaf: false
        }]
    );
    let fx = run(&mut s, [ch('d')]);
    assert_eq!(
        fx,
        vec![Effect::SetVoiceState {
            server: k,
            self_mute: true,
            self_deaf: true
        }]
    );
    assert!(s.voice.muted && s.voice.deafened);
    run(&mut s, [gw(k, Dispatch::VoiceStateUpdate(voice(ME, None)))]);
    assert_eq!(s.voice.status, VoiceStatus::Off);
}

#[test]
fn reconnect_and_resume_show_in_the_status_line() {
    let (mut s, k) = chat_state();
    let label = |s: &AppState| status::conn_label(&server(s).conn);
    run(
        &mut s,
        [Action::Connection {
            server: k,
            change: ConnectionChange::Disconnected {
                reason: "eof".into(),
            },
        }],
    );
    assert_eq!(label(&s), "disconnected, reconnecting…");
    run(
        &mut s,
        [Action::Connection {
            server: k,
            change: ConnectionChange::Reconnecting { attempt: 2 },
        }],
    );
    assert_eq!(label(&s), "reconnecting (attempt 2)…");
    assert!(screen(&s, 120, 30).contains("reconnecting (attempt 2)…"));
    run(
        &mut s,
        [
            Action::Tick { now_ms: 10_000 },
            Action::Connection {
                server: k,
                change: ConnectionChange::Resumed,
            },
        ],
    );
    assert_eq!(label(&s), "resumed");
    run(
        &mut s,
        [Action::Tick {
            now_ms: 10_000 + RESUMED_SHOWN_MS,
        }],
    );
    assert_eq!(label(&s), "connected");
    run(
        &mut s,
        [Action::Connection {
            server: k,
            change: ConnectionChange::LoggedOut {
                reason: "session expired".into(),
            },
        }],
    );
    assert!(s.on_login_screen());
    assert_eq!(s.login.error.as_deref(), Some("session expired"));
}

#[test]
fn a_fresh_ready_after_reconnect_reloads_history() {
    let (mut s, k) = chat_state();
    let fx = run(
        &mut s,
        [gw(k, GatewayEvent::Ready(Box::new(ready("Spectrus HQ"))))],
    );
    assert_eq!(server(&s).active_channel, Some(GENERAL));
    assert!(fx.contains(&Effect::FetchHistory {
        server: k,
        channel: GENERAL,
        before: None,
        limit: PAGE_SIZE
    }));
}

fn page(from: u64, to: u64) -> Vec<spectrus_proto::model::Message> {
    (from..=to)
        .rev()
        .map(|n| msg(n, RANDOM, BOB, &format!("m{n}")))
        .collect()
}

#[test]
fn scrolling_to_the_top_fetches_older_pages_once_and_stops_at_the_start() {
    let (mut s, k) = chat_state();
    s.focus = Focus::Channels;
    s.channel_cursor = 1;
    let fx = run(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.contains(&Effect::FetchHistory {
        server: k,
        channel: RANDOM,
        before: None,
        limit: PAGE_SIZE
    }));
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: None,
            messages: page(100, 149),
        }],
    );
    s.focus = Focus::Messages;
    // Moving up through the page: no fetch until the oldest message is reached.
    let fx = run(&mut s, (0..49).map(|_| ch('k')));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::FetchHistory { .. })),
        "{fx:?}"
    );
    let fx = run(&mut s, [ch('k')]);
    assert_eq!(
        fx,
        vec![Effect::FetchHistory {
            server: k,
            channel: RANDOM,
            before: Some(mid(100)),
            limit: PAGE_SIZE
        }]
    );
    let fx = run(&mut s, [ch('k'), ch('k'), key(KeyCode::PageUp)]);
    assert!(fx.is_empty(), "asked twice: {fx:?}");
    // An overlapping full page merges in order without duplicates.
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: Some(mid(100)),
            messages: page(55, 104),
        }],
    );
    let ids: Vec<u64> = server(&s)
        .active_messages()
        .map(|m| m.messages.keys().map(|i| i.0 - 1000).collect())
        .unwrap_or_default();
    assert_eq!(ids, (55..=149).collect::<Vec<_>>());
    let fx = run(&mut s, [key(KeyCode::Home)]);
    assert_eq!(
        fx,
        vec![Effect::FetchHistory {
            server: k,
            channel: RANDOM,
            before: Some(mid(55)),
            limit: PAGE_SIZE
        }]
    );
    // A short page is the start of the channel: no more fetches.
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: Some(mid(55)),
            messages: page(50, 54),
        }],
    );
    let fx = run(&mut s, [key(KeyCode::Home), ch('k'), ch('k')]);
    assert!(fx.is_empty(), "fetched past the start: {fx:?}");
    assert!(screen(&s, 120, 30).contains(" start of #random "));
    // Going back down to the newest follows new messages again.
    run(&mut s, [key(KeyCode::End)]);
    assert_eq!(server(&s).selected_message, None);
}

#[test]
fn enter_sends_with_a_nonce_and_the_echo_replaces_the_pending_line() {
    let (mut s, k) = chat_state();
    let fx = run(
        &mut s,
        typed("hello @al")
            .into_iter()
            .chain([key(KeyCode::Tab), key(KeyCode::Enter)]),
    );
    let Some(Effect::SendMessage {
        content,
        nonce,
        reply_to,
        channel,
        ..
    }) = fx
        .iter()
        .find(|e| matches!(e, Effect::SendMessage { .. }))
        .cloned()
    else {
        panic!("no send: {fx:?}");
    };
    assert_eq!(
        (content.as_str(), reply_to, channel),
        ("hello <@101>", None, GENERAL)
    );
    assert!(fx.contains(&Effect::SendTyping {
        server: k,
        channel: GENERAL
    }));
    assert!(s.composer.buffer.is_empty());
    assert_eq!(server(&s).pending.len(), 1);
    assert!(screen(&s, 120, 30).contains("hello @Alice"));
    let mut echo = msg(30, GENERAL, ME, "hello <@101>");
    echo.nonce = Some(nonce.clone());
    run(&mut s, [gw(k, Dispatch::MessageCreate(echo))]);
    assert!(server(&s).pending.is_empty());
    // A failed send stays visible with the reason.
    let fx = run(
        &mut s,
        typed("second").into_iter().chain([key(KeyCode::Enter)]),
    );
    let Some(Effect::SendMessage { nonce, .. }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::SendMessage { .. }))
    else {
        panic!("no send");
    };
    run(
        &mut s,
        [Action::SendFailed {
            server: k,
            nonce,
            error: "rate limited".into(),
        }],
    );
    assert!(screen(&s, 120, 30).contains("(not sent: rate limited)"));
}

#[test]
fn alt_enter_adds_a_line_and_typing_is_announced_at_most_every_few_seconds() {
    let (mut s, k) = chat_state();
    let fx = run(
        &mut s,
        typed("one")
            .into_iter()
            .chain([alt(KeyCode::Enter)])
            .chain(typed("two")),
    );
    assert_eq!(s.composer.buffer.text(), "one\ntwo");
    assert_eq!(
        fx.iter()
            .filter(|e| matches!(e, Effect::SendTyping { .. }))
            .count(),
        1
    );
    let fx = run(&mut s, [key(KeyCode::Enter)]);
    assert!(fx.contains(&Effect::SendMessage {
        server: k,
        channel: GENERAL,
        content: "one\ntwo".into(),
        reply_to: None,
        nonce: match fx.iter().find_map(|e| match e {
            Effect::SendMessage { nonce, .. } => Some(nonce.clone()),
            _ => None,
        }) {
            Some(n) => n,
            None => panic!("no send"),
        },
    }));
}

#[test]
fn up_on_an_empty_composer_edits_the_last_own_message_and_esc_cancels() {
    let (mut s, k) = chat_state();
    run(&mut s, [key(KeyCode::Up)]);
    assert_eq!(s.composer.mode, ComposeMode::Edit(mid(3)));
    assert_eq!(s.composer.buffer.text(), "hi alice, welcome back");
    assert!(screen(&s, 120, 30).contains("Editing your message"));
    run(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.composer.mode, ComposeMode::New);
    assert!(s.composer.buffer.is_empty());
    run(
        &mut s,
        [
            key(KeyCode::Up),
            key(KeyCode::Backspace),
            key(KeyCode::Backspace),
            key(KeyCode::Backspace),
            key(KeyCode::Backspace),
        ],
    );
    let fx = run(
        &mut s,
        typed("Tuesday").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert_eq!(
        fx,
        vec![Effect::EditMessage {
            server: k,
            channel: GENERAL,
            message: mid(3),
            content: "hi alice, welcome Tuesday".into()
        }]
    );
}

#[test]
fn replies_carry_the_selected_message() {
    let (mut s, k) = chat_state();
    s.focus = Focus::Messages;
    run(&mut s, [ch('k'), ch('k'), ch('r')]);
    assert_eq!(s.composer.mode, ComposeMode::Reply(mid(2)));
    assert_eq!(s.focus, Focus::Composer);
    assert!(screen(&s, 120, 30).contains("Replying to Bob"));
    let fx = run(
        &mut s,
        typed("indeed").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::SendMessage { reply_to: Some(r), content, .. } if *r == mid(2) && content == "indeed")));
    // /reply TEXT sends at once to the selected message.
    s.server_mut(k).expect("server").selected_message = Some(mid(1));
    let fx = run(
        &mut s,
        typed("/reply yes").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::SendMessage { reply_to: Some(r), content, .. } if *r == mid(1) && content == "yes")));
}

#[test]
fn slash_commands_do_what_they_say() {
    let (mut s, k) = chat_state();
    let cmd =
        |s: &mut AppState, text: &str| run(s, typed(text).into_iter().chain([key(KeyCode::Enter)]));
    assert_eq!(
        cmd(&mut s, "/join lounge"),
        vec![Effect::JoinVoice {
            server: k,
            channel: LOUNGE,
            self_mute: false,
            self_deaf: false
        }]
    );
    assert_eq!(
        cmd(&mut s, "/mute"),
        vec![Effect::SetVoiceState {
            server: k,
            self_mute: true,
            self_deaf: false
        }]
    );
    assert_eq!(
        cmd(&mut s, "/deafen"),
        vec![Effect::SetVoiceState {
            server: k,
            self_mute: true,
            self_deaf: true
        }]
    );
    assert_eq!(
        cmd(&mut s, "/leave"),
        vec![Effect::LeaveVoice { server: k }]
    );
    assert_eq!(s.voice.status, VoiceStatus::Off);
    assert_eq!(
        cmd(&mut s, "/nick Zed"),
        vec![Effect::SetNick {
            server: k,
            nick: Some("Zed".into())
        }]
    );
    assert_eq!(
        cmd(&mut s, "/invite"),
        vec![Effect::CreateInvite { server: k }]
    );
    run(
        &mut s,
        [Action::InviteCreated {
            server: k,
            invite: Invite {
                code: "abc".into(),
                url: "spectrus://join/hq.example.org/abc".into(),
                web_url: "https://hq.example.org/invite/abc".into(),
                uses: 0,
                max_uses: None,
                expires_at: None,
                created_by: None,
                created_at: String::new(),
            },
        }],
    );
    assert!(screen(&s, 200, 60).contains("spectrus://join/hq.example.org/abc"));
    assert!(cmd(&mut s, "/dance").is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.contains("unknown command /dance"))
    );
}

#[test]
fn tab_completes_commands_and_otherwise_cycles_panes() {
    let (mut s, _) = chat_state();
    run(&mut s, typed("/inv").into_iter().chain([key(KeyCode::Tab)]));
    assert_eq!(s.composer.buffer.text(), "/invite ");
    assert_eq!(s.focus, Focus::Composer);
    run(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.focus, Focus::Members);
    run(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(
        s.focus,
        Focus::Channels,
        "the rail is skipped with one server"
    );
    run(
        &mut s,
        [Action::Key(crossterm::event::KeyEvent::new(
            KeyCode::BackTab,
            crossterm::event::KeyModifiers::SHIFT,
        ))],
    );
    assert_eq!(s.focus, Focus::Members);
}

#[test]
fn letters_type_in_the_composer_but_are_commands_in_the_panes() {
    let (mut s, _) = chat_state();
    let fx = run(&mut s, [ch('q'), ch('?')]);
    assert!(!s.should_quit && fx.iter().all(|e| *e != Effect::Quit));
    assert_eq!(s.composer.buffer.text(), "q?");
    s.focus = Focus::Messages;
    run(&mut s, [ch('?')]);
    assert_eq!(s.overlay, Some(Overlay::Help { scroll: 0 }));
    run(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.overlay, None);
    let fx = run(&mut s, [ch('q')]);
    assert!(s.should_quit);
    assert_eq!(fx, vec![Effect::Quit]);
    let (mut s, _) = chat_state();
    run(&mut s, [ctrl('c')]);
    assert!(s.should_quit, "Ctrl+C quits even while typing");
}

#[test]
fn the_switcher_finds_channels_fuzzily_across_servers() {
    let (mut s, k) = chat_state();
    let k2 = s.add_server("https://games.example.org");
    run(
        &mut s,
        [Action::LoginOk {
            server: k2,
            user: me_user(),
        }],
    );
    let mut r = ready("Games");
    r.channels
        .push(channel(Id(30), ChannelType::Text, "rpg-night", None, 5));
    run(&mut s, [gw(k2, GatewayEvent::Ready(Box::new(r)))]);
    assert_eq!(s.active, Some(k));
    run(&mut s, [ctrl('k')]);
    run(&mut s, typed("rpgn"));
    let m = s.switcher_matches("rpgn");
    assert_eq!(m.first().map(|m| (m.server, m.channel)), Some((k2, Id(30))));
    let fx = run(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.overlay, None);
    assert_eq!(s.active, Some(k2));
    assert_eq!(server(&s).active_channel, Some(Id(30)));
    assert!(fx.contains(&Effect::FetchHistory {
        server: k2,
        channel: Id(30),
        before: None,
        limit: PAGE_SIZE
    }));
}

#[test]
fn voice_is_active_in_one_server_at_a_time() {
    let (mut s, k) = chat_state();
    let k2 = s.add_server("https://games.example.org");
    run(
        &mut s,
        [
            Action::LoginOk {
                server: k2,
                user: me_user(),
            },
            gw(k2, GatewayEvent::Ready(Box::new(ready("Games")))),
        ],
    );
    run(
        &mut s,
        typed("/join lounge")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    run(&mut s, [alt(KeyCode::Down)]);
    assert_eq!(s.active, Some(k2));
    let fx = run(
        &mut s,
        typed("/join").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert_eq!(
        fx,
        vec![
            Effect::LeaveVoice { server: k },
            Effect::JoinVoice {
                server: k2,
                channel: LOUNGE,
                self_mute: false,
                self_deaf: false
            }
        ]
    );
}

#[test]
fn the_login_form_logs_in_and_never_keeps_the_password() {
    let mut s = AppState::new(Config::default());
    assert!(s.on_login_screen());
    let mut actions = typed("chat.example.org");
    actions.push(key(KeyCode::Tab));
    actions.extend(typed("zoe"));
    actions.push(key(KeyCode::Tab));
    actions.extend(typed("hunter22"));
    actions.push(key(KeyCode::Enter));
    let fx = run(&mut s, actions);
    let k = s.active.expect("server added");
    assert_eq!(
        fx,
        vec![Effect::Login {
            server: k,
            url: "https://chat.example.org".into(),
            username: "zoe".into(),
            password: "hunter22".into()
        }]
    );
    assert!(s.login.password.is_empty());
    assert_eq!(server(&s).auth, AuthStatus::Pending);
    assert!(screen(&s, 80, 24).contains("logging in…"));
    run(
        &mut s,
        [Action::LoginFailed {
            server: k,
            error: "wrong username or password".into(),
        }],
    );
    assert!(screen(&s, 80, 24).contains("wrong username or password"));
}

#[test]
fn registering_with_a_setup_code() {
    let mut s = AppState::new(Config::default());
    let k = s.add_server("http://localhost:8080");
    let mut i = info("Fresh");
    i.setup_required = true;
    run(&mut s, [Action::ServerProbed { server: k, info: i }]);
    assert!(s.login.register);
    let mut actions = typed("owner");
    actions.extend([key(KeyCode::Tab)]);
    actions.extend(typed("longpassword"));
    actions.extend([key(KeyCode::Tab)]);
    actions.extend(typed("SETUP-123"));
    actions.push(key(KeyCode::Enter));
    let fx = run(&mut s, actions);
    assert_eq!(
        fx,
        vec![Effect::Register {
            server: k,
            url: "http://localhost:8080".into(),
            username: "owner".into(),
            password: "longpassword".into(),
            setup_code: Some("SETUP-123".into()),
            invite: None,
        }]
    );
}

#[test]
fn clicking_a_channel_opens_it_and_the_wheel_scrolls_messages() {
    let (mut s, k) = chat_state();
    run(
        &mut s,
        [Action::Resize {
            width: 120,
            height: 30,
        }],
    );
    let screen_now = render(&s, 120, 30);
    let row = screen_now
        .iter()
        .position(|l| l.contains("# random"))
        .expect("random drawn") as u16;
    let click = |col, row, kind| {
        Action::Mouse(crossterm::event::MouseEvent {
            kind,
            column: col,
            row,
            modifiers: crossterm::event::KeyModifiers::NONE,
        })
    };
    let fx = run(
        &mut s,
        [click(
            5,
            row,
            crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        )],
    );
    assert_eq!(server(&s).active_channel, Some(RANDOM));
    assert!(fx.contains(&Effect::FetchHistory {
        server: k,
        channel: RANDOM,
        before: None,
        limit: PAGE_SIZE
    }));
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: None,
            messages: page(100, 149),
        }],
    );
    run(
        &mut s,
        [click(60, 10, crossterm::event::MouseEventKind::ScrollUp)],
    );
    assert_eq!(server(&s).selected_message, Some(mid(147)));
}

#[test]
fn logout_returns_to_the_login_form() {
    let (mut s, k) = chat_state();
    s.focus = Focus::Messages;
    let fx = run(&mut s, [ctrl('l')]);
    assert_eq!(fx, vec![Effect::Logout { server: k }]);
    assert!(s.on_login_screen());
    assert_eq!(s.login.username.text(), "zoe");
    assert_eq!(s.login.server.text(), "https://hq.example.org");
}

fn f2(kind: crossterm::event::KeyEventKind) -> Action {
    Action::Key(crossterm::event::KeyEvent::new_with_kind(
        KeyCode::F(2),
        crossterm::event::KeyModifiers::NONE,
        kind,
    ))
}

fn in_voice() -> (AppState, spectrus_tui::state::ServerKey) {
    let (mut s, k) = chat_state();
    s.voice.status = VoiceStatus::Connected {
        server: k,
        channel: LOUNGE,
    };
    (s, k)
}

#[test]
fn push_to_talk_holds_where_releases_are_reported_and_toggles_elsewhere() {
    use crossterm::event::KeyEventKind::{Press, Release, Repeat};
    let cfg = Config::parse(
        "[voice]\nmode = \"ptt\"\n",
        std::path::Path::new("tui.toml"),
    )
    .expect("config");
    assert!(AppState::new(cfg).voice.push_to_talk);
    assert!(!AppState::new(Config::default()).voice.push_to_talk);

    // A terminal that reports releases: talk while F2 is down, even from the composer.
    let (mut s, _) = in_voice();
    s.voice.push_to_talk = true;
    s.key_release = true;
    assert_eq!(s.focus, Focus::Composer);
    assert_eq!(
        run(&mut s, [f2(Press)]),
        vec![Effect::PushToTalk { active: true }]
    );
    assert!(s.voice.talking);
    assert!(
        status_line(&s).contains("PTT talking"),
        "{}",
        status_line(&s)
    );
    assert_eq!(run(&mut s, [f2(Repeat), f2(Repeat)]), vec![]);
    assert_eq!(
        run(&mut s, [f2(Release)]),
        vec![Effect::PushToTalk { active: false }]
    );
    assert!(!s.voice.talking);
    assert!(s.composer.buffer.is_empty(), "F2 typed nothing");

    // One that does not: each press toggles.
    let (mut s, _) = in_voice();
    s.voice.push_to_talk = true;
    assert_eq!(
        run(&mut s, [f2(Press)]),
        vec![Effect::PushToTalk { active: true }]
    );
    assert_eq!(
        run(&mut s, [f2(Press)]),
        vec![Effect::PushToTalk { active: false }]
    );
    // Talking stops when leaving voice.
    run(&mut s, [f2(Press)]);
    let fx = run(
        &mut s,
        typed("/leave").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(fx.contains(&Effect::PushToTalk { active: false }), "{fx:?}");

    // With voice activity (the default), F2 only explains.
    let (mut s, _) = in_voice();
    assert_eq!(run(&mut s, [f2(Press)]), vec![]);
    let notice = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("push-to-talk is off"), "{notice}");
}

fn status_line(s: &AppState) -> String {
    let lines = render(s, 120, 30);
    lines.last().cloned().unwrap_or_default()
}

#[test]
fn volume_by_command_and_by_keys_in_the_member_list() {
    let (mut s, _) = in_voice();
    let fx = run(
        &mut s,
        typed("/volume @alice 150")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert_eq!(
        fx,
        vec![Effect::SetUserVolume {
            user: ALICE,
            percent: 150
        }]
    );
    assert_eq!(server(&s).volume(ALICE), 150);
    assert!(
        screen(&s, 200, 60).contains("Alice 150%"),
        "{}",
        screen(&s, 200, 60)
    );

    // Names are matched without case; unknown ones and bad levels are explained.
    let fx = run(
        &mut s,
        typed("/volume BOB 0")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert_eq!(
        fx,
        vec![Effect::SetUserVolume {
            user: BOB,
            percent: 0
        }]
    );
    let fx = run(
        &mut s,
        typed("/volume @nobody 50")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert!(fx.is_empty());
    let notice = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("no member called nobody"), "{notice}");
    run(
        &mut s,
        typed("/volume @alice 500")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    let notice = s
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("from 0 to 200"), "{notice}");
    assert_eq!(server(&s).volume(ALICE), 150);

    // + and - on the selected member: ten points each, within 0-200.
    s.focus = Focus::Members;
    s.member_cursor = members::member_order(server(&s))
        .iter()
        .position(|u| *u == ALICE)
        .expect("alice listed");
    assert_eq!(
        run(&mut s, [ch('+')]),
        vec![Effect::SetUserVolume {
            user: ALICE,
            percent: 160
        }]
    );
    run(&mut s, [ch('-'), ch('-')]);
    assert_eq!(server(&s).volume(ALICE), 140);
    for _ in 0..10 {
        run(&mut s, [ch('+')]);
    }
    assert_eq!(server(&s).volume(ALICE), 200);
    // Back to 100 shows no figure.
    run(
        &mut s,
        [Action::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('i'),
            crossterm::event::KeyModifiers::NONE,
        ))],
    );
    run(
        &mut s,
        typed("/volume @alice 100")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert!(
        !screen(&s, 200, 60).contains("Alice 1"),
        "{}",
        screen(&s, 200, 60)
    );
}

#[test]
fn registering_on_a_server_with_an_owner_shows_no_setup_code_field() {
    for owner in [None, Some(Id(1))] {
        let mut s = AppState::new(Config::default());
        let k = s.add_server("http://localhost:8080");
        let mut i = info("Club");
        i.owner_id = owner;
        run(&mut s, [Action::ServerProbed { server: k, info: i }]);
        s.login.register = true;
        let text = screen(&s, 80, 24);
        assert_eq!(text.contains("Setup code"), owner.is_none(), "{text}");
        assert!(text.contains("Invite"), "{text}");
    }
}

#[test]
fn question_mark_is_text_in_the_composer_and_esc_leaves_it_for_help() {
    let (mut s, _k) = chat_state();
    assert_eq!(s.focus, Focus::Composer);
    run(&mut s, [ch('?')]);
    assert!(
        s.overlay.is_none(),
        "? typed into the composer opens nothing"
    );
    assert_eq!(s.composer.buffer.text(), "?");
    run(&mut s, [key(KeyCode::Backspace), key(KeyCode::Esc)]);
    assert_eq!(
        s.focus,
        Focus::Messages,
        "Esc with nothing to cancel leaves the composer"
    );
    run(&mut s, [ch('?')]);
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn deleting_a_message_asks_for_the_key_again() {
    let (mut s, k) = chat_state();
    run(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.focus, Focus::Messages);
    // Our message selected.
    s.server_mut(k).expect("server").selected_message = Some(mid(3));
    // Once: nothing is deleted, the status line asks.
    assert!(run(&mut s, [ch('x')]).is_empty());
    assert_eq!(s.pending_delete, Some(mid(3)));
    let text = screen(&s, 120, 30);
    assert!(text.contains("press x again to delete"), "{text}");
    // Another key keeps the message.
    run(&mut s, [ch('j')]);
    assert_eq!(s.pending_delete, None);
    s.server_mut(k).expect("server").selected_message = Some(mid(3));
    assert!(run(&mut s, [ch('x')]).is_empty());
    // Twice in a row: deleted.
    assert_eq!(
        run(&mut s, [ch('x')]),
        vec![Effect::DeleteMessage {
            server: k,
            channel: GENERAL,
            message: mid(3)
        }]
    );
}

#[test]
fn search_pins_and_links_jump_to_the_message_in_context() {
    let (mut s, k) = chat_state();
    let cmd =
        |s: &mut AppState, text: &str| run(s, typed(text).into_iter().chain([key(KeyCode::Enter)]));
    assert_eq!(
        cmd(&mut s, "/search from:bob report"),
        vec![Effect::Search {
            server: k,
            query: "from:bob report".into()
        }]
    );
    let open = s.active_server().unwrap().active_channel.unwrap();
    assert_eq!(
        cmd(&mut s, "/pins"),
        vec![Effect::FetchPins {
            server: k,
            channel: open
        }]
    );
    // Results arrive: a list; Down then Enter jumps to the second, an unloaded message of
    // #random, loading the page that ends with it.
    let far = Id(77_000);
    let mut a = msg(1, GENERAL, ALICE, "report one");
    a.id = Id(78_000);
    let mut b = msg(2, RANDOM, BOB, "report two");
    b.id = far;
    run(
        &mut s,
        [Action::Found {
            server: k,
            title: "search: report".into(),
            total: 2,
            messages: vec![a, b],
        }],
    );
    assert!(matches!(s.overlay, Some(Overlay::Results(_))));
    let out = screen(&s, 120, 30);
    assert!(out.contains("search: report (2)"), "{out}");
    assert!(out.contains("#random Bob: report two"), "{out}");
    let fx = run(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    assert!(s.overlay.is_none());
    let srv = s.active_server().unwrap();
    assert_eq!(srv.active_channel, Some(RANDOM));
    assert_eq!(srv.selected_message, Some(far));
    assert!(
        fx.contains(&Effect::FetchHistory {
            server: k,
            channel: RANDOM,
            before: Some(Id(far.0 + 1)),
            limit: 50,
        }),
        "{fx:?}"
    );

    // A typed link does the same (back in the composer first).
    s.focus = Focus::Composer;
    let fx = cmd(
        &mut s,
        &format!("/jump https://hq.example.org/channels/{GENERAL}/{}", mid(3)),
    );
    let srv = s.active_server().unwrap();
    assert_eq!(srv.active_channel, Some(GENERAL));
    assert_eq!(srv.selected_message, Some(mid(3)));
    let _ = fx;
    s.focus = Focus::Composer;
    cmd(&mut s, "/jump nonsense");
    assert!(s.notice.as_ref().unwrap().text.contains("message link"));
}

#[test]
fn attachments_are_links_uploaded_with_a_command_and_opened_with_o() {
    let (mut s, k) = chat_state();
    let mut m = msg(7, GENERAL, BOB, "the report");
    m.attachments = vec![spectrus_proto::model::Attachment {
        id: Id(900),
        filename: "report.pdf".into(),
        size: 12_345,
        content_type: "application/pdf".into(),
        url: "/api/v1/attachments/900/report.pdf?ex=1&sig=ab".into(),
        width: None,
        height: None,
        thumbnail_url: None,
    }];
    run(&mut s, [gw(k, Dispatch::MessageCreate(m))]);
    let out = screen(&s, 120, 30);
    assert!(out.contains("📎 report.pdf (12 KB)"), "{out}");
    assert!(out.contains("/api/v1/attachments/900/report.pdf"), "{out}");
    assert!(
        !out.contains("sig="),
        "the signed query string stays off screen:\n{out}"
    );

    // `o` on a message without files says so; on this one it opens the signed URL.
    s.focus = Focus::Messages;
    s.server_mut(k).expect("server").selected_message = Some(mid(1));
    let fx = run(&mut s, [ch('o')]);
    assert!(fx.iter().all(|e| !matches!(e, Effect::OpenUrl { .. })));
    s.server_mut(k).expect("server").selected_message = Some(mid(7));
    let fx = run(&mut s, [ch('o')]);
    let base = server(&s).url.trim_end_matches('/').to_owned();
    assert!(
        fx.contains(&Effect::OpenUrl {
            url: format!("{base}/api/v1/attachments/900/report.pdf?ex=1&sig=ab")
        }),
        "{fx:?}"
    );

    // `/upload PATH` posts the file in the open channel.
    s.focus = Focus::Composer;
    let fx = run(
        &mut s,
        typed("/upload /tmp/holiday.png")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert!(fx.contains(&Effect::UploadFile {
        server: k,
        channel: GENERAL,
        path: "/tmp/holiday.png".into()
    }));
}

#[test]
fn a_large_server_watches_a_page_of_members_and_pages_past_its_end() {
    let mut s = AppState::new(Config::default());
    let k = s.add_server("https://big.example.org");
    let mut r = ready("Big");
    r.large = true;
    r.members = vec![];
    r.member_count = 250;
    let fx = run(
        &mut s,
        [
            Action::LoginOk {
                server: k,
                user: me_user(),
            },
            gw(k, GatewayEvent::Ready(Box::new(r))),
        ],
    );
    let watch = |offset| Effect::WatchMembers {
        server: k,
        offset,
        limit: 100,
        user_ids: vec![ME],
    };
    assert!(
        fx.contains(&watch(0)),
        "ready on a large server asks for the first page"
    );
    let page: Vec<_> = (0..100)
        .map(|i| member(Id(1000 + i), &format!("m{i:03}"), vec![], Presence::Offline))
        .collect();
    run(
        &mut s,
        [gw(
            k,
            GatewayEvent::Members(spectrus_proto::gateway::MembersChunk {
                offset: 0,
                range_len: 100,
                members: page,
                member_count: 250,
            }),
        )],
    );
    assert_eq!(server(&s).members.len(), 100);
    s.focus = Focus::Members;
    s.member_cursor = 99;
    let fx = run(&mut s, [key(KeyCode::Down)]);
    assert!(
        fx.contains(&watch(100)),
        "moving past the page's end watches the next: {fx:?}"
    );
    assert_eq!(s.member_cursor, 0);
    let fx = run(&mut s, [key(KeyCode::Up)]);
    assert!(
        fx.contains(&watch(0)),
        "moving above its start watches the previous"
    );
}
