//! Plugin slash commands in the terminal client (issue 16): the list loads after `ready`;
//! Tab completes plugin commands after the built-in ones and then their options, saying what
//! each is; Enter runs a complete one as an interaction (a missing option is refused in the
//! status line, the text kept); a refusal is said in words; a deferral shows "Echo is
//! thinking…" in the status line until the bot's message arrives, tagged `[BOT]`.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use std::collections::BTreeMap;

use common::*;
use crossterm::event::KeyCode;
use serde_json::json;
use spectrus_proto::Id;
use spectrus_proto::admin::CommandOption;
use spectrus_proto::gateway::Dispatch;
use spectrus_proto::interactions::{AvailableCommand, InteractionResult, InteractionStatus};
use spectrus_tui::action::{Action, GatewayEvent};
use spectrus_tui::effect::Effect;
use spectrus_tui::state::AppState;

const BOT: Id = Id(200);

fn commands() -> Vec<AvailableCommand> {
    let text = |required| CommandOption {
        name: "text".into(),
        description: "What to say".into(),
        kind: "string".into(),
        required,
    };
    let cmd = |name: &str, description: &str, required| AvailableCommand {
        plugin_id: "echo".into(),
        plugin_name: "Echo".into(),
        bot_id: BOT,
        name: name.into(),
        description: description.into(),
        options: vec![text(required)],
    };
    vec![
        cmd("echo", "Repeat text", true),
        cmd("slow", "Think for a second, then answer", false),
    ]
}

fn notice(s: &AppState) -> String {
    s.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn status_line(s: &AppState) -> String {
    render(s, 160, 30).last().cloned().unwrap_or_default()
}

fn with_commands() -> (AppState, spectrus_tui::state::ServerKey) {
    let (mut s, k) = chat_state();
    let fx = run(
        &mut s,
        [gw(k, GatewayEvent::Ready(Box::new(ready("Spectrus HQ"))))],
    );
    assert!(
        fx.contains(&Effect::FetchCommands { server: k }),
        "ready loads the command list: {fx:?}"
    );
    run(
        &mut s,
        [Action::CommandsLoaded {
            server: k,
            commands: commands(),
        }],
    );
    (s, k)
}

#[test]
fn tab_completes_plugin_commands_after_the_built_ins_and_then_their_options() {
    let (mut s, _) = with_commands();
    run(&mut s, typed("/e").into_iter().chain([key(KeyCode::Tab)]));
    assert_eq!(s.composer.buffer.text(), "/echo ");
    assert_eq!(notice(&s), "/echo text:<string> — Repeat text (Echo)");
    assert!(status_line(&s).contains("/echo text:<string> — Repeat text (Echo)"));
    run(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.composer.buffer.text(), "/echo text:");
    assert_eq!(notice(&s), "text: required string — What to say");

    // Built-in commands stay first; the plugin's join the end of the list.
    s.composer.buffer.take();
    s.composer.completion = None;
    run(&mut s, typed("/").into_iter().chain([key(KeyCode::Tab)]));
    let all: Vec<String> = s
        .composer
        .completion
        .as_ref()
        .unwrap()
        .candidates
        .iter()
        .map(|c| c.insert.clone())
        .collect();
    assert_eq!(s.composer.buffer.text(), "/join ");
    assert_eq!(
        all[all.len() - 2..],
        ["/echo ".to_owned(), "/slow ".to_owned()]
    );
}

#[test]
fn enter_runs_a_complete_command_and_refuses_a_missing_option() {
    let (mut s, k) = with_commands();
    let fx = run(
        &mut s,
        typed("/echo").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(notice(&s), "missing option text: (required by /echo)");
    assert!(s.notice.as_ref().unwrap().error);
    assert_eq!(s.composer.buffer.text(), "/echo", "the text stays to fix");

    let fx = run(
        &mut s,
        typed(" text:\"hello there\"")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert_eq!(
        fx,
        vec![Effect::InvokeCommand {
            server: k,
            channel: GENERAL,
            command: "echo".into(),
            options: BTreeMap::from([("text".to_owned(), json!("hello there"))]),
            plugin: "Echo".into(),
            bot: BOT,
        }]
    );
    assert_eq!(s.composer.buffer.text(), "");

    run(
        &mut s,
        [Action::CommandRan {
            server: k,
            channel: GENERAL,
            command: "echo".into(),
            plugin: "Echo".into(),
            bot: BOT,
            result: Err((
                Some("plugin_unavailable".into()),
                "the plugin did not answer".into(),
            )),
        }],
    );
    assert!(
        status_line(&s).contains("Echo is not answering right now (plugin unavailable)"),
        "{}",
        status_line(&s)
    );
}

#[test]
fn a_deferred_command_thinks_until_the_bots_answer_which_is_tagged_bot() {
    let (mut s, k) = with_commands();
    let fx = run(
        &mut s,
        typed("/slow").into_iter().chain([key(KeyCode::Enter)]),
    );
    assert!(
        matches!(&fx[..], [Effect::InvokeCommand { command, options, .. }] if command == "slow" && options.is_empty())
    );
    run(
        &mut s,
        [Action::CommandRan {
            server: k,
            channel: GENERAL,
            command: "slow".into(),
            plugin: "Echo".into(),
            bot: BOT,
            result: Ok(InteractionResult {
                id: mid(50),
                status: InteractionStatus::Deferred,
                message: None,
            }),
        }],
    );
    assert!(
        status_line(&s).contains("Echo is thinking…"),
        "{}",
        status_line(&s)
    );
    let mut answer = msg(60, GENERAL, BOT, "Done thinking.");
    answer.author.display_name = "Echo".into();
    answer.author.bot = true;
    run(&mut s, [gw(k, Dispatch::MessageCreate(answer))]);
    assert!(!status_line(&s).contains("thinking"), "{}", status_line(&s));
    let screen = screen(&s, 160, 30);
    let line = screen
        .lines()
        .find(|l| l.contains("Done thinking."))
        .expect("the answer is shown");
    assert!(line.contains("Echo [BOT] Done thinking."), "{line}");
    // People's messages carry no tag.
    assert!(
        screen
            .lines()
            .filter(|l| l.contains("morning all"))
            .all(|l| !l.contains("[BOT]"))
    );
}
