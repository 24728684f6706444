//! Who is in which voice channel: one entry per member in voice (a member is in at most one
//! voice channel), keyed by user and by the SFU participant id of that voice session, plus
//! moderators' server mute/deafen flags (in voice or not; the store keeps them across
//! restarts and startup loads them here).
//! Pure data: no I/O, no locks.

use std::collections::HashMap;
use std::sync::Arc;

use spectrus_proto::Id;

use crate::bus::slot::Slot;

/// A member in voice.
#[derive(Clone)]
pub(crate) struct Participant {
    /// The SFU participant id: unique per voice session (a re-join gets a new one), so a late
    /// SFU event about an old voice session never touches the new one.
    pub pid: u64,
    pub user: Id,
    pub channel: Id,
    /// The gateway session that joined; signalling goes there and voice ends with it.
    pub slot: Arc<Slot>,
    pub self_mute: bool,
    pub self_deaf: bool,
    /// Server mute in force as last told to the SFU (moderator flag or missing `voice:speak`).
    pub mute: bool,
    /// Server deafen in force as last told to the SFU.
    pub deaf: bool,
    /// The latest `voice_offer` frame not yet answered (re-sent after a gateway resume).
    pub pending_offer: Option<Arc<str>>,
    /// Whether the SFU last said this member is speaking (sent to clients that connect or
    /// join later, who missed that `SPEAKING`).
    pub speaking: bool,
}

/// Moderator-set flags of one member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Moderation {
    pub mute: bool,
    pub deaf: bool,
}

/// The registry; see the module comment.
#[derive(Default)]
pub(crate) struct Registry {
    by_user: HashMap<Id, Participant>,
    by_pid: HashMap<u64, Id>,
    moderation: HashMap<Id, Moderation>,
    next_pid: u64,
}

impl Registry {
    /// A fresh participant id.
    pub(crate) fn next_pid(&mut self) -> u64 {
        self.next_pid += 1;
        self.next_pid
    }

    /// Puts `p` in voice, returning the voice session it replaces (the member moved).
    pub(crate) fn insert(&mut self, p: Participant) -> Option<Participant> {
        let old = self.by_user.insert(p.user, p.clone());
        if let Some(o) = &old {
            self.by_pid.remove(&o.pid);
        }
        self.by_pid.insert(p.pid, p.user);
        old
    }

    /// Takes a member out of voice.
    pub(crate) fn remove_user(&mut self, user: Id) -> Option<Participant> {
        let p = self.by_user.remove(&user)?;
        self.by_pid.remove(&p.pid);
        Some(p)
    }

    /// Takes the voice session `pid` out (no-op when it was replaced or already gone).
    pub(crate) fn remove_pid(&mut self, pid: u64) -> Option<Participant> {
        let user = *self.by_pid.get(&pid)?;
        self.remove_user(user)
    }

    pub(crate) fn by_user(&self, user: Id) -> Option<&Participant> {
        self.by_user.get(&user)
    }

    pub(crate) fn by_user_mut(&mut self, user: Id) -> Option<&mut Participant> {
        self.by_user.get_mut(&user)
    }

    pub(crate) fn by_pid_mut(&mut self, pid: u64) -> Option<&mut Participant> {
        let user = *self.by_pid.get(&pid)?;
        self.by_user.get_mut(&user)
    }

    /// The member in voice through gateway session `session`, if any.
    pub(crate) fn by_session(&self, session: &str) -> Option<&Participant> {
        self.by_user.values().find(|p| p.slot.id == session)
    }

    /// How many are in `channel`, not counting `except`.
    pub(crate) fn count_in(&self, channel: Id, except: Id) -> usize {
        self.by_user
            .values()
            .filter(|p| p.channel == channel && p.user != except)
            .count()
    }

    pub(crate) fn participants(&self) -> impl Iterator<Item = &Participant> {
        self.by_user.values()
    }

    pub(crate) fn moderation(&self, user: Id) -> Moderation {
        self.moderation.get(&user).copied().unwrap_or_default()
    }

    pub(crate) fn set_moderation(&mut self, user: Id, m: Moderation) {
        if m == Moderation::default() {
            self.moderation.remove(&user);
        } else {
            self.moderation.insert(user, m);
        }
    }

    /// Participants and rooms, for stats.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let mut rooms: Vec<Id> = self.by_user.values().map(|p| p.channel).collect();
        rooms.sort_unstable();
        rooms.dedup();
        (self.by_user.len(), rooms.len())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::access::Access;
    use crate::bus::Hub;
    use crate::bus::hub::HubConfig;

    async fn slot(hub: &Hub, id: &str, user: u64) -> Arc<Slot> {
        let (out, _client) = crate::bus::out::tests::pair(1).await;
        hub.register(id.into(), Id(user), Id(1), out)
    }

    fn participant(reg: &mut Registry, slot: Arc<Slot>, channel: u64) -> Participant {
        Participant {
            pid: reg.next_pid(),
            user: slot.user,
            channel: Id(channel),
            slot,
            self_mute: false,
            self_deaf: false,
            mute: false,
            deaf: false,
            pending_offer: None,
            speaking: false,
        }
    }

    #[tokio::test]
    async fn one_channel_per_member_and_stale_pids_are_ignored() {
        let hub = Hub::new(
            HubConfig {
                resume_buffer: 4,
                resume_window: Duration::from_secs(1),
                outbound_queue: 4,
            },
            Arc::new(Access::new(None, vec![], vec![], vec![])),
        );
        let mut reg = Registry::default();
        let s1 = slot(&hub, "s1", 5).await;
        let first = participant(&mut reg, s1.clone(), 100);
        assert!(reg.insert(first.clone()).is_none());
        // Joining another channel replaces (moves) the voice session.
        let second = participant(&mut reg, s1, 200);
        assert_ne!(first.pid, second.pid);
        let old = reg.insert(second.clone()).expect("replaced");
        assert_eq!(old.channel, Id(100));
        assert_eq!(reg.count_in(Id(100), Id(0)), 0);
        assert_eq!(reg.count_in(Id(200), Id(0)), 1);
        assert_eq!(reg.count_in(Id(200), Id(5)), 0);
        // A late event about the old voice session does not touch the new one.
        assert!(reg.remove_pid(first.pid).is_none());
        assert!(reg.by_session("s1").is_some());
        let s2 = slot(&hub, "s2", 6).await;
        let p = participant(&mut reg, s2, 200);
        reg.insert(p);
        assert_eq!(reg.counts(), (2, 1));
        assert_eq!(reg.remove_pid(second.pid).map(|p| p.user), Some(Id(5)));
        assert!(reg.by_session("s1").is_none());
        // Moderation flags persist, and clearing them forgets the member.
        reg.set_moderation(
            Id(7),
            Moderation {
                mute: true,
                deaf: false,
            },
        );
        assert!(reg.moderation(Id(7)).mute);
        reg.set_moderation(Id(7), Moderation::default());
        assert!(reg.moderation.is_empty());
    }
}
