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
        self.check_at(id, token, Instant::now())
    }

    /// [`Pending::check`] at `now`.
    fn check_at(&self, id: Id, token: &str, now: Instant) -> Option<Interaction> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.get(&id)?;
        let given = super::hash_token(token);
        (e.expires > now && e.token_hash == given).then(|| e.interaction.clone())
    }

    /// Forgets a plugin's interactions (disabled or removed).
    pub(crate) fn forget_plugin(&self, plugin_id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, e| e.interaction.plugin_id != plugin_id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use spectrus_proto::Id;

    use super::{Interaction, Pending, TTL};

    #[test]
    fn a_token_serves_its_own_interaction_for_fifteen_minutes() {
        let p = Pending::default();
        let i = Interaction {
            plugin_id: "echo".into(),
            bot_id: Id(2),
            channel_id: Id(3),
        };
        p.insert(Id(1), i.clone(), "secret");
        p.insert(Id(9), i.clone(), "other");
        let now = Instant::now();
        assert_eq!(p.check_at(Id(1), "secret", now), Some(i.clone()));
        assert_eq!(
            p.check_at(Id(1), "other", now),
            None,
            "another interaction's token"
        );
        assert_eq!(p.check_at(Id(5), "secret", now), None);
        let late = now + TTL + Duration::from_secs(1);
        assert_eq!(p.check_at(Id(1), "secret", late), None, "expired");
        p.forget_plugin("echo");
        assert_eq!(
            p.check_at(Id(1), "secret", now),
            None,
            "its plugin was disabled"
        );
    }
}
