//! Rendering tests: each main view drawn on a TestBackend at 80x24 and 200x60, asserting on
//! what is on screen.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use common::*;
use crossterm::event::KeyCode;
use ratatui::style::Color;
use spectrus_proto::gateway::{Dispatch, ReactionEvent, Speaking, TypingStart};
use spectrus_proto::model::{Message, Presence};
use spectrus_tui::action::{Action, GatewayEvent, VoiceEvent};
use spectrus_tui::config::Config;
use spectrus_tui::keymap::Command;
use spectrus_tui::state::{AppState, Focus, Overlay, ServerKey};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

fn busy_chat() -> (AppState, ServerKey) {
    let (mut s, k) = chat_state();
    let mut m = msg(4, GENERAL, ALICE, "ping <@100> see the notes");
    m.mentions = vec![ME];
    m.edited_at = Some("2026-11-25T10:06:00Z".into());
    let r = |user| ReactionEvent {
        channel_id: GENERAL,
        message_id: mid(4),
        user_id: user,
        emoji: "👍".into(),
    };
    run(
        &mut s,
        [
            gw(k, Dispatch::MessageCreate(m)),
            gw(k, Dispatch::ReactionAdd(r(BOB))),
            gw(k, Dispatch::ReactionAdd(r(ME))),
            Action::Tick { now_ms: 100 },
            gw(
                k,
                Dispatch::TypingStart(TypingStart {
                    channel_id: GENERAL,
                    user_id: CAROL,
                    timestamp: String::new(),
                }),
            ),
        ],
    );
    (s, k)
}

#[test]
fn login_screen() {
    for (w, h) in SIZES {
        let s = AppState::new(Config::default());
        let out = screen(&s, w, h);
        for needle in [
            "Spectrus — Log in",
            "Server",
            "Username",
            "Password",
            "Enter log in",
            "Ctrl+R register · Esc quit",
        ] {
            assert!(out.contains(needle), "{w}x{h} lacks {needle:?}:\n{out}");
        }
        assert!(!out.contains("Setup code"));
        let mut s = AppState::new(Config::default());
        run(&mut s, [ctrl('r')]);
        run(&mut s, typed("chat.example.org"));
        run(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
        run(&mut s, typed("secret"));
        let out = screen(&s, w, h);
        for needle in [
            "Spectrus — Register",
            "Setup code",
            "Invite",
            "chat.example.org",
            "••••••",
        ] {
            assert!(out.contains(needle), "{w}x{h} lacks {needle:?}:\n{out}");
        }
        assert!(!out.contains("secret"), "the password is shown:\n{out}");
    }
}

#[test]
fn chat_view() {
    for (w, h) in SIZES {
        let (s, _) = busy_chat();
        let out = screen(&s, w, h);
        for needle in [
            "TEXT CHANNELS",
            "# general",
            "# random",
            "@1",
            "♪ lounge",
            "#general",
            "hello everyone",
            "Bob morning all",
            "Tue 2026-11-24",
            "Wed 2026-11-25",
            "╭ Bob: morning all",
            "Zoe hi alice, welcome back",
            "@Zoe",
            "(edited)",
            "[👍 2]",
            "Carol is typing…",
            "Spectrus HQ connected",
            "voice off",
            "Message #general",
        ] {
            assert!(out.contains(needle), "{w}x{h} lacks {needle:?}:\n{out}");
        }
    }
}

#[test]
fn the_newest_messages_fill_the_view_from_the_bottom() {
    let (mut s, k) = chat_state();
    let many: Vec<Message> = (100..160)
        .map(|n| msg(n, GENERAL, BOB, &format!("line {n}")))
        .collect();
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: GENERAL,
            before: None,
            messages: many,
        }],
    );
    for (w, h) in SIZES {
        let out = screen(&s, w, h);
        assert!(out.contains("line 159"), "{w}x{h}:\n{out}");
        assert!(!out.contains("line 100 "), "{w}x{h}:\n{out}");
    }
}

#[test]
fn new_message_marker_sits_before_the_first_unread() {
    let (mut s, k) = chat_state();
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: None,
            messages: vec![msg(40, RANDOM, BOB, "unread hello")],
        }],
    );
    s.focus = Focus::Channels;
    s.channel_cursor = 1;
    run(&mut s, [key(KeyCode::Enter)]);
    for (w, h) in SIZES {
        let lines = render(&s, w, h);
        let marker = lines
            .iter()
            .position(|l| l.contains("─ new ─"))
            .unwrap_or_else(|| panic!("no marker at {w}x{h}:\n{}", lines.join("\n")));
        let message = lines
            .iter()
            .position(|l| l.contains("unread hello"))
            .expect("message drawn");
        assert!(marker < message);
    }
}

#[test]
fn a_link_preview_is_a_line_under_its_message() {
    let (mut s, k) = chat_state();
    let mut m = msg(41, RANDOM, BOB, "see https://crab.example/a");
    m.embeds = vec![spectrus_proto::model::Embed {
        url: "https://crab.example/a".into(),
        title: Some("Crabs and claws".into()),
        site_name: Some("Crab News".into()),
        ..Default::default()
    }];
    run(
        &mut s,
        [Action::HistoryLoaded {
            server: k,
            channel: RANDOM,
            before: None,
            messages: vec![m],
        }],
    );
    s.focus = Focus::Channels;
    s.channel_cursor = 1;
    run(&mut s, [key(KeyCode::Enter)]);
    for (w, h) in SIZES {
        let lines = render(&s, w, h);
        let message = lines
            .iter()
            .position(|l| l.contains("see https://crab.example"))
            .unwrap_or_else(|| panic!("no message at {w}x{h}:\n{}", lines.join("\n")));
        let embed = lines
            .iter()
            .position(|l| l.contains("Crab News — Crabs"))
            .unwrap_or_else(|| panic!("no preview at {w}x{h}:\n{}", lines.join("\n")));
        assert!(message < embed, "the preview sits under its message");
    }
    // With "show link previews" off in my settings, the line is gone.
    s.server_mut(k).expect("server").show_link_previews = false;
    let out = screen(&s, 120, 30);
    assert!(out.contains("see https://crab.example"), "{out}");
    assert!(!out.contains("Crab News"), "{out}");
}

#[test]
fn members_pane() {
    let (s, _) = busy_chat();
    let out = screen(&s, 200, 60);
    for needle in [
        "Members — 5",
        "ADMIN — 1",
        "MOD — 1",
        "ONLINE — 2",
        "OFFLINE — 1",
        "● Alice",
        "● Dave",
    ] {
        assert!(out.contains(needle), "200x60 lacks {needle:?}:\n{out}");
    }
    let lines = render(&s, 200, 60);
    assert!(
        lines.iter().position(|l| l.contains("ADMIN"))
            < lines.iter().position(|l| l.contains("MOD —"))
    );
    // Presence dots and role colours.
    let mut t =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).expect("terminal");
    t.draw(|f| spectrus_tui::ui::draw(f, &s)).expect("draw");
    let buf = t.backend().buffer().clone();
    let find = |name: &str| {
        let y = lines
            .iter()
            .position(|l| l.contains(&format!("● {name}")))
            .expect("member row") as u16;
        let x = lines[y as usize]
            .chars()
            .take_while(|_| true)
            .collect::<Vec<_>>();
        let col = x
            .iter()
            .collect::<String>()
            .find(&format!("● {name}"))
            .map(|b| lines[y as usize][..b].chars().count())
            .expect("col") as u16;
        (buf[(col, y)].fg, buf[(col + 2, y)].fg)
    };
    assert_eq!(find("Alice"), (Color::Green, Color::Rgb(255, 0, 0)));
    assert_eq!(find("Dave").0, Color::DarkGray);
    // At 80 columns the member list shows when it has the focus.
    let out = screen(&s, 80, 24);
    assert!(
        !out.contains("Members — 5"),
        "80x24 should leave room for messages:\n{out}"
    );
    let mut s = s;
    s.focus = Focus::Members;
    let out = screen(&s, 80, 24);
    for needle in ["Members — 5", "ADMIN — 1", "Alice"] {
        assert!(out.contains(needle), "80x24 lacks {needle:?}:\n{out}");
    }
}

#[test]
fn voice_channel_with_participants_and_speaking_marker() {
    let (mut s, k) = busy_chat();
    run(
        &mut s,
        [
            gw(
                k,
                Dispatch::Speaking(Speaking {
                    user_id: ALICE,
                    channel_id: LOUNGE,
                    speaking: true,
                }),
            ),
            gw(
                k,
                Dispatch::PresenceUpdate(spectrus_proto::gateway::PresenceUpdate {
                    user_id: BOB,
                    status: Presence::Online,
                }),
            ),
        ],
    );
    s.focus = Focus::Channels;
    s.channel_cursor = 2;
    run(
        &mut s,
        [
            key(KeyCode::Enter),
            Action::Voice(VoiceEvent::Joined {
                server: k,
                channel: LOUNGE,
            }),
            Action::Voice(VoiceEvent::Level(0.5)),
            ch('m'),
        ],
    );
    for (w, h) in SIZES {
        let out = screen(&s, w, h);
        for needle in [
            "♪ lounge",
            "◉ Alice",
            "○ Bob",
            "♪lounge muted",
            "mic ▯▯▯▯▯▯▯▯",
        ] {
            assert!(out.contains(needle), "{w}x{h} lacks {needle:?}:\n{out}");
        }
    }
    run(&mut s, [ch('m')]);
    assert!(screen(&s, 80, 24).contains("mic ▮▮▮▮▯▯▯▯"));
}

#[test]
fn help_overlay_lists_every_binding() {
    let (mut s, _) = busy_chat();
    s.focus = Focus::Messages;
    run(&mut s, [ch('?')]);
    let out = screen(&s, 200, 60);
    for cmd in Command::ALL {
        assert!(
            out.contains(cmd.description()),
            "help lacks {:?}:\n{out}",
            cmd.description()
        );
        assert!(
            out.contains(&s.keymap.keys_label(*cmd)),
            "help lacks keys of {cmd:?}"
        );
    }
    for (_, usage, _) in spectrus_tui::commands::COMMANDS {
        assert!(out.contains(usage), "help lacks {usage}");
    }
    // At 80x24 it scrolls: the first page, a "more" hint, and everything by the end.
    let first = screen(&s, 80, 24);
    assert!(
        first.contains("Help") && first.contains("↓ more") && first.contains("Quit"),
        "{first}"
    );
    let mut seen = first.clone();
    for _ in 0..80 {
        run(&mut s, [ch('j')]);
        seen.push_str(&screen(&s, 80, 24));
    }
    for cmd in Command::ALL {
        assert!(
            seen.contains(cmd.description()),
            "80x24 never shows {:?}",
            cmd.description()
        );
    }
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn help_follows_remapped_keys() {
    let cfg = Config::parse(
        "[keys]\ntoggle_mute = [\"ctrl+t\"]\n",
        std::path::Path::new("t.toml"),
    )
    .expect("valid");
    let mut s = AppState::new(cfg);
    s.overlay = Some(Overlay::Help { scroll: 0 });
    let k = s.add_server("https://x.org");
    run(
        &mut s,
        [
            Action::LoginOk {
                server: k,
                user: me_user(),
            },
            gw(k, GatewayEvent::Ready(Box::new(ready("X")))),
        ],
    );
    s.overlay = Some(Overlay::Help { scroll: 0 });
    let out = screen(&s, 200, 60);
    let line = out
        .lines()
        .find(|l| l.contains("Mute or unmute"))
        .expect("mute listed")
        .to_owned();
    assert!(line.contains("Ctrl+T"), "{line}");
}

#[test]
fn channel_switcher() {
    for (w, h) in SIZES {
        let (mut s, _) = busy_chat();
        run(&mut s, [ctrl('k')]);
        let out = screen(&s, w, h);
        for needle in [
            "Go to channel",
            "> ",
            "# general",
            "# random",
            "♪ lounge",
            "Spectrus HQ",
        ] {
            assert!(out.contains(needle), "{w}x{h} lacks {needle:?}:\n{out}");
        }
        run(&mut s, typed("rnd"));
        let out = screen(&s, w, h);
        assert!(out.contains("> rnd"), "{out}");
        let listed: Vec<&str> = out.lines().filter(|l| l.contains("# ")).collect();
        assert!(
            listed
                .iter()
                .any(|l| l.contains("# random") && l.contains("@1")),
            "{out}"
        );
        assert!(!out.contains("♪ lounge Spectrus") || !out.contains("> rnd"));
    }
}

#[test]
fn server_rail_shows_badges_when_several_servers_are_saved() {
    let (mut s, _) = busy_chat();
    let k2 = s.add_server("https://games.example.org");
    run(
        &mut s,
        [
            Action::LoginOk {
                server: k2,
                user: me_user(),
            },
            gw(k2, GatewayEvent::Ready(Box::new(ready("Game Night")))),
        ],
    );
    let mut m = msg(50, GENERAL, ALICE, "gg <@100>");
    m.mentions = vec![ME];
    run(&mut s, [gw(k2, Dispatch::MessageCreate(m))]);
    for (w, h) in SIZES {
        let lines = render(&s, w, h);
        assert!(lines[0].starts_with("▌SH"), "{w}x{h}: {:?}", lines[0]);
        assert!(lines[1].starts_with(" GN2"), "{w}x{h}: {:?}", lines[1]);
    }
}

#[test]
fn a_tiny_terminal_does_not_panic() {
    let (s, _) = busy_chat();
    for (w, h) in [(1, 1), (10, 5), (40, 10), (79, 23)] {
        let _ = render(&s, w, h);
        let _ = render(&AppState::new(Config::default()), w, h);
    }
}

#[test]
#[ignore = "prints the screens for a person to look at"]
fn dump() {
    let (mut s, _) = busy_chat();
    for (w, h) in SIZES {
        println!("{}", screen(&s, w, h));
    }
    s.focus = Focus::Messages;
    run(&mut s, [ch('?')]);
    println!("{}", screen(&s, 200, 60));
    println!("{}", screen(&AppState::new(Config::default()), 80, 24));
}

#[test]
fn the_first_message_of_an_empty_channel_is_drawn_while_it_is_sent() {
    for (w, h) in SIZES {
        let (mut s, k) = chat_state();
        run(
            &mut s,
            [Action::HistoryLoaded {
                server: k,
                channel: RANDOM,
                before: None,
                messages: vec![],
            }],
        );
        s.server_mut(k).expect("server").active_channel = Some(RANDOM);
        run(
            &mut s,
            typed("first!").into_iter().chain([key(KeyCode::Enter)]),
        );
        assert!(screen(&s, w, h).contains("first!"), "{}", screen(&s, w, h));
    }
}

/// The spans of the message view whose text is exactly `text`.
fn spans_with<'a>(
    lines: &'a [ratatui::text::Line<'static>],
    text: &str,
) -> Vec<&'a ratatui::text::Span<'static>> {
    lines
        .iter()
        .flat_map(|l| l.spans.iter())
        .filter(|s| s.content.trim() == text)
        .collect()
}

#[test]
fn markdown_renders_as_styles_and_pings_of_me_are_highlighted() {
    use ratatui::style::Modifier;
    let (mut s, k) = chat_state();
    let mut a = msg(
        5,
        GENERAL,
        ALICE,
        "**loud** _soft_ ~~old~~ `code` ||secret|| <#12> @everyone https://example.com",
    );
    a.mention_everyone = true;
    let b = msg(6, GENERAL, BOB, "> quoted <@&3>\n```\nfn x() {}\n```");
    run(
        &mut s,
        [
            gw(k, Dispatch::MessageCreate(a)),
            gw(k, Dispatch::MessageCreate(b)),
        ],
    );
    let theme = spectrus_tui::ui::theme(&s);
    let server = s.active_server().unwrap();
    let lines = spectrus_tui::ui::messages::visible_lines(server, 120, 30, &theme);
    let text: String = lines
        .iter()
        .flat_map(|l| l.spans.iter().map(|s| s.content.to_string()))
        .collect();
    for gone in ["**", "~~", "`", "||", "secret", "<#12>", "<@&3>", "```"] {
        assert!(!text.contains(gone), "{gone:?} shown raw in {text:?}");
    }
    let has = |t: &str, m: Modifier| {
        spans_with(&lines, t)
            .iter()
            .any(|s| s.style.add_modifier.contains(m))
    };
    assert!(has("loud", Modifier::BOLD));
    assert!(has("soft", Modifier::ITALIC));
    assert!(has("old", Modifier::CROSSED_OUT));
    assert!(has("https://example.com", Modifier::UNDERLINED));
    assert!(
        has("@everyone", Modifier::REVERSED),
        "a ping of me stands out"
    );
    assert!(
        spans_with(&lines, "code")
            .iter()
            .any(|s| s.style.bg == Some(Color::Indexed(236)))
    );
    assert!(
        spans_with(&lines, "fn x() {}")
            .iter()
            .any(|s| s.style.bg == Some(Color::Indexed(236)))
    );
    assert!(text.contains("░░░░░░"), "the spoiler is hidden");
    assert!(text.contains("#random"));
    assert!(text.contains("▎ quoted"));
    // The role mention shows the role's name in its colour (I do not hold Mod).
    let role = spans_with(&lines, "@Mod");
    assert!(
        role.iter()
            .any(|s| s.style.fg == Some(Color::Rgb(0, 255, 0))),
        "{role:?}"
    );
    // @everyone from someone allowed: the message's time is in the mention colour.
    let time_of_a = lines
        .iter()
        .find(|l| l.spans.iter().any(|s| s.content.contains("loud")))
        .unwrap();
    assert_eq!(time_of_a.spans[0].style.fg, Some(theme.mention));
}

#[test]
fn channel_header_shows_slowmode_and_a_refused_post_says_why() {
    let (mut s, k) = chat_state();
    let mut general = s.server(k).unwrap().channel(GENERAL).cloned().unwrap();
    general.slowmode_seconds = 30;
    run(&mut s, [gw(k, Dispatch::ChannelUpdate(general))]);
    for (w, h) in SIZES {
        let out = screen(&s, w, h);
        assert!(out.contains("#general · slowmode 30s"), "{w}x{h}:\n{out}");
    }
    let fx = run(
        &mut s,
        typed("too fast").into_iter().chain([key(KeyCode::Enter)]),
    );
    let nonce = fx
        .into_iter()
        .find_map(|e| match e {
            spectrus_tui::effect::Effect::SendMessage { nonce, .. } => Some(nonce),
            _ => None,
        })
        .unwrap();
    run(
        &mut s,
        [Action::SendFailed {
            server: k,
            nonce,
            error: "slowmode is on in this channel (30 s between messages); retry in 12 s".into(),
        }],
    );
    let out = screen(&s, 200, 60);
    assert!(
        out.contains("message not sent: slowmode is on in this channel (30 s between messages); retry in 12 s"),
        "{out}"
    );
}

#[test]
fn premium_branding_names_the_header_and_colours_the_focus_until_it_lapses() {
    let (mut s, k) = chat_state();
    s.focus = Focus::Channels;
    let mut branded = info("Spectrus HQ");
    branded.premium = true;
    branded.branding = spectrus_proto::model::Branding {
        app_name: Some("Owl Chat".into()),
        accent_color: Some("#ff8800".into()),
        logo_url: None,
    };
    run(&mut s, [gw(k, Dispatch::ServerUpdate(branded))]);
    // The colour of the channel list's top border, just left of its title.
    let header = |s: &AppState, title: &str| {
        let mut t =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
        t.draw(|f| spectrus_tui::ui::draw(f, s)).expect("draw");
        let lines = screen_lines(t.backend());
        let y = lines.iter().position(|l| l.contains(title))?;
        let x = lines[y][..lines[y].find(title)?].chars().count() as u16;
        Some(t.backend().buffer()[(x.saturating_sub(1), y as u16)].fg)
    };
    assert_eq!(
        header(&s, "Owl Chat"),
        Some(Color::Rgb(0xff, 0x88, 0x00)),
        "{}",
        screen(&s, 80, 24)
    );
    // The licence lapses: the server sends no branding, and the defaults are back.
    run(&mut s, [gw(k, Dispatch::ServerUpdate(info("Spectrus HQ")))]);
    assert_eq!(header(&s, "Owl Chat"), None);
    let colour = header(&s, "Spectrus HQ").expect("the server's name heads the list");
    assert_ne!(colour, Color::Rgb(0xff, 0x88, 0x00));
    assert_eq!(colour, spectrus_tui::ui::theme(&s).accent);
}
