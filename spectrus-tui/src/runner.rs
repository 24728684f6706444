//! Carrying out effects. The reducer only describes what to do; an [`EffectRunner`] does it
//! and reports back with actions on the channel it was given.
//!
//! The network side lives in `spectrus-client` and is wired in phase 2. Until then,
//! [`OfflineRunner`] runs what needs no network (saving the channel to reopen, quitting) and
//! answers every network effect with the failure a user would see when the server cannot be
//! reached, so the UI behaves honestly instead of pretending.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use crate::action::{Action, VoiceEvent};
use crate::effect::Effect;
use crate::saved::SavedServers;

/// Something that carries out effects.
pub trait EffectRunner {
    /// Starts carrying out `effect`. Must not block: long work goes to a task, and its result
    /// comes back as an [`Action`] on the runner's channel.
    fn run(&mut self, effect: Effect);
}

/// The reason network effects fail in this build.
pub const NOT_CONNECTED: &str =
    "no network client in this build (spectrus-client is not wired yet)";

/// Runs local effects; fails network effects with [`NOT_CONNECTED`].
pub struct OfflineRunner {
    tx: UnboundedSender<Action>,
    saved_path: Option<PathBuf>,
    /// Server URLs by the reducer's key, to update the saved servers file.
    urls: Vec<(crate::state::ServerKey, String)>,
}

impl OfflineRunner {
    /// A runner that reports on `tx` and keeps the saved servers file at `saved_path`.
    pub fn new(tx: UnboundedSender<Action>, saved_path: Option<PathBuf>) -> OfflineRunner {
        OfflineRunner {
            tx,
            saved_path,
            urls: Vec::new(),
        }
    }

    /// Tells the runner which URL a server key stands for.
    pub fn know_server(&mut self, key: crate::state::ServerKey, url: &str) {
        self.urls.retain(|(k, _)| *k != key);
        self.urls.push((key, url.to_owned()));
    }

    fn send(&self, action: Action) {
        if self.tx.send(action).is_err() {
            tracing::debug!("event loop gone; dropping a runner result");
        }
    }

    fn remember(&self, key: crate::state::ServerKey, channel: spectrus_proto::Id) {
        let (Some(path), Some((_, url))) =
            (&self.saved_path, self.urls.iter().find(|(k, _)| *k == key))
        else {
            return;
        };
        let result = SavedServers::load(path).and_then(|mut saved| {
            saved.add(url);
            if let Some(e) = saved.get_mut(url.trim_end_matches('/')) {
                e.last_channel = Some(channel);
            }
            saved.save(path)
        });
        if let Err(e) = result {
            tracing::warn!("could not save the last channel: {e}");
        }
    }
}

impl EffectRunner for OfflineRunner {
    fn run(&mut self, effect: Effect) {
        tracing::debug!(?effect, "effect");
        let fail = |_what: &str| NOT_CONNECTED.to_owned();
        match effect {
            Effect::RememberChannel { server, channel } => self.remember(server, channel),
            Effect::Quit => {}
            Effect::ProbeServer { .. }
            | Effect::Ack { .. }
            | Effect::SendTyping { .. }
            | Effect::Logout { .. } => {}
            Effect::Login { server, url, .. } | Effect::Register { server, url, .. } => {
                self.know_server(server, &url);
                self.send(Action::LoginFailed {
                    server,
                    error: fail("login"),
                });
            }
            Effect::SendMessage { server, nonce, .. } => self.send(Action::SendFailed {
                server,
                nonce,
                error: fail("send"),
            }),
            Effect::FetchHistory {
                server, channel, ..
            } => self.send(Action::HistoryFailed {
                server,
                channel,
                error: fail("history"),
            }),
            Effect::JoinVoice { .. } => self.send(Action::Voice(VoiceEvent::Error(fail("voice")))),
            Effect::LeaveVoice { .. } | Effect::SetVoiceState { .. } => {}
            Effect::EditMessage { server, .. } => self.send(Action::RequestFailed {
                server,
                what: "edit".into(),
                error: fail(""),
            }),
            Effect::DeleteMessage { server, .. } => self.send(Action::RequestFailed {
                server,
                what: "delete".into(),
                error: fail(""),
            }),
            Effect::React { server, .. } => self.send(Action::RequestFailed {
                server,
                what: "reaction".into(),
                error: fail(""),
            }),
            Effect::SetNick { server, .. } => self.send(Action::RequestFailed {
                server,
                what: "nickname".into(),
                error: fail(""),
            }),
            Effect::CreateInvite { server } => self.send(Action::RequestFailed {
                server,
                what: "invite".into(),
                error: fail(""),
            }),
        }
    }
}
