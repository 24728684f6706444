//! The network side of the client: [`ClientRunner`] carries out the reducer's effects with
//! `spectrus-client` (REST and gateway, one session per server, several at once) and feeds
//! what happens back as actions.
//!
//! - [`runner`]: the [`crate::runner::EffectRunner`] itself, dispatching effects to tasks;
//! - [`session`]: one server's login and gateway task;
//! - [`requests`]: the REST effects;
//! - [`tokens`]: where refresh tokens are kept (keychain, else a 0600 file);
//! - [`voice`]: voice signalling and the [`voice::VoiceBackend`] seam for an audio engine;
//! - [`engine`]: [`engine::EngineBackend`], that seam over the `spectrus-voice` engine.

pub mod engine;
pub mod requests;
pub mod runner;
pub mod session;
pub mod tokens;
pub mod voice;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use spectrus_client::GatewayOptions;
use tokio::sync::mpsc::UnboundedSender;

pub use runner::{ClientRunner, RunnerOptions};

use crate::action::Action;
use crate::saved::{SavedServer, SavedServers};

/// What every task of the runner shares.
pub struct Ctx {
    /// Where actions go (the event loop).
    pub tx: UnboundedSender<Action>,
    /// Refresh tokens.
    pub tokens: tokens::TokenStore,
    /// The saved servers file, if there is a home to keep it in.
    pub saved_path: Option<PathBuf>,
    /// Serializes read-modify-write of the saved servers file across tasks.
    saved_lock: Mutex<()>,
    /// Whether the log said that tokens go to a file (said once).
    pub told_file: AtomicBool,
    /// The voice task.
    pub voice: voice::VoiceControl,
    /// Gateway tuning.
    pub gateway: GatewayOptions,
}

impl Ctx {
    /// Sends an action to the event loop (dropped if it is gone: the app is quitting).
    pub fn send(&self, action: Action) {
        if self.tx.send(action).is_err() {
            tracing::debug!("event loop gone; dropping a runner result");
        }
    }

    /// Adds `url` to the saved servers (if missing) and applies `change` to its entry.
    /// Blocking file I/O: call from a blocking task.
    pub fn edit_saved(&self, url: &str, change: impl FnOnce(&mut SavedServer)) {
        let Some(path) = &self.saved_path else {
            return;
        };
        let _guard = self.saved_lock.lock().unwrap_or_else(|p| p.into_inner());
        let url = url.trim_end_matches('/');
        let result = SavedServers::load(path).and_then(|mut saved| {
            saved.add(url);
            if let Some(e) = saved.get_mut(url) {
                change(e);
            }
            saved.save(path)
        });
        if let Err(e) = result {
            tracing::warn!("could not update the saved servers: {e}");
        }
    }
}
