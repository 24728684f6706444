//! The one event loop: terminal input, a tick, and actions from the runner's tasks, merged;
//! each action goes through the reducer, its effects to the runner, and a frame is drawn when
//! something changed. Actions that arrive together are applied before one draw.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::action::Action;
use crate::reducer::update;
use crate::runner::EffectRunner;
use crate::state::AppState;

/// How often the clock ticks (typing expiry, acks, status).
pub const TICK: Duration = Duration::from_millis(250);

/// A terminal event as an action (focus changes carry none).
pub fn action_of(ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) => Some(Action::Key(k)),
        Event::Mouse(m) => Some(Action::Mouse(m)),
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        Event::Paste(s) => Some(Action::Paste(s)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// Runs until the state asks to quit or the terminal input ends.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    state: &mut AppState,
    runner: &mut dyn EffectRunner,
    mut actions: UnboundedReceiver<Action>,
    initial: Vec<Action>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let start = Instant::now();
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if let Ok(size) = terminal.size() {
        apply(
            state,
            runner,
            Action::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    for a in initial {
        apply(state, runner, a);
    }
    let mut dirty = true;
    let mut first = true;
    while !state.should_quit {
        if dirty {
            terminal.draw(|f| crate::ui::draw(f, state))?;
            dirty = false;
            if first {
                first = false;
                tracing::info!(
                    since_loop_ms = start.elapsed().as_secs_f64() * 1000.0,
                    "first frame drawn"
                );
            }
        }
        let action = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => action_of(ev),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = tick.tick() => Some(Action::Tick { now_ms: start.elapsed().as_millis() as u64 }),
            Some(a) = actions.recv() => Some(a),
        };
        let Some(action) = action else { continue };
        let quiet_tick = matches!(action, Action::Tick { .. });
        let before = quiet_tick.then(|| fingerprint(state));
        apply(state, runner, action);
        while let Ok(more) = actions.try_recv() {
            apply(state, runner, more);
            dirty = true;
        }
        dirty |= before.is_none_or(|b| b != fingerprint(state));
    }
    Ok(())
}

fn apply(state: &mut AppState, runner: &mut dyn EffectRunner, action: Action) {
    for effect in update(state, action) {
        runner.run(effect);
    }
}

/// What a tick can change on screen: redraw only when it did (idle CPU stays ~0).
fn fingerprint(state: &AppState) -> (Option<String>, Vec<String>, usize) {
    let typing = state
        .servers
        .iter()
        .map(|s| s.typing.values().map(Vec::len).sum::<usize>())
        .sum();
    let conns = state
        .servers
        .iter()
        .map(|s| crate::ui::status::conn_label(&s.conn))
        .collect();
    (state.notice.as_ref().map(|n| n.text.clone()), conns, typing)
}
