//! Custom emoji in the terminal client: `<:name:id>` in a message and a reaction reads
//! `:name:` (the current name after a rename, the written one once deleted); `:pa` + Tab
//! completes a custom emoji and Enter sends it as `<:name:id>`; `/react :name:` reacts with it.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use common::*;
use crossterm::event::KeyCode;
use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, EmojisUpdate, ReactionEvent};
use spectrus_proto::model::Emoji;
use spectrus_tui::effect::Effect;

fn emoji(id: u64, name: &str) -> Emoji {
    Emoji {
        id: Id(id),
        name: name.into(),
        url: format!("/api/v1/images/{id}.png"),
        animated: false,
        still_url: None,
        creator_id: None,
        created_at: "2026-11-25T10:00:00Z".into(),
    }
}

fn emojis(list: Vec<Emoji>) -> Dispatch {
    Dispatch::EmojisUpdate(EmojisUpdate { emojis: list })
}

#[test]
fn custom_emoji_read_as_names_and_complete_and_send_in_wire_form() {
    let (mut s, k) = chat_state();
    let m = msg(4, GENERAL, ALICE, "look <:party:900> here");
    run(
        &mut s,
        [
            gw(k, emojis(vec![emoji(900, "party"), emoji(901, "blob")])),
            gw(k, Dispatch::MessageCreate(m)),
            gw(
                k,
                Dispatch::ReactionAdd(ReactionEvent {
                    channel_id: GENERAL,
                    message_id: mid(4),
                    user_id: BOB,
                    emoji: "<:party:900>".into(),
                }),
            ),
        ],
    );
    let out = screen(&s, 100, 30);
    assert!(out.contains("look :party: here"), "{out}");
    assert!(out.contains("[:party: 1]"), "{out}");
    assert!(!out.contains("<:party:900>"), "{out}");

    // A rename shows the new name; once deleted, the written one.
    run(&mut s, [gw(k, emojis(vec![emoji(900, "fiesta")]))]);
    let out = screen(&s, 100, 30);
    assert!(out.contains("look :fiesta: here"), "{out}");
    assert!(out.contains("[:fiesta: 1]"), "{out}");
    run(&mut s, [gw(k, emojis(vec![emoji(901, "blob")]))]);
    assert!(screen(&s, 100, 30).contains("look :party: here"));

    // `:` and two characters, Tab: completed; Enter sends the wire form.
    let fx = run(
        &mut s,
        typed("so :bl")
            .into_iter()
            .chain([key(KeyCode::Tab)])
            .chain(typed("yes"))
            .chain([key(KeyCode::Enter)]),
    );
    let Some(Effect::SendMessage { content, .. }) = fx
        .iter()
        .find(|e| matches!(e, Effect::SendMessage { .. }))
        .cloned()
    else {
        panic!("no send: {fx:?}");
    };
    assert_eq!(content, "so <:blob:901> yes");

    // `/react :blob:` reacts with the custom emoji.
    let fx = run(
        &mut s,
        typed("/react :blob:")
            .into_iter()
            .chain([key(KeyCode::Enter)]),
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::React { emoji, add: true, .. } if emoji == "<:blob:901>")),
        "{fx:?}"
    );
}
