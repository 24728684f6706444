//! The hub's table of sessions and its two indexes (issue 20): a user's sessions, and the
//! sessions watching a member (`watch_members`). With them whether a user is online, a
//! dispatch to one user and a presence change on a large server cost the user's sessions
//! and the member's watchers, not a walk over every session.
//!
//! Kept behind the hub's lock: every change to the table updates the indexes with it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use spectrus_proto::Id;

use super::slot::Slot;

/// A key for a slot in a watcher set: its address (stable while the set holds the `Arc`).
fn key(slot: &Arc<Slot>) -> usize {
    Arc::as_ptr(slot) as usize
}

/// One registered session and the members it watches.
struct Entry {
    slot: Arc<Slot>,
    watching: HashSet<Id>,
}

/// Sessions by id, by user, and by the members they watch; see the module comment.
#[derive(Default)]
pub(super) struct Registry {
    sessions: HashMap<String, Entry>,
    by_user: HashMap<Id, Vec<Arc<Slot>>>,
    watchers: HashMap<Id, HashMap<usize, Arc<Slot>>>,
    /// Every session, split by delivery lane: made at the first dispatch to everyone or a
    /// channel after a session came or went, then shared by every such dispatch (no walk
    /// of the table and no reference counted per session per event).
    by_lane: OnceLock<Vec<Arc<[Arc<Slot>]>>>,
}

impl Registry {
    /// Adds a session (watching nobody yet).
    pub(super) fn insert(&mut self, slot: Arc<Slot>) {
        self.by_lane.take();
        self.by_user
            .entry(slot.user)
            .or_default()
            .push(slot.clone());
        let old = self.sessions.insert(
            slot.id.clone(),
            Entry {
                slot,
                watching: HashSet::new(),
            },
        );
        // Session ids are random: a clash replaced a session, which leaves every index.
        if let Some(old) = old {
            self.unindex(&old);
        }
    }

    /// Removes a session from the table and the indexes.
    pub(super) fn remove(&mut self, id: &str) -> Option<Arc<Slot>> {
        let entry = self.sessions.remove(id)?;
        self.by_lane.take();
        self.unindex(&entry);
        Some(entry.slot)
    }

    /// Removes every session for which `drop` is true; returns them.
    pub(super) fn remove_where(&mut self, mut drop: impl FnMut(&Slot) -> bool) -> Vec<Arc<Slot>> {
        let ids: Vec<String> = self
            .sessions
            .values()
            .filter(|e| drop(&e.slot))
            .map(|e| e.slot.id.clone())
            .collect();
        ids.iter().filter_map(|id| self.remove(id)).collect()
    }

    fn unindex(&mut self, entry: &Entry) {
        let slot = &entry.slot;
        if let Some(list) = self.by_user.get_mut(&slot.user) {
            list.retain(|s| !Arc::ptr_eq(s, slot));
            if list.is_empty() {
                self.by_user.remove(&slot.user);
            }
        }
        for member in &entry.watching {
            self.unwatch(*member, slot);
        }
    }

    fn unwatch(&mut self, member: Id, slot: &Arc<Slot>) {
        if let Some(set) = self.watchers.get_mut(&member) {
            set.remove(&key(slot));
            if set.is_empty() {
                self.watchers.remove(&member);
            }
        }
    }

    /// Makes `slot` watch `members` instead of what it watched. A session no longer
    /// registered (it ended meanwhile) is left alone.
    pub(super) fn set_watching(&mut self, slot: &Arc<Slot>, members: HashSet<Id>) {
        let Some(entry) = self.sessions.get_mut(&slot.id) else {
            return;
        };
        if !Arc::ptr_eq(&entry.slot, slot) {
            return;
        }
        let old = std::mem::replace(&mut entry.watching, members);
        let new: Vec<Id> = entry.watching.difference(&old).copied().collect();
        let gone: Vec<Id> = old.difference(&entry.watching).copied().collect();
        for member in gone {
            self.unwatch(member, slot);
        }
        for member in new {
            self.watchers
                .entry(member)
                .or_default()
                .insert(key(slot), slot.clone());
        }
    }

    /// A session by id.
    pub(super) fn get(&self, id: &str) -> Option<&Arc<Slot>> {
        self.sessions.get(id).map(|e| &e.slot)
    }

    /// Every session.
    pub(super) fn all(&self) -> impl Iterator<Item = &Arc<Slot>> {
        self.sessions.values().map(|e| &e.slot)
    }

    /// Every session, split by lane (`lanes` of them; a session's lane is [`Slot::lane`]).
    pub(super) fn by_lane(&self, lanes: usize) -> &[Arc<[Arc<Slot>]>] {
        self.by_lane.get_or_init(|| {
            let mut split: Vec<Vec<Arc<Slot>>> = vec![Vec::new(); lanes];
            for slot in self.all() {
                if let Some(lane) = split.get_mut(slot.lane) {
                    lane.push(slot.clone());
                }
            }
            split.into_iter().map(Arc::from).collect()
        })
    }

    /// `user`'s sessions (attached or waiting to be resumed).
    pub(super) fn of_user(&self, user: Id) -> &[Arc<Slot>] {
        self.by_user.get(&user).map_or(&[], Vec::as_slice)
    }

    /// Users with a session.
    pub(super) fn users(&self) -> impl Iterator<Item = (&Id, &Vec<Arc<Slot>>)> {
        self.by_user.iter()
    }

    /// The sessions watching `member` or belonging to it, each once.
    pub(super) fn watching(&self, member: Id) -> impl Iterator<Item = &Arc<Slot>> {
        let others = self
            .watchers
            .get(&member)
            .into_iter()
            .flat_map(|set| set.values())
            .filter(move |s| s.user != member);
        self.of_user(member).iter().chain(others)
    }

    /// `(sessions, users with a session, members watched by someone)`, for tests.
    #[cfg(test)]
    pub(super) fn sizes(&self) -> (usize, usize, usize) {
        (self.sessions.len(), self.by_user.len(), self.watchers.len())
    }
}
