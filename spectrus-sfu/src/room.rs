//! Room membership: which participants share a room, and who hears whom.

use std::collections::BTreeSet;

use foldhash::HashMap;

#[derive(Default)]
pub(crate) struct Rooms {
    members: HashMap<u64, BTreeSet<u64>>,
}

impl Rooms {
    pub(crate) fn add(&mut self, room: u64, participant: u64) {
        self.members.entry(room).or_default().insert(participant);
    }

    /// Remove `participant`; an emptied room disappears.
    pub(crate) fn remove(&mut self, room: u64, participant: u64) {
        if let Some(m) = self.members.get_mut(&room) {
            m.remove(&participant);
            if m.is_empty() {
                self.members.remove(&room);
            }
        }
    }

    /// Everyone in `room` except `participant`.
    pub(crate) fn others(&self, room: u64, participant: u64) -> Vec<u64> {
        self.members
            .get(&room)
            .map(|m| m.iter().copied().filter(|p| *p != participant).collect())
            .unwrap_or_default()
    }

    /// Everyone in `room` except `participant`, into `out` (cleared first): the forward
    /// path's version of [`Rooms::others`], reusing the caller's buffer.
    pub(crate) fn others_into(&self, room: u64, participant: u64, out: &mut Vec<u64>) {
        out.clear();
        if let Some(m) = self.members.get(&room) {
            out.extend(m.iter().copied().filter(|p| *p != participant));
        }
    }

    pub(crate) fn room_count(&self) -> usize {
        self.members.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership() {
        let mut r = Rooms::default();
        r.add(1, 10);
        r.add(1, 11);
        r.add(2, 20);
        assert_eq!(r.others(1, 10), vec![11]);
        let mut out = vec![99];
        r.others_into(1, 11, &mut out);
        assert_eq!(out, vec![10]);
        assert_eq!(r.room_count(), 2);
        r.remove(2, 20);
        assert_eq!(r.room_count(), 1);
        assert!(r.others(2, 20).is_empty());
        r.remove(9, 9);
    }
}
