//! Slash-command interactions awaiting follow-ups: each has a random token (kept as
//! SHA-256) valid for [`TTL`] and for that one interaction. Held in memory only: a restart
//! ends them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use spectrus_proto::Id;

/// How long an interaction's token authorises follow-ups.
pub(crate) const TTL: Duration = Duration::from_secs(15 * 60);

/// Where an interaction's follow-ups go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interaction {
    pub plugin_id: String,
    pub bot_id: Id,
    pub channel_id: Id,
}

struct Entry {
    interaction: Interaction,
    token_hash: String,
    expires: Instant,
}

/// The interactions whose tokens are live.
#[derive(Default)]
pub(crate) struct Pending {
    map: Mutex<HashMap<Id, Entry>>,
}

impl Pending {
    /// Records an interaction and its token (forgetting expired ones).
    pub(crate) fn insert(&self, id: Id, interaction: Interaction, token: &str) {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, e| e.expires > now);
        map.insert(
            id,
            Entry {
                interaction,
                token_hash: super::hash_token(token),
                expires: now + TTL,
            },
        );
    }

    /// The interaction, when `token` is its token and still live.
    pub(crate) fn check(&self, id: Id, token: &str) -> Option<Interaction> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.get(&id)?;
        let given = super::hash_token(token);
        (e.expires > Instant::now() && e.token_hash == given).then(|| e.interaction.clone())
    }

    /// Forgets a plugin's interactions (disabled or removed).
    pub(crate) fn forget_plugin(&self, plugin_id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, e| e.interaction.plugin_id != plugin_id);
    }
}
